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

#: HTTP status of a game-level failure code; codes not listed answer 409 Conflict (the bot's
#: state does not allow the action: NOT_IN_WORLD, NOT_CONNECTED, ALREADY_CONNECTED, …).
ACTION_STATUS = {
    "INVALID_WORLD": 400,
    "WORLD_NOT_FOUND": 404,
    "OTHER": 422,
    "TIMEOUT": 504,
}

#: Human text appended to a code in the ``error`` message.
ACTION_TEXT = {
    "ALREADY_CONNECTED": "the bot is already connected",
    "NOT_CONNECTED": "the bot is not connected",
    "NOT_IN_WORLD": "the bot is not in a world",
    "WORLD_FULL": "the world is full",
    "INVALID_WORLD": "invalid world name",
    "WORLD_NOT_FOUND": "no such world",
    "BANNED": "the account is banned",
    "TIMEOUT": "the game server did not answer in time",
    "DISCONNECTED": "the bot disconnected during the action",
    "AUTH_FAILED": "authentication failed",
    "TUTORIAL_BUSY": "the tutorial is already running",
    "CANCELLED": "the action was cancelled",
    "OTHER": "the action failed (for walk_to: the target is unreachable)",
}

AUTH_REQUIRED = (
    "authentication required: send the Jupyter token as 'Authorization: token <token>', "
    "'Authorization: Bearer <token>' or '?token=<token>'"
)


def action_error(code: str) -> ActionError:
    """The exception a REST handler raises for a returned ``Errors.*`` code."""
    return ActionError(code, f"{code}: {ACTION_TEXT.get(code, code.lower())}")


def error_body(
    status: int, exc: BaseException | None, authenticated: bool, request_line: str = ""
) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` for a failed request; ``status`` is tornado's guess (500 for any
    non-HTTP exception), refined here from the exception. ``request_line`` is ``"GET /path"``."""
    if isinstance(exc, ActionError):
        return ACTION_STATUS.get(exc.code, exc.http_status), {"error": str(exc), "code": exc.code}
    if isinstance(exc, InvalidArgument):
        return exc.http_status, {"error": str(exc), "field": exc.field}
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
