"""``GET /api/bots`` (the refined REST sugar of ``list_bots``): the encoded list is shared by
requests until a bot changes (:mod:`seraph_ext.bot_list_cache`) and answers 304 to a matching
``If-None-Match``; ``?workspace=`` (or the workspace header) lists one workspace, and
``?limit=``/``?after=`` one page (``commands/paging.py``), uncached: a page of 100 costs a
bisection and 100 snapshots, less than re-encoding a changed list of 10,000.
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
        if self.workspace_header() is not None or any(
            self.query(name) is not None for name in ("workspace", "limit", "after")
        ):
            await self._run()  # one workspace's bots or one page: not the cache of every bot
            return
        await self.fleet()
        listing = await self.extension.bot_list.get()
        self.set_header("Etag", listing.etag)
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
        else:
            self.finish(listing.body)
