"""``/api/scripts…``: the scripts routes of ``001_…``, keyed by ``(client_id, script_id)``.

Additive: ``timeout_ms`` on execute (the run's deadline, 1 ms … 24 h), ``?after=<seq>`` on
console for incremental reads, and the run record fields on status.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler
from seraph_ext.handlers.params import (
    MAX_RUN_TIMEOUT_MS,
    optional_int,
    query_int,
    require_query_str,
    require_str,
)


def _key(data: dict[str, Any]) -> tuple[str, str]:
    return require_str(data, "client_id"), require_str(data, "script_id")


class ScriptQueryHandler(SeraphHandler):
    """Reads take the key from the query string."""

    def query_key(self) -> tuple[str, str]:
        client_id = require_query_str(self.query("client_id"), "client_id")
        return client_id, require_query_str(self.query("script_id"), "script_id")


class ExecuteHandler(SeraphHandler):
    """Compile and start; returns once the runtime accepted the source."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.body()
        client_id, script_id = _key(data)
        source = require_str(data, "source", max_length=None)
        timeout_ms = optional_int(data, "timeout_ms", 1, MAX_RUN_TIMEOUT_MS)
        fleet = await self.fleet()
        await fleet.execute(client_id, script_id, source, timeout_ms)
        self.ok()


class StopHandler(SeraphHandler):
    """Idempotent: stopping a script that is not running still answers 200."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        client_id, script_id = _key(self.body())
        fleet = await self.fleet()
        await fleet.stop(client_id, script_id)
        self.ok()


class StatusHandler(ScriptQueryHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        client_id, script_id = self.query_key()
        fleet = await self.fleet()
        self.reply(await fleet.status(client_id, script_id))


class ConsoleHandler(ScriptQueryHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        client_id, script_id = self.query_key()
        after = query_int(self.query("after"), "after", low=0)
        fleet = await self.fleet()
        self.reply(await fleet.console(client_id, script_id, after))


class ConsoleClearHandler(SeraphHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        client_id, script_id = _key(self.body())
        fleet = await self.fleet()
        await fleet.console_clear(client_id, script_id)
        self.ok()


handlers = [
    (r"/api/scripts/execute", ExecuteHandler),
    (r"/api/scripts/stop", StopHandler),
    (r"/api/scripts/status", StatusHandler),
    (r"/api/scripts/console", ConsoleHandler),
    (r"/api/scripts/console/clear", ConsoleClearHandler),
]
