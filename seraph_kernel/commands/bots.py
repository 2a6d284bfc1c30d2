"""The bot commands: Seraph's names where its dispatcher has them (``list_bots``,
``connect_bot``, ``join_world``, ``bot_walk_to``, ``bot_chat``, ``bot_drop``, …), the routes of
``003_…`` and our additive ones as REST sugar, and the Lua ``Client`` method of each."""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands.ids import BOT_ID_RULE, MAX_BOT_ID_LENGTH, new_bot_id
from seraph_kernel.commands.paging import AFTER, LIMIT, bot_page
from seraph_kernel.commands.spec import (
    BOT,
    FLEET,
    Arg,
    Command,
    LuaMethod,
    Route,
    as_is,
    json_type,
    keyed,
    ok,
)
from seraph_kernel.commands.workspaces import WORKSPACE
from seraph_kernel.errors import InvalidArgument

#: Tile coordinates are non-negative 32-bit ints (the backend checks the world's bounds).
COORD_MAX = 2**31 - 1
#: Upper bound of ``timeout_ms`` on the world queries; larger values are clamped to it.
MAX_QUERY_TIMEOUT_MS = 60_000
#: Longest chat line accepted.
MAX_SAY_LENGTH = 1000


def existing_bot_id(value: Any) -> str:
    """A string; whether a bot has that id is the fleet's answer (``unknown bot: …``, 404)."""
    if not isinstance(value, str):
        raise InvalidArgument("id", f"expected a string, got {json_type(value)}")
    return value


ID = Arg("id", object, "the bot's id (bot-1, …)", check=existing_bot_id)
WAIT = Arg(
    "wait", bool, "wait for the outcome instead of returning once started", False, False, rest_in="query"
)
X = Arg("x", int, "tile column", low=0, high=COORD_MAX)
Y = Arg("y", int, "tile row", low=0, high=COORD_MAX)
TIMEOUT = Arg(
    "timeout_ms",
    int,
    "how long to wait for the server's answer",
    False,
    low=1,
    high=MAX_QUERY_TIMEOUT_MS,
    clamp=True,
)
ACTION_ERRORS = ("NOT_CONNECTED", "NOT_IN_WORLD", "DISCONNECTED", "TIMEOUT", "OTHER")


def bot_route(method: str, action: str = "", **options: Any) -> Route:
    return Route(method, "/api/bots/{id}" + (f"/{action}" if action else ""), **options)


def path_answer(route: list[tuple[int, int]]) -> dict[str, Any]:
    return {"path": [[x, y] for x, y in route]}


