"""Getting around beyond walking: lobby hosts (``set_subserver``), random worlds, the bot's
instanced NETHER and MINES worlds, portals, exact (sub-tile) positions and teleports, route
planning between any two tiles, and the world items on tiles."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from seraph_kernel.backends.base import JSON
from seraph_kernel.backends.pathfinding import find_path
from seraph_kernel.backends.sim.bot_core import SimBotCore, as_ints
from seraph_kernel.backends.sim.link import LinkClosed, SimLink
from seraph_kernel.errors import ActionError, InvalidArgument
from seraph_kernel.sim.instances import MAX_LEVEL
from seraph_kernel.sim.world import TILE

#: Decimals kept of a position in tile units (so 3.52 world units is exactly tile 11).
EXACT_DIGITS = 6


def world_number(what: str, value: Any) -> float:
    """A finite number (a coordinate in world units); ``InvalidArgument`` naming the call."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidArgument(what, f"expected a finite number, got {value!r}")
    return float(value)


def instance_level(what: str, level: Any) -> int:
    """An instance level 0..4; ``InvalidArgument`` naming the call otherwise."""
    (value,) = as_ints(what, level)
    if not 0 <= value <= MAX_LEVEL:
        raise InvalidArgument(what, f"level must be 0..{MAX_LEVEL}, got {value}")
    return value


