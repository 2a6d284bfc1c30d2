"""``GET /api/seraph/info`` (the REST sugar of ``seraph_info``, additive): what the server's
fleet is (sim address, seed, limits, database), so ``%seraph`` in a kernel on a RemoteFleet can
show it, plus ``event_streams``: how many event-stream clients are connected, and
``event_stream_backlog``: per client, what waits in its queue and what it lost (a slow client's
queue stays bounded; operators see who falls behind)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.commands import CommandRouteHandler


class InfoHandler(CommandRouteHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        fleet = await self.fleet()
        streams = list(self.extension.streams)
        backlog = [subscription.backlog() for subscription in streams]
        self.reply({**await fleet.info(), "event_streams": len(streams), "event_stream_backlog": backlog})
