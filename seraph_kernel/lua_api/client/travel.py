"""The Lua ``Client`` methods for getting around (``commands/worlds.py``): ``warpRandom``,
``nether``, ``mines``, ``enterPortal``, ``setPosition``, ``movePosition``, ``planPath``, and
the world-item lookup behind ``tile:item()``. Each checks its Lua arguments (misuse names the
call), runs its command through ``fleet.invoke`` (so it works on a LocalFleet and a
RemoteFleet alike) and answers with the Lua conventions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError
from seraph_kernel.engine.values import Vec2, Vec2i
from seraph_kernel.lua_api.client.conventions import game_call, require_int, require_point, type_name
from seraph_kernel.lua_api.client.state import ClientState


def require_vector(name: str, value: Any, what: str = "") -> Vec2:
    """A ``Vector2`` argument (a ``Vector2i`` is accepted as the same numbers)."""
    if not isinstance(value, (Vec2, Vec2i)):
        raise LuaArgumentError(f"{name}: expected Vector2{what}, got {type_name(value)}")
    return Vec2(float(value.x), float(value.y))


def item_row(row: dict[str, Any]) -> dict[str, Any]:
    """A world item as Lua sees it: ``{blockType, kind, text?, entry?, target?, targetEntry?}``
    (absent fields read as ``nil``)."""
    fields = {
        "blockType": row["block_type"],
        "kind": row["kind"],
        "text": row.get("text"),
        "entry": row.get("entry"),
        "target": row.get("target_world"),
        "targetEntry": row.get("target_entry"),
    }
    return {k: v for k, v in fields.items() if v is not None}


class TravelCalls:
    """One coroutine per Lua call; the first argument is always the bot id."""

    def __init__(self, session: ClientState) -> None:
        self._session = session

    async def _moving(self, name: str, cmd: str, client_id: str, **args: Any) -> Any:
        """Run a command that may change the bot's world; drop the VM's cached world around it."""
        views = self._session.attached().views
        views.forget(client_id)
        answer = await game_call(name, self._session.fleet.invoke(cmd, {"id": client_id, **args}))
        views.forget(client_id)
        return answer

    async def warp_random(self, client_id: str) -> str | None:
        answer = await self._moving("warpRandom", "bot_warp_random", client_id)
        return answer["world"] if isinstance(answer, dict) else None

    async def nether(self, client_id: str, level: Any = None) -> str | None:
        return await self._instance("nether", "bot_nether", client_id, level)

    async def mines(self, client_id: str, level: Any = None) -> str | None:
        return await self._instance("mines", "bot_mines", client_id, level)

    async def _instance(self, name: str, cmd: str, client_id: str, level: Any) -> str | None:
        value = require_int(name, "level", level)
        answer = await self._moving(name, cmd, client_id, level=value)
        return answer if isinstance(answer, str) else None

    async def enter_portal(self, client_id: str, point: Any = None) -> str | None:
        x, y = require_point("enterPortal", point)
        answer = await self._moving("enterPortal", "bot_enter_portal", client_id, x=x, y=y)
        return answer if isinstance(answer, str) else None

    async def set_position(self, client_id: str, pos: Any = None, teleport: Any = None) -> str | None:
        x, y = require_vector("setPosition", pos)
        if teleport is not None and not isinstance(teleport, bool):
            raise LuaArgumentError(f"setPosition: expected boolean teleport, got {type_name(teleport)}")
        args = {"id": client_id, "x": x, "y": y, "teleport": bool(teleport)}
        answer = await game_call("setPosition", self._session.fleet.invoke("bot_set_position", args))
        return answer if isinstance(answer, str) else None

    async def move_position(self, client_id: str, delta: Any = None) -> str | None:
        dx, dy = require_vector("movePosition", delta, " delta")
        args = {"id": client_id, "dx": dx, "dy": dy}
        answer = await game_call("movePosition", self._session.fleet.invoke("bot_move_position", args))
        return answer if isinstance(answer, str) else None

    async def plan_path(self, client_id: str, start: Any = None, goal: Any = None) -> list[Vec2i]:
        fx, fy = require_point("planPath", start, " from")
        tx, ty = require_point("planPath", goal, " to")
        args = {"id": client_id, "from_x": fx, "from_y": fy, "to_x": tx, "to_y": ty}
        answer = await game_call("planPath", self._session.fleet.invoke("bot_plan_path", args))
        return [] if isinstance(answer, str) else [Vec2i(int(x), int(y)) for x, y in answer["path"]]

    async def tile_item(
        self, client_id: str, world: str, x: Any = None, y: Any = None
    ) -> dict[str, Any] | None:
        """``tile:item()`` of a tile of ``world``: the item, or ``nil`` (also once the bot is
        no longer in that world). ``x``/``y`` come from the tile's ``point``, which a script
        may have overwritten."""
        args = {
            "id": client_id,
            "x": require_int("item", "x", x),
            "y": require_int("item", "y", y),
            "world": world,
        }
        answer = await game_call("item", self._session.fleet.invoke("bot_tile_item", args))
        if not isinstance(answer, dict) or answer["item"] is None:
            return None
        return item_row(answer["item"])


#: Lua name -> TravelCalls method
TRAVEL_CALLS = {
    "warpRandom": "warp_random",
    "nether": "nether",
    "mines": "mines",
    "enterPortal": "enter_portal",
    "setPosition": "set_position",
    "movePosition": "move_position",
    "planPath": "plan_path",
}


def travel_bindings(session: ClientState) -> dict[str, Callable[..., Awaitable[Any]]]:
    """The coroutines behind the ``Client`` methods of :data:`TRAVEL_CALLS`."""
    calls = TravelCalls(session)
    return {lua_name: getattr(calls, method) for lua_name, method in TRAVEL_CALLS.items()}
