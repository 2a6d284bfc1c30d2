"""The game content beyond blocks: what seeds grow into, what bots wear, the packs a bot buys
with byte coins, the quests and achievements it completes, and the backpack's price list.

The server's rules (:mod:`farming`, :mod:`progress`, :mod:`backpack`) read these tables, and
:func:`catalog_tables` serves them as the catalog routes (``GET /api/catalog/<name>``), so what
a script reads there is what the sim does. Every number here is documented in
``docs/simulator.md`` ("Farming, backpack, packs, quests").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seraph_kernel.sim import catalog as c


@dataclass(frozen=True)
class Growth:
    """What a planted seed becomes: a tree (or crop) of ``block`` that is ready ``grow_s``
    seconds (sim clock) after planting, takes ``hits`` hits to harvest once ready, and then
    drops ``yields`` (chances and amounts as block drops)."""

    seed: int
    block: int
    kind: str
    grow_s: float
    hits: int
    yields: tuple[c.Drop, ...]


GROWTH: dict[int, Growth] = {
    g.seed: g
    for g in (
        Growth(
            c.SOIL_SEED,
            c.DIRT,
            "tree",
            3.0,
            2,
            (c.Drop(c.DIRT, 1.0, (2, 4)), c.Drop(c.SOIL_SEED, 0.5, (1, 2))),
        ),
        Growth(
            c.SAND_SEED,
            c.SAND,
            "tree",
            3.0,
            2,
            (c.Drop(c.SAND, 1.0, (2, 4)), c.Drop(c.SAND_SEED, 0.5, (1, 2))),
        ),
        Growth(
            c.GRASS_SEED,
            c.GRASS,
            "tree",
            4.0,
            2,
            (c.Drop(c.GRASS, 1.0, (2, 3)), c.Drop(c.GRASS_SEED, 0.5), c.Drop(c.GEMS, 0.5, (1, 3))),
        ),
        Growth(
            c.STONE_SEED,
            c.STONE,
            "tree",
            6.0,
            3,
            (c.Drop(c.STONE, 1.0, (1, 3)), c.Drop(c.STONE_SEED, 0.4), c.Drop(c.GEMS, 0.8, (2, 5))),
        ),
        Growth(
            c.WHEAT_SEED, c.WHEAT, "crop", 2.0, 1, (c.Drop(c.WHEAT, 1.0, (1, 3)), c.Drop(c.WHEAT_SEED, 0.6))
        ),
    )
}
#: Planting the second seed on a growing tree of the first mixes them into a tree of the third
#: block (``mixed``), growing from the mixing time.
RECIPES: dict[frozenset[int], int] = {frozenset({c.SOIL_SEED, c.SAND_SEED}): c.GRASS_SEED}
#: Breaking a block of the key may drop its seed: ``(seed, chance)``, drawn from its own random
#: stream so the block's other drops stay what they were.
SEED_DROPS: dict[int, tuple[int, float]] = {
    c.DIRT: (c.SOIL_SEED, 0.3),
    c.SAND: (c.SAND_SEED, 0.3),
    c.GRASS: (c.GRASS_SEED, 0.3),
    c.STONE: (c.STONE_SEED, 0.2),
}

#: Where a worn item goes; ``hand`` holds the equipped tool.
HAND = "hand"
WEAR_SLOTS: dict[int, str] = {
    c.MINER_HELMET: "head",
    c.FARMER_HAT: "head",
    c.WORK_GLOVES: "hands",
    c.OVERALLS: "body",
}
TOOLS = frozenset({c.PICKAXE_BASIC})

#: ``client:expandInventory()``: each expansion adds this many slots for a price in gems that
#: grows with every expansion (``EXPAND_GEMS * (expansions + 1)``), up to ``MAX_SLOTS``.
EXPAND_SLOTS = 8
EXPAND_GEMS = 50
MAX_SLOTS = 96

def tier_of(block: c.Block) -> int:
    """A rough rarity: 0 common, 1 ores and seeds of stone, 2 gold and emerald, 3 clothes."""
    if block.id in (c.GOLD_ORE, c.EMERALD_ORE, c.GOLD_NUGGET, c.EMERALD):
        return 2
    if block.inventory_type == c.INV_CLOTHES:
        return 3
    if "ore" in block.flags or block.id in (c.STONE_SEED, c.COPPER_NUGGET, c.IRON_NUGGET):
        return 1
    return 0


#: Packs a bot buys with byte coins (``client:buyPack(name)``): each roll draws one entry by
#: weight from the pack's seeded random stream and adds its amount to the backpack.
PACKS: dict[str, dict[str, Any]] = {
    "SeedPack": {
        "name": "SeedPack",
        "byteCoinsPrice": 20,
        "rolls": 3,
        "items": [
            {"blockType": c.SOIL_SEED, "amount": 2, "weight": 4},
            {"blockType": c.SAND_SEED, "amount": 2, "weight": 3},
            {"blockType": c.GRASS_SEED, "amount": 1, "weight": 2},
            {"blockType": c.WHEAT_SEED, "amount": 2, "weight": 1},
        ],
    },
    "ClothesPack": {
        "name": "ClothesPack",
        "byteCoinsPrice": 50,
        "rolls": 1,
        "items": [{"blockType": b, "amount": 1, "weight": 1} for b in WEAR_SLOTS],
    },
    "OrePack": {
        "name": "OrePack",
        "byteCoinsPrice": 80,
        "rolls": 2,
        "items": [
            {"blockType": c.COPPER_NUGGET, "amount": 3, "weight": 5},
            {"blockType": c.IRON_NUGGET, "amount": 2, "weight": 3},
            {"blockType": c.GOLD_NUGGET, "amount": 1, "weight": 1},
        ],
    },
}

#: Quests: reaching ``goal`` on ``counter`` completes the quest once and pays its reward.
QUESTS: dict[str, dict[str, Any]] = {
    q["name"]: q
    for q in (
        {
            "name": "PlantSeeds",
            "description": "Plant 3 seeds.",
            "counter": "seeds_planted",
            "goal": 3,
            "reward": {"gems": 30},
        },
        {
            "name": "FirstHarvest",
            "description": "Harvest a ready tree.",
            "counter": "trees_harvested",
            "goal": 1,
            "reward": {"byte_coins": 60},
        },
        {
            "name": "BreakBlocks",
            "description": "Break 10 blocks.",
            "counter": "blocks_broken",
            "goal": 10,
            "reward": {"gems": 40, "items": {str(c.SOIL_SEED): 2}},
        },
        {
            "name": "Harvester",
            "description": "Harvest 5 ready trees.",
            "counter": "trees_harvested",
            "goal": 5,
            "reward": {"byte_coins": 100, "gems": 50},
        },
        {
            "name": "Shopper",
            "description": "Buy a pack.",
            "counter": "packs_bought",
            "goal": 1,
            "reward": {"gems": 50},
        },
    )
}
#: Every account has the quests of every pool; a pool groups them for the client's quest book.
QUEST_POOL: dict[str, list[str]] = {
    "starter": ["PlantSeeds", "FirstHarvest", "BreakBlocks"],
    "farmer": ["Harvester", "Shopper"],
}

#: Achievements: earned once, when ``counter`` reaches ``goal``.
ACHIEVEMENTS: dict[str, dict[str, Any]] = {
    a["name"]: a
    for a in (
        {"name": "GreenThumb", "description": "Plant a seed.", "counter": "seeds_planted", "goal": 1},
        {"name": "Farmer", "description": "Harvest 10 trees.", "counter": "trees_harvested", "goal": 10},
        {"name": "Miner", "description": "Break 25 blocks.", "counter": "blocks_broken", "goal": 25},
        {"name": "Collector", "description": "Buy a pack.", "counter": "packs_bought", "goal": 1},
        {
            "name": "BigBackpack",
            "description": "Expand the backpack.",
            "counter": "backpack_expanded",
            "goal": 1,
        },
    )
}


def _item_row(block: c.Block) -> dict[str, Any]:
    growth = GROWTH.get(block.id)
    if growth is not None:
        text = f"Plant it: a {growth.kind} of {c.name_of(growth.block)}, ready after {growth.grow_s:g} s."
    elif block.id in WEAR_SLOTS:
        text = f"Clothes worn on the {WEAR_SLOTS[block.id]}."
    elif block.hits is None:
        text = f"A {c.CATEGORY.get(block.inventory_type, 'block')} item."
    else:
        text = f"A block that breaks after {block.hits} hits."
    return {
        "name": block.name,
        "blockType": block.id,
        "tier": tier_of(block),
        "hits_required": block.hits if block.hits is not None else 0,
        "level_req": 1 + tier_of(block) * 2 if block.inventory_type == c.INV_CLOTHES else 1,
        "description": text,
    }


def catalog_tables() -> dict[str, Any]:
    """Every catalog table by its route name (aliases included), as the routes answer it."""
    blocks = [c.BLOCKS[i] for i in sorted(c.BLOCKS)]
    items = {b.name: _item_row(b) for b in blocks if b.id != c.AIR}
    quests = {name: dict(q) for name, q in QUESTS.items()}
    achievements = {name: dict(a) for name, a in ACHIEVEMENTS.items()}
    return {
        "block_flags": {str(b.id): b.flag_bits for b in blocks},
        "items": items,
        "item_database": items,
        "packs": PACKS,
        "pack_pool": PACKS,
        "quests": quests,
        "quest_definitions": quests,
        "quest_pool": QUEST_POOL,
        "achievements": achievements,
        "achievement_definitions": achievements,
    }
