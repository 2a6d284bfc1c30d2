"""Errors shared by every front door (REST, kernel, Lua).

Each carries the HTTP status the REST API answers with, so handlers map them in one place.
The message is the exact text users see (``unknown bot: bot-99``).
"""

from __future__ import annotations


class SeraphError(Exception):
    """Base class: ``str(err)`` is the user-facing message."""

    http_status = 500


class InvalidArgument(SeraphError):
    """Bad input from a client: a missing field, a wrong type, a value out of range."""

    http_status = 400

    def __init__(self, field: str, message: str, command: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        #: The dispatcher command whose argument this is, when the dispatcher checked it.
        self.command = command


class UnknownBot(SeraphError):
    http_status = 404

    def __init__(self, bot_id: str) -> None:
        super().__init__(f"unknown bot: {bot_id}")
        self.bot_id = bot_id


class UnknownCommand(SeraphError):
    """``POST /invoke`` with a ``cmd`` the dispatcher does not have."""

    http_status = 404

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown command: {name}")
        self.name = name


class UnknownCatalog(SeraphError):
    """``GET /api/catalog/<name>`` of a table the catalog does not have."""

    http_status = 404

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown catalog: {name}")
        self.name = name


class UnknownScript(SeraphError):
    http_status = 404

    def __init__(self, client_id: str, script_id: str) -> None:
        super().__init__(f"unknown script: {client_id}/{script_id}")


class BotExists(SeraphError):
    http_status = 409

    def __init__(self, bot_id: str) -> None:
        super().__init__(f"bot already exists: {bot_id}")


class ScriptAlreadyRunning(SeraphError):
    http_status = 409

    def __init__(self, client_id: str, script_id: str) -> None:
        super().__init__(f"script already running: {client_id}/{script_id}")


class StorageQuotaExceeded(SeraphError):
    """A ``storage``/``globalStorage`` write that would pass a quota; nothing was written.
    413 like a body that is too large: the request is refused for its size."""

    http_status = 413

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(
            f"storage quota exceeded: {message}; raise it with c.SeraphExtension.{setting} "
            f"(FleetConfig.{setting})"
        )
        #: The FleetConfig field / ``c.SeraphExtension`` trait that raises this quota.
        self.setting = setting


class LuaCompileError(SeraphError):
    """A syntax error; the message is ``lua compile: <line>: <message>`` as 001 documents."""

    http_status = 500


class ActionError(SeraphError):
    """A game-level failure of a bot action; ``code`` is one of the Lua ``Errors.*`` names."""

    http_status = 409

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


class RemoteError(SeraphError):
    """A RemoteFleet call the server answered with an unexpected error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status


class ScriptLimitExceeded(SeraphError):
    """A run asked for more than a script may have (child scripts nested too deep)."""

    http_status = 429


class FleetUnavailable(SeraphError):
    """The fleet's process is gone (it exited, or the server is stopping); it is started
    again and the call may be repeated."""

    http_status = 503
