"""The backpack and farm commands: trash, equip and wear (and their undo), expand the backpack,
buy packs with byte coins, and the trees of the bot's world. ``bot_drop`` (in
:mod:`seraph_kernel.commands.bots`) is the backpack's other write. Each write answers
``{"ok": true}`` or a game-level failure (Lua: ``nil`` or an ``Errors.*`` code)."""

from __future__ import annotations

from seraph_kernel.commands.bots import COORD_MAX, ID, bot_route
from seraph_kernel.commands.spec import BOT, Arg, Command, LuaMethod, keyed, ok

BLOCK = Arg("block_id", int, "the item", low=0, high=COORD_MAX)
AMOUNT = Arg("amount", int, "how many", low=1, high=COORD_MAX)
#: Backpack writes need a connection, not a world; ``OTHER`` is a refusal of the game's rules
#: (not enough items, not trashable, not clothes, too few gems or byte coins…).
BACKPACK_ERRORS = ("NOT_CONNECTED", "DISCONNECTED", "TIMEOUT", "OTHER")


def item_command(name: str, method: str, lua: str, doc: str) -> Command:
    """A backpack write on one item: ``client:<lua>(blockId)``."""
    return Command(
        name,
        doc,
        BOT,
        (ID, BLOCK),
        method,
        ok,
        errors=BACKPACK_ERRORS,
        rest=(bot_route("POST", method),),
        lua=LuaMethod(lua),
    )


COMMANDS = (
    Command(
        "bot_trash",
        "Destroy items of the backpack (the block must be trashable: block_flags bit 0x2).",
        BOT,
        (ID, BLOCK, AMOUNT),
        "trash",
        ok,
        errors=BACKPACK_ERRORS,
        rest=(bot_route("POST", "trash"),),
        lua=LuaMethod("trash"),
    ),
    item_command(
        "bot_equip",
        "equip",
        "equip",
        "Hold a tool of the backpack in the hand (shown in the snapshot's worn).",
    ),
    item_command("bot_unequip", "unequip", "unequip", "Put the held tool back."),
    item_command(
        "bot_wear",
        "wear",
        "wear",
        "Wear clothes of the backpack on their slot (shown in the snapshot's worn).",
    ),
    item_command("bot_unwear", "unwear", "unwear", "Take worn clothes off."),
    Command(
        "bot_expand_inventory",
        "Pay gems for more backpack slots (the price grows with every expansion).",
        BOT,
        (ID,),
        "expand_inventory",
        ok,
        errors=BACKPACK_ERRORS,
        rest=(bot_route("POST", "expand_inventory"),),
        lua=LuaMethod("expandInventory"),
    ),
    Command(
        "bot_buy_pack",
        "Buy a pack of the catalog's packs with byte coins; its rolls go to the backpack.",
        BOT,
        (ID, Arg("pack", str, "the pack's name (GET /api/catalog/packs)", max_length=64)),
        "buy_pack",
        keyed("items", with_ok=True, codes=True),
        errors=BACKPACK_ERRORS,
        rest=(bot_route("POST", "buy_pack"),),
        lua=LuaMethod("buyPack"),
    ),
    Command(
        "bot_trees",
        "The trees and crops of the bot's world, or the one on a tile (x and y).",
        BOT,
        (
            ID,
            Arg("x", int, "tile column", False, low=0, high=COORD_MAX),
            Arg("y", int, "tile row", False, low=0, high=COORD_MAX),
        ),
        "trees",
        keyed("trees"),
        rest=(bot_route("GET", "trees"),),
    ),
)
