"""The Python side of the Lua ``Client`` class: one coroutine per call of ``lua-api.md``
"Bots", each over the Fleet interface only (so it works over a LocalFleet and a RemoteFleet).

Arguments arrive converted by ``from_lua`` (a ``Vector2i`` is a :class:`Vec2i`) and are checked
here, so misuse names the call; points go back as ``Vec2i``/``Vec2``, which ``to_lua`` turns
into Lua vectors.
"""

from __future__ import annotations

import math
from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError
from seraph_kernel.engine.values import Vec2, Vec2i
from seraph_kernel.errors import UnknownBot
from seraph_kernel.lua_api.client.conventions import (
    game_call,
    optional_timeout,
    require_int,
    require_point,
    require_str,
    type_name,
    without_nulls,
)
from seraph_kernel.lua_api.client.state import ClientState
from seraph_kernel.lua_api.console import console_entry

#: Statuses in which ``client:connected()`` is true: as in Seraph, only a bot settled in the
#: menu or in a world (not one joining, loading or being redirected).
CONNECTED = frozenset({"menu_ready", "in_world"})
#: Statuses after which the bot does nothing until told to connect (``client:isAlive()``).
ENDED = frozenset({"disconnected", "banned", "kicked", "error", "already_connected"})


class ClientCalls:
    """One method per Lua call; the first argument is always the bot id."""

    def __init__(self, session: ClientState, services: Any) -> None:
        self._session = session
        self._services = services

    # -- finding bots ------------------------------------------------------------------------
    def bound_id(self) -> str | None:
        return self._services.client_id()

    def unbound_reason(self) -> str | None:
        """Why ``getClient()`` has no bot, when the services can say (a notebook: "%use <id>");
        ``None`` keeps the plain ``nil`` of scripts run without a bot."""
        reason = getattr(self._services, "unbound_reason", None)
        return reason() if callable(reason) else None

    async def username(self, client_id: Any) -> str | None:
        """The bot's username, or None if no such bot (``getClient(id)`` gives nil)."""
        require_str("getClient", "id", client_id)
        snapshot = await self._snapshot(client_id)
        return None if snapshot is None else snapshot.get("username") or ""

    async def list_bots(self) -> list[str]:
        """``[id1, username1, id2, username2, …]`` in id order."""
        flat: list[str] = []
        for bot in await self._session.fleet.list_bots():
            flat += [bot["id"], bot.get("username") or ""]
        return flat

    # -- state reads ---------------------------------------------------------------------------
    async def _snapshot(self, client_id: str) -> dict[str, Any] | None:
        try:
            return await self._session.fleet.get_bot(client_id)
        except UnknownBot:
            return None

    async def _position(self, client_id: str) -> dict[str, Any] | None:
        snapshot = await self._snapshot(client_id)
        if snapshot is None or snapshot.get("status") != "in_world":
            return None
        return snapshot.get("player_position")

    async def point(self, client_id: str) -> Vec2i | None:
        pos = await self._position(client_id)
        return None if pos is None else Vec2i(math.floor(pos["map_x"]), math.floor(pos["map_y"]))

    async def position(self, client_id: str) -> Vec2 | None:
        pos = await self._position(client_id)
        return None if pos is None else Vec2(float(pos["world_x"]), float(pos["world_y"]))

    async def snapshot(self, client_id: str) -> dict[str, Any] | None:
        """The full REST snapshot; its ``null`` fields read as ``nil``."""
        snapshot = await self._snapshot(client_id)
        return None if snapshot is None else without_nulls(snapshot)

    async def status(self, client_id: str) -> str:
        snapshot = await self._snapshot(client_id)
        return "DISCONNECTED" if snapshot is None else str(snapshot["status"]).upper()

    async def connected(self, client_id: str) -> bool:
        snapshot = await self._snapshot(client_id)
        return snapshot is not None and snapshot["status"] in CONNECTED

    async def is_alive(self, client_id: str) -> bool:
        snapshot = await self._snapshot(client_id)
        return snapshot is not None and snapshot["status"] not in ENDED

    async def ping(self, client_id: str) -> int | None:
        snapshot = await self._snapshot(client_id)
        return None if snapshot is None else snapshot.get("ping_ms")

    async def last_error(self, client_id: str) -> str | None:
        snapshot = await self._snapshot(client_id)
        return None if snapshot is None else snapshot.get("last_error")

    # -- connection and worlds -----------------------------------------------------------------
    async def connect(self, client_id: str) -> str | None:
        self._session.attached().views.forget(client_id)
        return await game_call("connect", self._session.fleet.connect(client_id, wait=True))

    async def disconnect(self, client_id: str) -> str | None:
        fleet = self._session.fleet
        self._session.attached().walks.clear(client_id)
        self._session.attached().views.forget(client_id)
        return await game_call("disconnect", fleet.disconnect(client_id))

    async def warp(self, client_id: str, name: Any = None, special: Any = None) -> str | None:
        """``special = true`` joins the bot's own instance (``NETHER``, ``MINES-2``…);
        ``"NAME:ENTRY"`` arrives at a portal entry of that world."""
        require_str("warp", "world name", name)
        if special is not None and not isinstance(special, bool):
            raise LuaArgumentError(f"warp: expected boolean special, got {type_name(special)}")
        fleet = self._session.fleet
        self._session.attached().views.forget(client_id)
        result = await game_call("warp", fleet.warp(client_id, name, wait=True, special=bool(special)))
        self._session.attached().views.forget(client_id)
        return result

    async def leave(self, client_id: str) -> str | None:
        fleet = self._session.fleet
        self._session.attached().walks.clear(client_id)
        result = await game_call("leave", fleet.leave(client_id))
        self._session.attached().views.forget(client_id)
        return result

    async def recent_worlds(self, client_id: str, timeout_ms: Any = None) -> Any:
        timeout = optional_timeout("recentWorlds", timeout_ms)
        return await game_call("recentWorlds", self._session.fleet.recent_worlds(client_id, timeout))

    async def active_worlds(self, client_id: str, timeout_ms: Any = None) -> Any:
        timeout = optional_timeout("activeWorlds", timeout_ms)
        return await game_call("activeWorlds", self._session.fleet.active_worlds(client_id, timeout))

    async def world_info(self, client_id: str, name: Any = None, timeout_ms: Any = None) -> Any:
        require_str("worldInfo", "world name", name)
        timeout = optional_timeout("worldInfo", timeout_ms)
        return await game_call("worldInfo", self._session.fleet.world_info(client_id, name, timeout))

    async def enter_tutorial(self, client_id: str) -> str | None:
        fleet = self._session.fleet
        self._session.attached().views.forget(client_id)
        result = await game_call("enterTutorial", fleet.tutorial(client_id, wait=True))
        self._session.attached().views.forget(client_id)
        return result

    # -- walking ---------------------------------------------------------------------------------
    async def set_point(self, client_id: str, point: Any = None, teleport: Any = None) -> str | None:
        """The sim allows no teleport (it kicks fast movers), so ``teleport`` walks too."""
        x, y = require_point("setPoint", point)
        if teleport is not None and not isinstance(teleport, bool):
            raise LuaArgumentError(f"setPoint: expected boolean teleport, got {type_name(teleport)}")
        return await self._session.attached().walks.walk(client_id, x, y)

    async def get_path(self, client_id: str, point: Any = None) -> list[Vec2i]:
        x, y = require_point("getPath", point)
        route = await game_call("getPath", self._session.fleet.get_path(client_id, x, y))
        return [] if isinstance(route, str) else [Vec2i(int(sx), int(sy)) for sx, sy in route]

    async def find_path(self, client_id: str, point: Any = None) -> bool:
        """Seraph's ``findPath``: ``true`` once the walk is launched (poll ``pathfinding()``),
        ``false`` when the bot's start tile is unknown (not in a world, mid-warp)."""
        x, y = require_point("findPath", point)
        if await self.point(client_id) is None:
            return False
        self._session.attached().walks.start(client_id, x, y)
        return True

    async def pathfinding(self, client_id: str) -> bool:
        return self._session.attached().walks.running(client_id)

    async def clear_path(self, client_id: str) -> None:
        self._session.attached().walks.clear(client_id)

    async def move_point(self, client_id: str, delta: Any = None) -> str | None:
        dx, dy = require_point("movePoint", delta, " delta")
        if abs(dx) + abs(dy) != 1:
            raise LuaArgumentError(
                f"movePoint: move: a step is one tile up, down, left or right, got ({dx},{dy})"
            )
        return await game_call("movePoint", self._session.fleet.move(client_id, dx, dy))

    # -- acting on the world ----------------------------------------------------------------------
    async def hit(self, client_id: str, point: Any = None) -> str | None:
        x, y = require_point("hit", point)
        result = await game_call("hit", self._session.fleet.hit(client_id, x, y))
        self._session.attached().views.forget(client_id)  # a copied world (remote fleet) is stale now
        return result

    async def place(self, client_id: str, point: Any = None, block_id: Any = None) -> str | None:
        x, y = require_point("place", point)
        block = require_int("place", "blockId", block_id)
        result = await game_call("place", self._session.fleet.place(client_id, x, y, block))
        self._session.attached().views.forget(client_id)
        return result

    async def collect(self, client_id: str, collectable_id: Any = None) -> Any:
        wanted = None if collectable_id is None else require_int("collect", "id", collectable_id)
        return await game_call("collect", self._session.fleet.collect(client_id, wanted))

    async def say(self, client_id: str, text: Any = None) -> str | None:
        require_str("say", "text", text)
        return await game_call("say", self._session.fleet.say(client_id, text))

    # -- snapshots and events -----------------------------------------------------------------------
    async def world(self, client_id: str) -> tuple[int, str] | None:
        return await self._session.attached().views.current(client_id)

    async def inventory(self, client_id: str) -> dict[str, Any] | None:
        result = await game_call("inventory", self._session.fleet.inventory(client_id))
        return result if isinstance(result, dict) else None

    # -- another bot's console (client:console() / client:logger()) ---------------------------
    async def _newest_script(self, client_id: str) -> str | None:
        """The script id of the bot's newest run (its console is the bot's console)."""
        jobs = await game_call("console", self._session.fleet.jobs(client_id))
        if not isinstance(jobs, list) or not jobs:
            return None
        return str(max(jobs, key=lambda job: job.get("started_at") or 0)["script_id"])

    async def _sibling_lines(self, client_id: str) -> list[dict[str, Any]]:
        script_id = await self._newest_script(client_id)
        if script_id is None:
            return []
        return (await self._session.fleet.console(client_id, script_id))["lines"]

    async def sibling_entries(self, client_id: str) -> list[dict[str, Any]]:
        return [console_entry(line) for line in await self._sibling_lines(client_id)]

    async def sibling_messages(self, client_id: str) -> list[str]:
        return [line["text"] for line in await self._sibling_lines(client_id)]

    async def _sibling_script(self, name: str, client_id: str) -> str:
        script_id = await self._newest_script(client_id)
        if script_id is None:
            raise LuaArgumentError(f"{name}: {client_id} has no script, so no console")
        return script_id

    async def sibling_add(self, client_id: str, text: str) -> None:
        script_id = await self._sibling_script("console:add", client_id)
        await game_call("console:add", self._session.fleet.console_add(client_id, script_id, text))

    async def sibling_clear(self, client_id: str) -> None:
        script_id = await self._sibling_script("console:clear", client_id)
        await game_call("console:clear", self._session.fleet.console_clear(client_id, script_id))

    async def on(self, client_id: str, event: str) -> None:
        """``client:on`` registered one more handler of ``event`` (the Lua side keeps it)."""
        self._session.attached().events.add_handler(client_id, event)
