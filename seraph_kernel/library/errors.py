"""The library's refusals in ``002_…``'s shape: a numeric ``code`` per route, its ``message``,
and extra fields (``parser_output``); REST answers them as
``{"success": false, "code": n, "message": "…", …}`` with a 4xx status."""

from __future__ import annotations

from typing import Any

from seraph_kernel.errors import SeraphError


class LibraryError(SeraphError):
    """A refusal of a library route; ``code`` is the route's 002 code (``None`` when 002 has
    none, as for an unknown id). Nothing was changed."""

    http_status = 400

    def __init__(self, code: int | None, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The REST error body."""
        body: dict[str, Any] = {"success": False, "message": self.message, "error": self.message}
        if self.code is not None:
            body["code"] = self.code
        body.update(self.extra)
        return body


def not_found(what: str, ident: str) -> LibraryError:
    """An unknown script, project, version or key (404; 002 has no code for it)."""
    return LibraryError(None, f"unknown library {what}: {ident}", status=404)
