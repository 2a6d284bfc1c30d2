"""The catalog and server commands: the block catalog of the game the bots play, and what the
server's fleet is."""

from __future__ import annotations

from seraph_kernel.commands.spec import FLEET, Arg, Command, Route, keyed

#: The catalog tables ``GET /api/catalog/<name>`` serves (Seraph's names, with their aliases).
CATALOG_TABLES = (
    "block_flags",
    "items",
    "item_database",
    "packs",
    "pack_pool",
    "quests",
    "quest_definitions",
    "quest_pool",
    "achievements",
    "achievement_definitions",
)

COMMANDS = (
    Command(
        "catalog_block_types",
        'The block catalog as {"<id>": "Name"}.',
        FLEET,
        rest=(Route("GET", "/api/catalog/block_types"),),
    ),
    Command(
        "catalog_blocks",
        "The full block catalog: {id, name, flags, collision, hits, drops}.",
        FLEET,
        answer=keyed("blocks"),
        rest=(Route("GET", "/api/catalog/blocks"),),
    ),
    Command(
        "catalog_table",
        "One catalog table as it is: " + ", ".join(CATALOG_TABLES) + ".",
        FLEET,
        (Arg("name", str, "the table's name", max_length=64),),
        rest=(Route("GET", "/api/catalog/{name}"),),
    ),
    Command(
        "seraph_info",
        "What the server's fleet is: sim address, seed, limits, database.",
        FLEET,
        rest=(Route("GET", "/api/seraph/info", handler="info"),),
    ),
)
