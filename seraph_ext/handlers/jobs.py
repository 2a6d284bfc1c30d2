"""``/api/jobs…`` (additive): every run the server knows, by client, and stop-all."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler
from seraph_ext.handlers.params import require_query_str


class JobsHandler(SeraphHandler):
    """``GET /api/jobs`` -> ``{"jobs": [...]}``, running or ended."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        fleet = await self.fleet()
        self.reply({"jobs": await fleet.jobs()})


class JobsByClientHandler(SeraphHandler):
    """``GET /api/jobs/by_client?client_id=`` -> the runs of one bot."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        client_id = require_query_str(self.query("client_id"), "client_id")
        fleet = await self.fleet()
        self.reply({"jobs": await fleet.jobs(client_id)})


class StopAllHandler(SeraphHandler):
    """``POST /api/jobs/stop_all`` -> ``{"stopped": N}``."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        fleet = await self.fleet()
        self.reply({"stopped": await fleet.stop_all()})


handlers = [
    (r"/api/jobs", JobsHandler),
    (r"/api/jobs/by_client", JobsByClientHandler),
    (r"/api/jobs/stop_all", StopAllHandler),
]