class SimBotTravel(SimBotCore):
    """Lobbies, random and instanced worlds, portals, exact positions, planned routes, items."""

    # -- lobby hosts -----------------------------------------------------------------------
    async def set_subserver(self, name: str) -> str | None:
        """Log in through the lobby host ``name`` from the next ``connect()`` on (a no-op while
        connected). ``OTHER`` for a host the server does not list; ``TIMEOUT`` / ``OTHER``
        when the server cannot be asked."""
        if not isinstance(name, str) or not name:
            raise InvalidArgument("set_subserver", f"expected a host name, got {name!r}")
        if self._need_link() is not None:
            return None
        lobbies = await self._lobbies()
        if isinstance(lobbies, str):
            return lobbies
        if name not in lobbies:
            known = ", ".join(sorted(lobbies)) or "none"
            return self._fail("OTHER", f"setSubserver: unknown lobby host {name!r} (known: {known})")
        ip, port = lobbies[name]
        self._entry = (ip, int(port))
        return None

    async def _lobbies(self) -> dict[str, list[Any]] | str:
        """The server's lobby hosts (any host answers ``lobbies`` before ``hello``)."""
        link = SimLink(lambda _msg: None, lambda _link: None)
        try:
            await asyncio.wait_for(link.open(*self._entry), self._timeout)
            reply = await link.request("lobbies", self._timeout)
        except (TimeoutError, LinkClosed, OSError) as exc:
            code = "TIMEOUT" if isinstance(exc, TimeoutError) else "OTHER"
            return self._fail(code, f"setSubserver: cannot reach {self._entry[0]}:{self._entry[1]}")
        finally:
            await link.close()
        return reply["lobbies"]

    # -- random and instanced worlds ---------------------------------------------------------
    async def warp_random(self) -> str:
        """Join a world the server draws; its name. ``ActionError`` when it failed."""
        link = self._need_link()
        if link is None:
            raise ActionError("NOT_CONNECTED", f"warp_random: {self.bot_id} is not connected")
        reply = await self._call(link, "random_world")
        if isinstance(reply, str):
            raise ActionError(reply, self.last_error or reply)
        code = await self.warp(reply["world"])
        if code is not None:
            raise ActionError(code, self.last_error or code)
        return reply["world"]

    async def nether(self, level: int) -> str | None:
        """Join the bot's own NETHER instance of ``level`` (0..4)."""
        return await self.warp(f"NETHER-{instance_level('nether', level)}", special=True)

    async def mines(self, level: int) -> str | None:
        """Join the bot's own MINES instance of ``level`` (0..4)."""
        return await self.warp(f"MINES-{instance_level('mines', level)}", special=True)

    # -- portals -----------------------------------------------------------------------------
    async def enter_portal(self, x: int, y: int) -> str | None:
        """Walk onto the portal at ``(x, y)`` and step through it: to its exit in this world,
        or into the world it leads to. ``InvalidArgument`` when the tile holds no portal."""
        x, y = as_ints("enter_portal", x, y)
        state = self._in_world("enter_portal")
        if isinstance(state, str):
            return state
        item = state[1].items.get((x, y))
        if item is None or item["kind"] != "portal":
            raise InvalidArgument("point", f"no portal at ({x},{y})")
        if self._pos != (x, y):
            code = await self.walk_to(x, y)
            if code is not None:
                return code
        link = self._need_link()
        if link is None:
            return self._fail("DISCONNECTED", "enter_portal: connection lost")
        async with self._move_lock:
            reply = await self._call(link, "portal", x=x, y=y)
        if isinstance(reply, str):
            return reply
        if reply["t"] == "pos":
            return None
        return await self._join(reply["world"], reply.get("entry"))

    # -- exact positions -----------------------------------------------------------------------
    async def set_position(self, x: float, y: float, teleport: bool = False) -> str | None:
        """Go to the world position ``(x, y)`` (world units, sub-tile precision): walk to its
        tile, then step within it; ``teleport`` asks the server to jump there instead (it
        refuses a jump past :data:`~seraph_kernel.sim.world.TELEPORT_RANGE` walkable tiles)."""
        mx = round(world_number("set_position", x) / TILE, EXACT_DIGITS)
        my = round(world_number("set_position", y) / TILE, EXACT_DIGITS)
        state = self._in_world("set_position")
        if isinstance(state, str):
            return state
        link, world = state
        if not (0 <= mx < world.width and 0 <= my < world.height):
            return self._fail("OTHER", f"set_position: ({x}, {y}) is outside the world")
        if not teleport:
            tile = (math.floor(mx), math.floor(my))
            if tile != self._pos:
                code = await self.walk_to(*tile)
                if code is not None:
                    return code
        return await self._exact_step(link, mx, my, teleport)

    async def _exact_step(self, link: SimLink, mx: float, my: float, teleport: bool) -> str | None:
        """One ``position`` request, paced like a step of its length."""
        here = self.exact_position
        if here is None:
            return self._fail("NOT_IN_WORLD", "set_position: left the world")
        distance = 1.0 if teleport else max(abs(mx - here[0]), abs(my - here[1]))
        if distance == 0:
            return None
        try:
            async with self._move_lock:
                loop = asyncio.get_running_loop()
                wait = self._last_move_at + self._move_interval * distance + 0.001 - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                reply = await link.request("position", self._timeout, mx=mx, my=my, teleport=teleport)
        except LinkClosed:
            return self._fail("DISCONNECTED", "set_position: connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", "set_position: no answer")
        if reply["t"] == "error":
            return self._fail(reply["code"], reply["message"])
        return None if reply["ok"] else self._fail("OTHER", f"set_position: refused: {reply['reason']}")

    async def move_position(self, dx: float, dy: float) -> str | None:
        """Move by ``(dx, dy)`` world units from the exact current position."""
        dx, dy = world_number("move_position", dx), world_number("move_position", dy)
        state = self._in_world("move_position")
        if isinstance(state, str):
            return state
        mx, my = self.exact_position or self._pos or (0, 0)
        return await self.set_position(mx * TILE + dx, my * TILE + dy)

    # -- planning and items ------------------------------------------------------------------------
    def plan_path(self, from_x: int, from_y: int, to_x: int, to_y: int) -> list[tuple[int, int]]:
        """The shortest walk from one tile to another of the current world (start excluded);
        ``[]`` when unreachable, out of the world, or outside a world."""
        fx, fy, tx, ty = as_ints("plan_path", from_x, from_y, to_x, to_y)
        world = self._world
        if world is None or self._status != "in_world":
            return []
        if not (0 <= fx < world.width and 0 <= fy < world.height):
            return []
        return find_path(world.passable_grid(), world.width, world.height, (fx, fy), (tx, ty)) or []

    def world_items(self) -> list[dict[str, JSON]]:
        """Every world item of the current world, row-major."""
        if self._world is None or self._status != "in_world":
            raise ActionError("NOT_IN_WORLD", f"world_items: {self.bot_id} is not in a world")
        return [dict(row) for _, row in sorted(self._world.items.items(), key=lambda kv: kv[0][::-1])]

    def tile_item(self, x: int, y: int, world: str | None = None) -> dict[str, JSON] | None:
        """The world item on ``(x, y)``, or ``None``; with ``world``, only while the bot is in
        that world (a tile read from an older world holds nothing now)."""
        x, y = as_ints("tile_item", x, y)
        if self._world is None or self._status != "in_world":
            raise ActionError("NOT_IN_WORLD", f"tile_item: {self.bot_id} is not in a world")
        if world is not None and world.upper() != self._world.name:
            return None
        row = self._world.items.get((x, y))
        return None if row is None else dict(row)
