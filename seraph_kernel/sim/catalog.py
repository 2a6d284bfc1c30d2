"""The block catalog of the simulated world: ids, names, hits to break, collision, drops.

Shared by the server (rules) and the sim client (passability for path planning, inventory
names). ``0`` is air. Ids 1–99 are foreground blocks, 100–149 backgrounds, 150–199 water and
wiring, 200+ items that only live in inventories (nuggets, tools), 300–399 seeds (planted, a
seed's tile shows the seed's id while its tree grows: see :mod:`seraph_kernel.sim.farming`),
1100+ clothes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NONE, SOLID, PLATFORM = "none", "solid", "platform"

# Seraph's ``ItemInfo.flags`` bits: scripts test them with ``bit32.band(info.flags, 0x2) ~= 0``.
FLAG_UNTRADEABLE, FLAG_TRASHABLE = 0x1, 0x2
# Seraph's ``ItemInfo.collision`` bits: what touching a tile of the block does to a player.
COLLIDE_NONE, COLLIDE_SOLID, COLLIDE_ONE_WAY, COLLIDE_HOT, COLLIDE_DEATH = 0x0, 0x1, 0x2, 0x4, 0x8
COLLISION_BITS = {NONE: COLLIDE_NONE, SOLID: COLLIDE_SOLID, PLATFORM: COLLIDE_ONE_WAY}

# inventory types (the ``inventory_type`` of a snapshot's inventory rows and collectables)
INV_BLOCK, INV_BACKGROUND, INV_MATERIAL, INV_TOOL = 0, 1, 2, 49
INV_SEED, INV_CLOTHES = 3, 50
CATEGORY = {
    INV_BLOCK: "block",
    INV_BACKGROUND: "background",
    INV_MATERIAL: "material",
    INV_TOOL: "tool",
    INV_SEED: "seed",
    INV_CLOTHES: "clothes",
}


@dataclass(frozen=True)
class Drop:
    """One possible drop when the block breaks: ``block`` (0 = gems) with ``chance`` and an
    amount drawn uniformly from ``amount``."""

    block: int
    chance: float
    amount: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class Block:
    id: int
    name: str
    hits: int | None  # hits to break; None = unbreakable
    collision: str = SOLID
    inventory_type: int = INV_BLOCK
    drops: tuple[Drop, ...] = ()
    flags: tuple[str, ...] = field(default=())
    xp: int = 0
    #: a player may hand it to another (trade); tools, currency and fixtures may not
    tradeable: bool = True
    #: a player may throw it away from the backpack (almost every block)
    trashable: bool = True
    #: touching it hurts (``COLLIDE_HOT``)
    hot: bool = False

    @property
    def flag_bits(self) -> int:
        """Seraph's ``flags`` number: ``FLAG_UNTRADEABLE | FLAG_TRASHABLE`` as they apply."""
        return (0 if self.tradeable else FLAG_UNTRADEABLE) | (FLAG_TRASHABLE if self.trashable else 0)

    @property
    def collision_bits(self) -> int:
        """Seraph's ``collision`` number: solid / one-way / none, plus hot."""
        return COLLISION_BITS[self.collision] | (COLLIDE_HOT if self.hot else 0)

    def info(self) -> dict[str, Any]:
        """The JSON row of ``block_infos`` (``flags``/``collision`` readable, ``*_bits`` as Seraph's
        numbers)."""
        return {
            "id": self.id,
            "name": self.name,
            "flags": list(self.flags),
            "collision": self.collision,
            "flag_bits": self.flag_bits,
            "collision_bits": self.collision_bits,
            "hits": self.hits,
            "inventory_type": self.inventory_type,
            "drops": [{"block": d.block, "chance": d.chance, "amount": list(d.amount)} for d in self.drops],
        }


GEMS = 0  # a Drop of block 0 is gems

