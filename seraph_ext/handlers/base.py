"""The base of every Seraph REST handler: Jupyter auth, the JSON error envelope, body limits,
and access to the server's fleet.

Handlers stay thin (as in ``jupyter_server_terminals.api_handlers``): decorate each method with
``@web.authenticated`` and ``@authorized`` (resource ``seraph``), read input with
:mod:`seraph_ext.handlers.params`, call the fleet, and :meth:`SeraphHandler.reply`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado import web

from seraph_ext.handlers.errors import error_body
from seraph_ext.handlers.params import parse_body
from seraph_kernel.commands.workspaces import WORKSPACE_HEADER, workspace_name
from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import Fleet

if TYPE_CHECKING:
    from seraph_ext.app import SeraphExtension

AUTH_RESOURCE = "seraph"
T = TypeVar("T")


class SeraphHandler(APIHandler):
    """JSON handler whose every failure answers ``{"error": "..."}``."""

    auth_resource = AUTH_RESOURCE
    _action: asyncio.Task[Any] | None = None
    _client_gone = False

    @property
    def extension(self) -> SeraphExtension:
        return self.settings["seraph_ext"]

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        limit = self.extension.max_body_bytes
        if len(self.request.body) > limit:
            raise web.HTTPError(413, f"body: larger than {limit} bytes")

    async def fleet(self) -> Fleet:
        """The server's fleet, once it has started (requests arriving earlier wait for it); as
        the workspace named by the ``X-Seraph-Workspace`` header sees it, when there is one."""
        fleet = await self.extension.ready_fleet()
        name = self.workspace_header()
        return fleet if name is None else fleet.workspace(name)

    def workspace_header(self) -> str | None:
        """The workspace the request acts in (``docs/workspaces.md``), or ``None``."""
        name = self.request.headers.get(WORKSPACE_HEADER)
        return None if name is None else workspace_name(name, WORKSPACE_HEADER)

    def body(self, required: bool = True) -> dict[str, Any]:
        """The JSON object of the request body (``InvalidArgument`` -> 400 otherwise)."""
        return parse_body(self.request.body, required=required)

    def query(self, name: str) -> str | None:
        """A query-string argument, or ``None`` when absent."""
        return self.get_query_argument(name, None)

    def reply(self, payload: Any, status: int = 200) -> None:
        """Finish with a JSON body."""
        self.set_status(status)
        self.finish(json.dumps(payload, separators=(",", ":")))

    def ok(self) -> None:
        self.reply({"ok": True})

    async def cancellable(self, action: Awaitable[T]) -> T:
        """Run a fleet action that stops when the client goes away (a cancelled ``walk_to``
        over REST stops the walk, as a cancelled task does in-process)."""
        self._action = asyncio.ensure_future(action)
        try:
            return await self._action
        except asyncio.CancelledError:
            if not self._client_gone:
                raise
            raise web.HTTPError(499, "client closed the request") from None
        finally:
            self._action = None

    def on_connection_close(self) -> None:
        self._client_gone = True
        if self._action is not None:
            self._action.cancel()
        super().on_connection_close()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        request_line = f"{self.request.method} {self.request.path}"
        # Not ``self.current_user``: errors raised before ``prepare`` (an unsupported method)
        # have no user yet, and jupyter_server refuses the lazy lookup.
        authenticated = getattr(self, "_jupyter_current_user", None) is not None
        status, body = error_body(status_code, exc, authenticated, request_line)
        self.set_status(status)
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, SeraphError):
            self.log.info("%s %s -> %s", self.request.method, self.request.uri, value)
            return
        super().log_exception(typ, value, tb)


class NotFoundHandler(SeraphHandler):
    """Any unknown path under the Seraph prefixes: 404 JSON for every method (after auth)."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

    def _not_found(self, *args: str) -> None:
        raise web.HTTPError(404, "unknown route: %s %s", self.request.method, self.request.path)

    get = head = post = put = patch = delete = web.authenticated(_not_found)
