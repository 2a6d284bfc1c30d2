"""``/api/bots…``: the bots routes of ``003_…`` plus the additive ones (create, delete, hit,
place, collect, say, move, path, inventory).

Actions answer ``{"ok": true}``; a game-level failure code (``NOT_IN_WORLD``…) becomes an
error body through :func:`seraph_ext.handlers.errors.action_error`. ``connect``, ``warp`` and
``tutorial`` return once started, as ``003_…`` says; ``?wait=true`` (additive) waits for the
outcome instead.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler
from seraph_ext.handlers.errors import action_error
from seraph_ext.handlers.params import (
    optional_dict,
    optional_int,
    optional_str,
    query_bool,
    query_timeout_ms,
    require_int,
    require_query_int,
    require_query_str,
    require_str,
)

BOT = r"/api/bots/([^/]+)"
#: Tile coordinates are non-negative 32-bit ints (the fleet checks the world's bounds); a
#: move is one step, so each delta is -1, 0 or 1.
COORD_MIN, COORD_MAX = 0, 2**31 - 1
STEP_MIN, STEP_MAX = -1, 1
#: Longest chat line accepted.
MAX_SAY_LENGTH = 1000


class BotActionHandler(SeraphHandler):
    """Shared finish for actions that return an ``Errors.*`` code or ``None``."""

    def action_done(self, code: str | None) -> None:
        if code is not None:
            raise action_error(code)
        self.ok()


class BotsHandler(SeraphHandler):
    """``GET /api/bots`` (lite snapshots, see :mod:`seraph_ext.bot_list_cache`) and
    ``POST /api/bots`` (create)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.fleet()
        listing = await self.extension.bot_list.get()
        self.set_header("Etag", listing.etag)
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
        else:
            self.finish(listing.body)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.body(required=False)
        bot_id = optional_str(data, "id")
        username = optional_str(data, "username")
        backend = optional_str(data, "backend") or "sim"
        settings = optional_dict(data, "settings")
        fleet = await self.fleet()
        snapshot = await fleet.create_bot(bot_id, username, backend, settings)
        self.reply(snapshot, status=201)


class BotHandler(SeraphHandler):
    """``GET /api/bots/{id}`` (full snapshot) and ``DELETE /api/bots/{id}``."""

    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        fleet = await self.fleet()
        self.reply(await fleet.get_bot(bot_id))

    @web.authenticated
    @authorized
    async def delete(self, bot_id: str) -> None:
        fleet = await self.fleet()
        await fleet.delete_bot(bot_id)
        self.ok()


class ConnectHandler(BotActionHandler):
    """``POST …/connect`` and its alias ``…/reconnect``: auth failures show in the snapshot."""

    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        wait = query_bool(self.query("wait"), "wait")
        fleet = await self.fleet()
        self.action_done(await self.cancellable(fleet.connect(bot_id, wait=wait)))


class DisconnectHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        fleet = await self.fleet()
        await fleet.disconnect(bot_id)
        self.ok()


class WarpHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        world = require_str(self.body(), "world")
        wait = query_bool(self.query("wait"), "wait")
        fleet = await self.fleet()
        self.action_done(await self.cancellable(fleet.warp(bot_id, world, wait=wait)))


class LeaveHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        fleet = await self.fleet()
        self.action_done(await fleet.leave(bot_id))


class TutorialHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        wait = query_bool(self.query("wait"), "wait")
        fleet = await self.fleet()
        self.action_done(await self.cancellable(fleet.tutorial(bot_id, wait=wait)))


class WalkToHandler(BotActionHandler):
    """Returns once the server echoes the final position; a closed request stops the walk."""

    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        x, y = _xy(self.body())
        fleet = await self.fleet()
        self.action_done(await self.cancellable(fleet.walk_to(bot_id, x, y)))


class MoveHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        data = self.body()
        dx = require_int(data, "dx", STEP_MIN, STEP_MAX)
        dy = require_int(data, "dy", STEP_MIN, STEP_MAX)
        fleet = await self.fleet()
        self.action_done(await self.cancellable(fleet.move(bot_id, dx, dy)))


class HitHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        x, y = _xy(self.body())
        fleet = await self.fleet()
        self.action_done(await fleet.hit(bot_id, x, y))


class PlaceHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        data = self.body()
        x, y = _xy(data)
        block_id = require_int(data, "block_id", 0, COORD_MAX)
        fleet = await self.fleet()
        self.action_done(await fleet.place(bot_id, x, y, block_id))