# well-known ids
AIR = 0
BEDROCK, DIRT, STONE, GRANITE, SAND, ICE, GRASS, LAVA_ROCK = 1, 2, 3, 4, 5, 6, 7, 8
WOOD_PLATFORM, LADDER, DOOR, ENTRANCE, SPAWN_POD, SIGN, CHEST = 10, 11, 12, 13, 14, 15, 16
COPPER_ORE, IRON_ORE, GOLD_ORE, EMERALD_ORE = 20, 21, 22, 23
PORTAL = 25  # a world item: steps the player to another entry of this world or another world
CAVE_BG, WOOD_BG, STONE_BG = 100, 101, 102
WATER, WIRE = 150, 160
COPPER_NUGGET, IRON_NUGGET, GOLD_NUGGET, EMERALD = 200, 201, 202, 203
BYTE_COIN = 210  # a currency drop: collecting it adds to ``byte_coins``, not to the inventory
WHEAT = 220
SOIL_SEED, STONE_SEED, SAND_SEED, GRASS_SEED, WHEAT_SEED = 302, 303, 305, 307, 320
PICKAXE_BASIC = 1041
MINER_HELMET, FARMER_HAT, WORK_GLOVES, OVERALLS = 1100, 1101, 1102, 1103

_BLOCKS = (
    Block(AIR, "Air", None, NONE, tradeable=False, trashable=False),
    Block(BEDROCK, "Bedrock", None, flags=("unbreakable",), tradeable=False, trashable=False),
    Block(DIRT, "SoilBlock", 3, drops=(Drop(DIRT, 0.3), Drop(GEMS, 0.5, (1, 3))), xp=5),
    Block(STONE, "StoneBlock", 4, drops=(Drop(STONE, 0.25), Drop(GEMS, 0.5, (1, 4))), xp=6),
    Block(GRANITE, "GraniteBlock", 6, drops=(Drop(GRANITE, 0.2), Drop(GEMS, 0.6, (2, 5))), xp=9),
    Block(SAND, "SandBlock", 2, drops=(Drop(SAND, 0.4), Drop(GEMS, 0.3, (1, 2))), xp=3),
    Block(ICE, "IceBlock", 3, drops=(Drop(ICE, 0.3), Drop(GEMS, 0.4, (1, 3))), xp=5),
    Block(GRASS, "GrassBlock", 2, drops=(Drop(GRASS, 0.4), Drop(GEMS, 0.3, (1, 2))), xp=3),
    Block(LAVA_ROCK, "LavaRock", 8, drops=(Drop(GEMS, 0.8, (3, 8)),), flags=("hazard",), xp=12, hot=True),
    Block(WOOD_PLATFORM, "WoodPlatform", 2, PLATFORM, drops=(Drop(WOOD_PLATFORM, 0.5),), xp=2),
    Block(LADDER, "Ladder", 2, NONE, drops=(Drop(LADDER, 0.5),), xp=2),
    Block(DOOR, "Door", None, NONE, flags=("world_item", "unbreakable"), tradeable=False, trashable=False),
    Block(
        ENTRANCE,
        "EntrancePortal",
        None,
        NONE,
        flags=("world_item", "unbreakable", "spawn"),
        tradeable=False,
        trashable=False,
    ),
    Block(
        SPAWN_POD,
        "SpawnPod",
        None,
        NONE,
        flags=("world_item", "unbreakable", "tutorial_exit"),
        tradeable=False,
        trashable=False,
    ),
    Block(SIGN, "Sign", 2, NONE, flags=("world_item",), xp=1),
    Block(PORTAL, "Portal", None, NONE, flags=("world_item", "unbreakable", "portal")),
    Block(
        CHEST,
        "Chest",
        5,
        flags=("world_item",),
        drops=(Drop(GEMS, 1.0, (10, 30)), Drop(BYTE_COIN, 0.3, (1, 5))),
        xp=10,
    ),
    Block(
        COPPER_ORE,
        "CopperOre",
        5,
        drops=(Drop(COPPER_NUGGET, 0.9, (1, 3)), Drop(GEMS, 0.5, (2, 6))),
        flags=("ore",),
        xp=15,
    ),
    Block(
        IRON_ORE,
        "IronOre",
        6,
        drops=(Drop(IRON_NUGGET, 0.85, (1, 2)), Drop(GEMS, 0.6, (3, 8))),
        flags=("ore",),
        xp=20,
    ),
    Block(
        GOLD_ORE,
        "GoldOre",
        7,
        drops=(Drop(GOLD_NUGGET, 0.8, (1, 2)), Drop(GEMS, 0.8, (5, 12))),
        flags=("ore",),
        xp=30,
    ),
    Block(
        EMERALD_ORE,
        "EmeraldOre",
        8,
        drops=(Drop(EMERALD, 0.7), Drop(GEMS, 1.0, (8, 20))),
        flags=("ore",),
        xp=45,
    ),
    Block(CAVE_BG, "CaveBackground", 2, NONE, INV_BACKGROUND, flags=("background",)),
    Block(WOOD_BG, "WoodBackground", 2, NONE, INV_BACKGROUND, flags=("background",)),
    Block(STONE_BG, "StoneBackground", 2, NONE, INV_BACKGROUND, flags=("background",)),
    Block(WATER, "Water", None, NONE, flags=("water",), tradeable=False, trashable=False),
    Block(WIRE, "Wire", None, NONE, flags=("wiring",), tradeable=False, trashable=False),
    Block(COPPER_NUGGET, "CopperNugget", None, NONE, INV_MATERIAL, flags=("item",)),
    Block(IRON_NUGGET, "IronNugget", None, NONE, INV_MATERIAL, flags=("item",)),
    Block(GOLD_NUGGET, "GoldNugget", None, NONE, INV_MATERIAL, flags=("item",)),
    Block(EMERALD, "Emerald", None, NONE, INV_MATERIAL, flags=("item",)),
    Block(
        BYTE_COIN, "ByteCoin", None, NONE, INV_MATERIAL, flags=("currency",), tradeable=False, trashable=False
    ),
    Block(WHEAT, "Wheat", None, NONE, INV_MATERIAL, flags=("item",)),
    Block(SOIL_SEED, "SoilBlockSeed", None, NONE, INV_SEED, flags=("seed",)),
    Block(STONE_SEED, "StoneBlockSeed", None, NONE, INV_SEED, flags=("seed",)),
    Block(SAND_SEED, "SandBlockSeed", None, NONE, INV_SEED, flags=("seed",)),
    Block(GRASS_SEED, "GrassBlockSeed", None, NONE, INV_SEED, flags=("seed",)),
    Block(WHEAT_SEED, "WheatSeed", None, NONE, INV_SEED, flags=("seed",)),
    Block(
        PICKAXE_BASIC,
        "WeaponPickaxeBasic",
        None,
        NONE,
        INV_TOOL,
        flags=("item", "tool"),
        tradeable=False,
        trashable=False,
    ),
    Block(MINER_HELMET, "MinerHelmet", None, NONE, INV_CLOTHES, flags=("item", "wearable")),
    Block(FARMER_HAT, "FarmerHat", None, NONE, INV_CLOTHES, flags=("item", "wearable")),
    Block(WORK_GLOVES, "WorkGloves", None, NONE, INV_CLOTHES, flags=("item", "wearable")),
    Block(OVERALLS, "Overalls", None, NONE, INV_CLOTHES, flags=("item", "wearable")),
)

