"""The catalog and server commands: the block catalog of the game the bots play, and what the
server's fleet is."""

from __future__ import annotations

from seraph_kernel.commands.spec import FLEET, Command, Route, keyed

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
        "seraph_info",
        "What the server's fleet is: sim address, seed, limits, database.",
        FLEET,
        rest=(Route("GET", "/api/seraph/info", handler="info"),),
    ),
)