class CollectHandler(BotActionHandler):
    """``{"collectable_id"?}`` -> ``{"ok": true, "collected": N}``."""

    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        collectable_id = optional_int(self.body(required=False), "collectable_id", 0, COORD_MAX)
        fleet = await self.fleet()
        result = await fleet.collect(bot_id, collectable_id)
        if isinstance(result, str):
            raise action_error(result)
        self.reply({"ok": True, "collected": result})


class SayHandler(BotActionHandler):
    @web.authenticated
    @authorized
    async def post(self, bot_id: str) -> None:
        text = require_str(self.body(), "text", MAX_SAY_LENGTH)
        fleet = await self.fleet()
        self.action_done(await fleet.say(bot_id, text))


class BotListReadHandler(SeraphHandler):
    """A read that answers ``{<key>: [...]}``: collectables, enemies."""

    key = ""

    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        fleet = await self.fleet()
        method = getattr(fleet, self.key)
        self.reply({self.key: await method(bot_id)})


class CollectablesHandler(BotListReadHandler):
    key = "collectables"


class EnemiesHandler(BotListReadHandler):
    key = "enemies"


class MinimapHandler(SeraphHandler):
    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        fleet = await self.fleet()
        self.reply(await fleet.minimap(bot_id))


class InventoryHandler(SeraphHandler):
    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        fleet = await self.fleet()
        self.reply(await fleet.inventory(bot_id))


class PathHandler(SeraphHandler):
    """``GET …/path?x&y`` -> ``{"path": [[x, y], …]}`` (empty when unreachable)."""

    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        x, y = _query_xy(self)
        fleet = await self.fleet()
        path = await fleet.get_path(bot_id, x, y)
        self.reply({"path": [[px, py] for px, py in path]})


class RecentWorldsHandler(SeraphHandler):
    """``?timeout_ms`` -> ``{"worlds": [{name, count}]}``."""

    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        timeout_ms = query_timeout_ms(self.query("timeout_ms"))
        fleet = await self.fleet()
        self.reply({"worlds": await fleet.recent_worlds(bot_id, timeout_ms)})


class ActiveWorldsHandler(SeraphHandler):
    """``?timeout_ms`` -> ``{"worlds": [{name, count}]}`` of populated worlds."""

    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        timeout_ms = query_timeout_ms(self.query("timeout_ms"))
        fleet = await self.fleet()
        self.reply({"worlds": await fleet.active_worlds(bot_id, timeout_ms)})


class WorldInfoHandler(SeraphHandler):
    """``?world&timeout_ms`` -> ``{name, player_count, flags}``."""

    @web.authenticated
    @authorized
    async def get(self, bot_id: str) -> None:
        world = require_query_str(self.query("world"), "world")
        timeout_ms = query_timeout_ms(self.query("timeout_ms"))
        fleet = await self.fleet()
        self.reply(await fleet.world_info(bot_id, world, timeout_ms))


def _xy(data: dict[str, Any]) -> tuple[int, int]:
    return require_int(data, "x", COORD_MIN, COORD_MAX), require_int(data, "y", COORD_MIN, COORD_MAX)


def _query_xy(handler: SeraphHandler) -> tuple[int, int]:
    x = require_query_int(handler.query("x"), "x", COORD_MIN, COORD_MAX)
    return x, require_query_int(handler.query("y"), "y", COORD_MIN, COORD_MAX)


handlers = [
    (r"/api/bots", BotsHandler),
    (BOT, BotHandler),
    (BOT + r"/(?:connect|reconnect)", ConnectHandler),
    (BOT + r"/disconnect", DisconnectHandler),
    (BOT + r"/warp", WarpHandler),
    (BOT + r"/leave", LeaveHandler),
    (BOT + r"/walk_to", WalkToHandler),
    (BOT + r"/tutorial", TutorialHandler),
    (BOT + r"/move", MoveHandler),
    (BOT + r"/hit", HitHandler),
    (BOT + r"/place", PlaceHandler),
    (BOT + r"/collect", CollectHandler),
    (BOT + r"/say", SayHandler),
    (BOT + r"/collectables", CollectablesHandler),
    (BOT + r"/enemies", EnemiesHandler),
    (BOT + r"/minimap", MinimapHandler),
    (BOT + r"/inventory", InventoryHandler),
    (BOT + r"/path", PathHandler),
    (BOT + r"/recent_worlds", RecentWorldsHandler),
    (BOT + r"/active_worlds", ActiveWorldsHandler),
    (BOT + r"/world_info", WorldInfoHandler),
]