BLOCKS: dict[int, Block] = {b.id: b for b in _BLOCKS}
MAX_ID = max(BLOCKS)

# PASSABLE[id] is 1 when a player can stand on a tile whose foreground is ``id`` (any uint16)
PASSABLE = bytes(1 if (i in BLOCKS and BLOCKS[i].collision != SOLID) else 0 for i in range(65536))
SEEDS = frozenset(b.id for b in _BLOCKS if b.inventory_type == INV_SEED)
PLACEABLE = frozenset(b.id for b in _BLOCKS if b.inventory_type == INV_BLOCK and b.hits is not None and b.id)
WORLD_ITEMS = frozenset(b.id for b in _BLOCKS if "world_item" in b.flags)


def block(block_id: int) -> Block | None:
    """The block with this id, or ``None``."""
    return BLOCKS.get(block_id)


def name_of(block_id: int) -> str:
    """A display name for any id (unknown ids are ``Block<id>``, never empty)."""
    b = BLOCKS.get(block_id)
    return b.name if b else f"Block{block_id}"


def is_passable(block_id: int) -> bool:
    """Whether a player may stand on a tile with this foreground."""
    return 0 <= block_id < 65536 and bool(PASSABLE[block_id])


def inventory_row(block_id: int, amount: int) -> dict[str, Any]:
    """An inventory row of the full snapshot."""
    b = BLOCKS.get(block_id)
    inv_type = b.inventory_type if b else INV_BLOCK
    return {
        "block_id": block_id,
        "inventory_type": inv_type,
        "amount": amount,
        "name": name_of(block_id),
        "category": CATEGORY.get(inv_type, "block"),
    }


def block_infos() -> list[dict[str, Any]]:
    """Every block, id order (``Fleet.block_infos``)."""
    return [b.info() for b in _BLOCKS]
