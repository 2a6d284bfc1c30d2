"""``/api/catalog…`` (additive): the block catalog of the game the bots play."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler


class BlockTypesHandler(SeraphHandler):
    """``GET /api/catalog/block_types`` -> ``{"<id>": "Name"}``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        fleet = await self.fleet()
        self.reply(await fleet.block_types())


class BlocksHandler(SeraphHandler):
    """``GET /api/catalog/blocks`` -> ``{"blocks": [{id, name, flags, collision, hits, drops}]}``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        fleet = await self.fleet()
        self.reply({"blocks": await fleet.block_infos()})


handlers = [
    (r"/api/catalog/block_types", BlockTypesHandler),
    (r"/api/catalog/blocks", BlocksHandler),
]
