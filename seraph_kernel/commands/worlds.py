"""Getting around: lobby hosts, random and instanced worlds, portals, exact positions, planned
routes and the world items on tiles. Apart from ``setSubserver``, the Lua methods named here
are bound by hand in :mod:`seraph_kernel.lua_api.client.travel` (they take and return vectors,
and ``warpRandom`` answers ``nil`` on failure); ``tile:item()`` runs ``bot_tile_item``."""

from __future__ import annotations

from seraph_kernel.commands.bots import ACTION_ERRORS, COORD_MAX, ID, X, Y, bot_route, path_answer
from seraph_kernel.commands.spec import BOT, Arg, Command, LuaMethod, keyed, ok

#: The levels of an instanced world.
LEVEL = Arg("level", int, "the instance level", low=0, high=4)
#: A coordinate in world units (0.32 per tile), sub-tile precision.
WORLD_X = Arg("x", float, "world units (0.32 per tile)")
WORLD_Y = Arg("y", float, "world units (0.32 per tile)")
JOIN_ERRORS = ("NOT_CONNECTED", "WORLD_FULL", "INVALID_WORLD", "WORLD_NOT_FOUND", "TIMEOUT", "DISCONNECTED")


def tile_arg(name: str, doc: str) -> Arg:
    return Arg(name, int, doc, low=0, high=COORD_MAX)


def instance_command(method: str, family: str) -> Command:
    """``bot_nether`` / ``bot_mines``: join the bot's own instance of ``family``."""
    return Command(
        f"bot_{method}",
        f"Join the bot's own {family} instance of a level.",
        BOT,
        (ID, LEVEL),
        method,
        ok,
        waits=True,
        errors=JOIN_ERRORS,
        rest=(bot_route("POST", method),),
        lua=LuaMethod(method),
    )


COMMANDS = (
    Command(
        "bot_set_subserver",
        "The lobby host the next connect logs in through (a no-op while connected).",
        BOT,
        (ID, Arg("name", str, "a lobby host of the server (lobby-eu.sim, …)")),
        "set_subserver",
        ok,
        errors=("OTHER", "TIMEOUT"),
        rest=(bot_route("POST", "subserver"),),
        lua=LuaMethod("setSubserver"),
    ),
    Command(
        "bot_warp_random",
        "Join a world the server draws at random; answers its name.",
        BOT,
        (ID,),
        "warp_random",
        keyed("world", with_ok=True),
        waits=True,
        errors=JOIN_ERRORS,
        rest=(bot_route("POST", "warp_random"),),
        lua=LuaMethod("warpRandom"),
    ),
    instance_command("nether", "NETHER"),
    instance_command("mines", "MINES"),
    Command(
        "bot_enter_portal",
        "Walk onto the portal of a tile and step through it (same world: to its exit).",
        BOT,
        (ID, X, Y),
        "enter_portal",
        ok,
        waits=True,
        errors=(*JOIN_ERRORS, "NOT_IN_WORLD", "CANCELLED", "OTHER"),
        rest=(bot_route("POST", "enter_portal"),),
        lua=LuaMethod("enterPortal"),
    ),
    Command(
        "bot_set_position",
        "Go to an exact world position (walk, then a sub-tile step), or ask to teleport there.",
        BOT,
        (ID, WORLD_X, WORLD_Y, Arg("teleport", bool, "jump instead of walking", False, False)),
        "set_position",
        ok,
        waits=True,
        errors=(*ACTION_ERRORS, "CANCELLED"),
        rest=(bot_route("POST", "set_position"),),
        lua=LuaMethod("setPosition"),
    ),
    Command(
        "bot_move_position",
        "Move by a distance in world units from the exact current position.",
        BOT,
        (ID, Arg("dx", float, "world units right"), Arg("dy", float, "world units down")),
        "move_position",
        ok,
        waits=True,
        errors=(*ACTION_ERRORS, "CANCELLED"),
        rest=(bot_route("POST", "move_position"),),
        lua=LuaMethod("movePosition"),
    ),
    Command(
        "bot_plan_path",
        "The shortest walk between two tiles of the bot's world, start excluded; empty when unreachable.",
        BOT,
        (
            ID,
            tile_arg("from_x", "start column"),
            tile_arg("from_y", "start row"),
            tile_arg("to_x", "goal column"),
            tile_arg("to_y", "goal row"),
        ),
        "plan_path",
        path_answer,
        rest=(bot_route("GET", "plan_path"),),
        lua=LuaMethod("planPath"),
    ),
    Command(
        "bot_world_items",
        "The world items (doors, signs, chests, portals, …) of the bot's world.",
        BOT,
        (ID,),
        "world_items",
        keyed("items"),
        errors=("NOT_IN_WORLD",),
        rest=(bot_route("GET", "world_items"),),
    ),
    Command(
        "bot_tile_item",
        "The world item on one tile of the bot's world, or null.",
        BOT,
        (ID, X, Y, Arg("world", str, "answer null unless the bot is in this world", False)),
        "tile_item",
        keyed("item"),
        errors=("NOT_IN_WORLD",),
        rest=(bot_route("GET", "tile_item"),),
    ),
)
