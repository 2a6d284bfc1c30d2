"""``GET /api/seraph/info`` (additive): what the server's fleet is (sim address, seed, limits,
database), so ``%seraph`` in a kernel on a RemoteFleet can show it, plus ``event_streams``: how
many event-stream clients are connected."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler


class InfoHandler(SeraphHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        fleet = await self.fleet()
        self.reply({**await fleet.info(), "event_streams": len(self.extension.streams)})


handlers = [(r"/api/seraph/info", InfoHandler)]
