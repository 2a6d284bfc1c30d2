"""``GET /api/bots`` (the refined REST sugar of ``list_bots``): the encoded list is shared by
requests until a bot changes (:mod:`seraph_ext.bot_list_cache`) and answers 304 to a matching
``If-None-Match``; ``?workspace=`` (or the workspace header) lists one workspace, uncached.
Every other bots route is generated from its command declaration
(:mod:`seraph_ext.handlers.commands`)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.commands import CommandRouteHandler


class BotListHandler(CommandRouteHandler):
    """``GET /api/bots`` from the cache; ``POST /api/bots`` (create) as generated."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        if self.workspace_header() is not None or self.query("workspace") is not None:
            await self._run()  # one workspace's bots: not the shared cache of every bot
            return
        await self.fleet()
        listing = await self.extension.bot_list.get()
        self.set_header("Etag", listing.etag)
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
        else:
            self.finish(listing.body)