COMMANDS = (
    Command(
        "list_bots",
        "Lite snapshots of every bot, in id order; paged with limit and after.",
        FLEET,
        (WORKSPACE, LIMIT, AFTER),
        answer=bot_page,
        rest=(Route("GET", "/api/bots", handler="bot_list"),),
    ),
    Command(
        "create_bot",
        "Create (not connect) a bot; ids bot-1, bot-2, … unless given.",
        FLEET,
        (
            Arg(
                "id",
                str,
                "the new bot's id",
                False,
                max_length=MAX_BOT_ID_LENGTH,
                check=new_bot_id,
                rule=BOT_ID_RULE,
            ),
            Arg("username", str, "the account name", False),
            Arg("backend", str, "the backend plugin", False, "sim"),
            Arg("settings", dict, "backend settings stored with the bot", False),
            WORKSPACE,
        ),
        rest=(Route("POST", "/api/bots", status=201),),
    ),
    Command(
        "get_bot",
        "The full snapshot of one bot.",
        FLEET,
        (ID,),
        rest=(bot_route("GET"),),
        lua=LuaMethod("snapshot"),
    ),
    Command(
        "delete_bot",
        "Stop the bot's scripts, disconnect it and forget it.",
        FLEET,
        (ID,),
        answer=ok,
        rest=(bot_route("DELETE"),),
    ),
    Command(
        "connect_bot",
        "Connect and authenticate; returns once started unless wait.",
        BOT,
        (ID, WAIT),
        "connect",
        ok,
        waits=True,
        errors=("ALREADY_CONNECTED", "AUTH_FAILED", "TIMEOUT", "BANNED", "OTHER"),
        rest=(bot_route("POST", "connect"), bot_route("POST", "reconnect")),
        lua=LuaMethod("connect"),
    ),
    Command(
        "disconnect_bot",
        "Close the connection cleanly.",
        BOT,
        (ID,),
        "disconnect",
        ok,
        rest=(bot_route("POST", "disconnect"),),
        lua=LuaMethod("disconnect"),
    ),
    Command(
        "join_world",
        "Join a world, following redirects; returns once started unless wait.",
        BOT,
        (
            ID,
            Arg("world", str, "the world's name; NAME:ENTRY arrives at a portal entry"),
            WAIT,
            Arg("special", bool, "join the bot's own instance (NETHER, MINES-<level>)", False, False),
        ),
        "warp",
        ok,
        waits=True,
        errors=(
            "NOT_CONNECTED",
            "WORLD_FULL",
            "INVALID_WORLD",
            "WORLD_NOT_FOUND",
            "TIMEOUT",
            "DISCONNECTED",
            "TUTORIAL_BUSY",
            "BANNED",
        ),
        rest=(bot_route("POST", "warp"),),
        lua=LuaMethod("warp"),
    ),
    Command(
        "leave_world",
        "Leave the world, back to menu_ready.",
        BOT,
        (ID,),
        "leave",
        ok,
        errors=("NOT_CONNECTED", "NOT_IN_WORLD"),
        rest=(bot_route("POST", "leave"),),
        lua=LuaMethod("leave"),
    ),
    Command(
        "bot_walk_to",
        "Walk to a tile at the allowed pace; answers once the server confirms the last step.",
        BOT,
        (ID, X, Y),
        "walk_to",
        ok,
        waits=True,
        errors=("NOT_CONNECTED", "NOT_IN_WORLD", "CANCELLED", "DISCONNECTED", "OTHER"),
        rest=(bot_route("POST", "walk_to"),),
        lua=LuaMethod("setPoint"),
    ),
    Command(
        "bot_path",
        "The planned route to a tile, start excluded; empty when unreachable.",
        BOT,
        (ID, X, Y),
        "get_path",
        path_answer,
        rest=(bot_route("GET", "path"),),
        lua=LuaMethod("getPath"),
    ),
    Command(
        "bot_move",
        "One step up, down, left or right (server-paced).",
        BOT,
        (ID, Arg("dx", int, "-1, 0 or 1", low=-1, high=1), Arg("dy", int, "-1, 0 or 1", low=-1, high=1)),
        "move",
        ok,
        waits=True,
        errors=ACTION_ERRORS,
        rest=(bot_route("POST", "move"),),
        lua=LuaMethod("movePoint"),
    ),
    Command(
        "bot_hit",
        "Punch the foreground block of an adjacent tile once.",
        BOT,
        (ID, X, Y),
        "hit",
        ok,
        errors=ACTION_ERRORS,
        rest=(bot_route("POST", "hit"),),
        lua=LuaMethod("hit"),
    ),
    Command(
        "bot_place",
        "Place a block from the backpack on an adjacent empty tile.",
        BOT,
        (ID, X, Y, Arg("block_id", int, "the block to place", low=0, high=COORD_MAX)),
        "place",
        ok,
        errors=ACTION_ERRORS,
        rest=(bot_route("POST", "place"),),
        lua=LuaMethod("place"),
    ),
    Command(
        "bot_collect",
        "Pick up one collectable, or every one in range.",
        BOT,
        (
            ID,
            Arg(
                "collectable_id",
                int,
                "the collectable; all in range when absent",
                False,
                low=0,
                high=COORD_MAX,
            ),
        ),
        "collect",
        keyed("collected", with_ok=True, codes=True),
        errors=ACTION_ERRORS,
        rest=(bot_route("POST", "collect"),),
        lua=LuaMethod("collect"),
    ),
    Command(
        "bot_chat",
        "Say something in the world's chat.",
        BOT,
        (ID, Arg("text", str, "the message", max_length=MAX_SAY_LENGTH)),
        "say",
        ok,
        errors=ACTION_ERRORS,
        rest=(bot_route("POST", "say"),),
        lua=LuaMethod("say"),
    ),
    Command(
        "bot_tutorial",
        "Run the tutorial flow; returns once started unless wait.",
        BOT,
        (ID, WAIT),
        "tutorial",
        ok,
        waits=True,
        errors=("NOT_CONNECTED", "TUTORIAL_BUSY", "DISCONNECTED", "TIMEOUT", "OTHER"),
        rest=(bot_route("POST", "tutorial"),),
        lua=LuaMethod("enterTutorial"),
    ),
    Command(
        "bot_recent_worlds",
        "The worlds the bot visited last: rows {name, id, count, visits}.",
        BOT,
        (ID, TIMEOUT),
        "recent_worlds",
        keyed("worlds"),
        errors=("NOT_CONNECTED", "TIMEOUT"),
        rest=(bot_route("GET", "recent_worlds"),),
        lua=LuaMethod("recentWorlds"),
    ),
    Command(
        "bot_active_worlds",
        "The populated worlds: rows {name, count}.",
        BOT,
        (ID, TIMEOUT),
        "active_worlds",
        keyed("worlds"),
        errors=("NOT_CONNECTED", "TIMEOUT"),
        rest=(bot_route("GET", "active_worlds"),),
        lua=LuaMethod("activeWorlds"),
    ),
    Command(
        "bot_world_info",
        "One world's player count and flags.",
        BOT,
        (ID, Arg("world", str, "the world's name"), TIMEOUT),
        "world_info",
        errors=("NOT_CONNECTED", "TIMEOUT", "INVALID_WORLD"),
        rest=(bot_route("GET", "world_info"),),
        lua=LuaMethod("worldInfo"),
    ),
    Command(
        "bot_collectables",
        "The dropped items in the bot's world.",
        BOT,
        (ID,),
        "collectables",
        keyed("collectables"),
        rest=(bot_route("GET", "collectables"),),
    ),
    Command(
        "bot_enemies",
        "The enemies in the bot's world.",
        BOT,
        (ID,),
        "enemies",
        keyed("enemies"),
        rest=(bot_route("GET", "enemies"),),
    ),
    Command(
        "bot_minimap",
        "The tile layers of the bot's world.",
        BOT,
        (ID,),
        "minimap",
        as_is,
        errors=("NOT_IN_WORLD",),
        rest=(bot_route("GET", "minimap"),),
    ),
    Command(
        "bot_inventory",
        "The backpack: {slots, items}.",
        BOT,
        (ID,),
        "inventory",
        rest=(bot_route("GET", "inventory"),),
        lua=LuaMethod("inventory"),
    ),
    Command(
        "bot_drop",
        "Drop items from the backpack as a collectable on the bot's tile, for any bot to pick up.",
        BOT,
        (
            ID,
            Arg("block_id", int, "the item to drop", low=0, high=COORD_MAX),
            Arg("amount", int, "how many", low=1, high=COORD_MAX),
        ),
        "drop",
        ok,
        errors=ACTION_ERRORS,
        rest=(bot_route("POST", "drop"),),
        lua=LuaMethod("drop"),
    ),
)
