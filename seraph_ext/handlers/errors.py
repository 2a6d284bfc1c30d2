"""The one place where failures become REST error bodies.

Every failure under the Seraph prefixes answers ``{"error": "<message>"}`` (``003_…``/``001_…``).
Additive fields help programs: ``code`` (an ``Errors.*`` name) on game-level failures of bot
actions, ``field`` on validation errors. :class:`~seraph_kernel.errors.SeraphError` subclasses
carry their HTTP status; game-level action codes map through :data:`ACTION_STATUS`.
"""

from __future__ import annotations

from http.client import responses
from typing import Any

from tornado import web

from seraph_kernel.errors import ActionError, InvalidArgument, SeraphError
from seraph_kernel.library.errors import LibraryError

#: HTTP status of a game-level failure code; codes not listed answer 409 Conflict (the bot's
#: state does not allow the action: NOT_IN_WORLD, NOT_CONNECTED, ALREADY_CONNECTED, …).
ACTION_STATUS = {
    "INVALID_WORLD": 400,
    "WORLD_NOT_FOUND": 404,
    "OTHER": 422,
    "TIMEOUT": 504,
}

AUTH_REQUIRED = (
    "authentication required: send the Jupyter token as 'Authorization: token <token>', "
    "'Authorization: Bearer <token>' or '?token=<token>'"
)


def error_body(
    status: int, exc: BaseException | None, authenticated: bool, request_line: str = ""
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` for a failed request; ``status`` is tornado's guess (500 for any
    non-HTTP exception), refined here from the exception. ``request_line`` is ``"GET /path"``."""
    if isinstance(exc, LibraryError):
        return exc.http_status, exc.body()
    if isinstance(exc, ActionError):
        return ACTION_STATUS.get(exc.code, exc.http_status), {"error": str(exc), "code": exc.code}
    if isinstance(exc, InvalidArgument):
        body = {"error": str(exc), "field": exc.field}
        if exc.command is not None:
            body["command"] = exc.command
        return exc.http_status, body
    if isinstance(exc, SeraphError):
        return exc.http_status, {"error": str(exc)}
    if isinstance(exc, web.HTTPError):
        if status == 403 and not authenticated:
            return 403, {"error": AUTH_REQUIRED}
        if status == 405:
            return 405, {"error": f"method not allowed: {request_line}"}
        message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
        return status, {"error": message or exc.reason or responses.get(status, "error")}
    if exc is not None:
        return 500, {"error": f"internal error: {type(exc).__name__}: {exc}"}
    return status, {"error": responses.get(status, "error")}
