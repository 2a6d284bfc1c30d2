"""``GET /api/seraph/info`` (the REST sugar of ``seraph_info``, additive): what the server's
fleet is (sim address, seed, limits, database), so ``%seraph`` in a kernel on a RemoteFleet can
show it, plus ``event_streams``: how many event-stream clients are connected."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.commands import CommandRouteHandler


class InfoHandler(CommandRouteHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        fleet = await self.fleet()
        self.reply({**await fleet.info(), "event_streams": len(self.extension.streams)})
