"""``/api/storage…`` (additive): the Lua ``storage`` / ``globalStorage`` key-value store, so a
RemoteFleet (and any program) shares it with the server's scripts.

``scope`` is ``global`` or ``bot:<id>``; values are any JSON. A missing key reads as
``{"value": null}``, as it does in Lua.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler
from seraph_kernel.errors import InvalidArgument


class ScopeHandler(SeraphHandler):
    """``GET`` -> ``{"keys": [...]}``; ``DELETE`` clears the scope."""

    @web.authenticated
    @authorized
    async def get(self, scope: str) -> None:
        fleet = await self.fleet()
        self.reply({"keys": await fleet.storage_keys(scope)})

    @web.authenticated
    @authorized
    async def delete(self, scope: str) -> None:
        fleet = await self.fleet()
        await fleet.storage_clear(scope)
        self.ok()


class KeyHandler(SeraphHandler):
    """``GET`` -> ``{"value": ...}``; ``PUT {"value": ...}``; ``DELETE`` -> ``{"deleted": bool}``."""

    @web.authenticated
    @authorized
    async def get(self, scope: str, key: str) -> None:
        fleet = await self.fleet()
        self.reply({"value": await fleet.storage_get(scope, key)})

    @web.authenticated
    @authorized
    async def put(self, scope: str, key: str) -> None:
        data = self.body()
        if "value" not in data:
            raise InvalidArgument("value", "required")
        fleet = await self.fleet()
        await fleet.storage_set(scope, key, data["value"])
        self.ok()

    @web.authenticated
    @authorized
    async def delete(self, scope: str, key: str) -> None:
        fleet = await self.fleet()
        self.reply({"deleted": await fleet.storage_delete(scope, key)})


handlers = [
    (r"/api/storage/([^/]+)", ScopeHandler),
    (r"/api/storage/([^/]+)/(.+)", KeyHandler),
]
