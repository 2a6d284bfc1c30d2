"""World generation: the same ``(seed, name)`` always gives the same world.

Every random draw comes from ``random.Random(f"{seed}:{name}")`` (and a numpy generator seeded
from it), never from global state or ``hash()``. Kinds of world, chosen by name:

- ``PIXELSTATION``: the hub, open floor, doors, a pond, no enemies.
- ``TUTORIAL2``: a corridor from the spawn to the spawn pod (the tutorial's exit).
- ``MINEWORLD`` and ``MINEWORLD-<n>``: rock full of ores, tunnels carved from the spawn, enemies.
- ``MINES-<level>-<owner>`` and ``NETHER-<level>-<owner>``: a player's instanced mine or nether
  (:mod:`seraph_kernel.sim.instances`); deeper levels hold more ore and more enemies.
- ``HUGE…``: a 1000×1000 ordinary world (benchmarks).
- ``NOTFOUND…``: reserved; joining answers ``WORLD_NOT_FOUND``.
- ``FULL…``: an ordinary world whose player cap is 0, so joining always answers ``WORLD_FULL``
  (a failure any client can reproduce, for notebooks and tests).
- any other valid name (``A–Z 0–9 -``, 1–24 chars, starting with a letter or digit): an
  ordinary world with scattered blocks, a pond, wiring and a few enemies.
"""

from __future__ import annotations

import random
import re
from array import array
from dataclasses import dataclass, field

import numpy as np

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.instances import parse_instance
from seraph_kernel.sim.items import WorldItem, item_for, portal

HUB, TUTORIAL = "PIXELSTATION", "TUTORIAL2"
NAME_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,23}$")
DEFAULT_SIZE = (100, 60)
HUGE_SIZE = (1000, 1000)
TUTORIAL_SIZE = (60, 20)
FULL_PREFIX = "FULL"


class WorldNameError(ValueError):
    """``code`` is ``INVALID_WORLD`` or ``WORLD_NOT_FOUND``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalize_name(name: str) -> str:
    """The canonical (upper-case) world name, or :class:`WorldNameError`."""
    if not isinstance(name, str):
        raise WorldNameError("INVALID_WORLD", "world name must be a string")
    upper = name.strip().upper()
    if not NAME_RE.match(upper):
        raise WorldNameError(
            "INVALID_WORLD",
            f"invalid world name {name!r}: use 1-24 of A-Z, 0-9 and '-', not starting with '-'",
        )
    if upper.startswith("NOTFOUND"):
        raise WorldNameError("WORLD_NOT_FOUND", f"world {upper} does not exist")
    return upper


def kind_of(name: str) -> str:
    """``hub``, ``tutorial``, ``mine``, ``nether``, ``huge`` or ``normal``."""
    instance = parse_instance(name)
    if instance is not None:
        return "nether" if instance[0] == "NETHER" else "mine"
    if name == HUB:
        return "hub"
    if name == TUTORIAL:
        return "tutorial"
    if name == "MINEWORLD" or re.fullmatch(r"MINEWORLD-\d+", name):
        return "mine"
    if name.startswith("HUGE"):
        return "huge"
    return "normal"


@dataclass
class GeneratedWorld:
    """A freshly generated world; layers are flat row-major ``array('H')``."""

    name: str
    kind: str
    width: int
    height: int
    spawn: tuple[int, int]
    foreground: array
    background: array
    water: array
    wiring: array
    flags: list[str]
    collectables: list[tuple[int, int, int, int]] = field(default_factory=list)  # x, y, block, amount
    enemies: list[tuple[str, int, int, int]] = field(default_factory=list)  # kind, x, y, max_hp
    items: list[WorldItem] = field(default_factory=list)
    level: int = 0  # an instance's level (0..4); 0 for every other world


ENEMY_KINDS = {
    "mine": (("Spider", 100), ("Bat", 60), ("RockGolem", 200)),
    "nether": (("Imp", 80), ("LavaGolem", 250)),
    "normal": (("Slime", 50),),
}


def generate(seed: int, name: str, size: tuple[int, int] | None = None) -> GeneratedWorld:
    """Generate the world ``name`` (already normalised) for ``seed``."""
    rng = random.Random(f"{seed}:{name}")
    nrng = np.random.default_rng(rng.getrandbits(128))
    kind = kind_of(name)
    if kind == "huge":
        width, height = HUGE_SIZE
    elif kind == "tutorial":
        width, height = TUTORIAL_SIZE
    else:
        width, height = size or DEFAULT_SIZE
    shape = (height, width)
    fg = np.zeros(shape, np.uint16)
    bg = np.zeros(shape, np.uint16)
    water = np.zeros(shape, np.uint16)
    wiring = np.zeros(shape, np.uint16)
    builder = {"hub": _hub, "tutorial": _tutorial, "mine": _mine, "nether": _nether}.get(kind, _normal)
    spawn, flags = builder(rng, nrng, fg, bg, water, wiring)
    instance = parse_instance(name)
    level = instance[1] if instance else 0
    if level:
        _deepen(nrng, fg, level)
    _border(fg)
    fg[spawn[1], spawn[0]] = c.ENTRANCE if kind != "tutorial" else fg[spawn[1], spawn[0]]
    world = GeneratedWorld(
        name=name,
        kind=kind,
        width=width,
        height=height,
        spawn=spawn,
        foreground=_to_array(fg),
        background=_to_array(bg),
        water=_to_array(water),
        wiring=_to_array(wiring),
        flags=flags,
        level=level,
    )
    _scatter(rng, world, fg)
    _lay_items(rng, world, fg)
    return world


def _to_array(layer: np.ndarray) -> array:
    out = array("H")
    out.frombytes(layer.astype(np.uint16).tobytes())
    return out


def _border(fg: np.ndarray) -> None:
    fg[0, :] = fg[-1, :] = c.BEDROCK
    fg[:, 0] = fg[:, -1] = c.BEDROCK


def _clear(fg: np.ndarray, x: int, y: int, r: int) -> None:
    fg[max(1, y - r) : y + r + 1, max(1, x - r) : x + r + 1] = c.AIR


def _pond(rng: random.Random, water: np.ndarray, fg: np.ndarray) -> None:
    h, w = water.shape
    cx, cy = rng.randrange(w // 5, 4 * w // 5), rng.randrange(h // 5, 4 * h // 5)
    rx, ry = rng.randint(3, 6), rng.randint(2, 4)
    ys, xs = np.ogrid[:h, :w]
    mask = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1.0
    water[mask & (fg == c.AIR)] = c.WATER


def _wire(rng: random.Random, wiring: np.ndarray) -> None:
    h, w = wiring.shape
    y = rng.randrange(2, h - 2)
    x0 = rng.randrange(2, w // 2)
    wiring[y, x0 : x0 + rng.randint(5, w // 2)] = c.WIRE


def _hub(rng, nrng, fg, bg, water, wiring):
    h, w = fg.shape
    bg[:, :] = c.WOOD_BG
    for i, x in enumerate(range(10, w - 10, 12)):
        fg[5, x] = c.DOOR
        fg[8, x - 2 : x + 3] = c.WOOD_PLATFORM if i % 2 else c.AIR
    water[h - 10 : h - 5, 10:25] = c.WATER
    wiring[h // 2, 5 : w - 5] = c.WIRE
    fg[h - 4, 60:70] = c.SIGN
    return (w // 2, h // 2), ["hub"]


def _tutorial(rng, nrng, fg, bg, water, wiring):
    h, w = fg.shape
    bg[:, :] = c.STONE_BG
    # walls with one gap each force a winding spawn pod walk
    for x in range(8, w - 8, 8):
        fg[1 : h - 1, x] = c.DIRT
        gap = rng.randrange(2, h - 2)
        fg[gap - 1 : gap + 2, x] = c.AIR
    fg[h // 2, w - 4] = c.SPAWN_POD
    return (3, h // 2), ["tutorial"]


def _mine(rng, nrng, fg, bg, water, wiring):
    h, w = fg.shape
    bg[:, :] = c.CAVE_BG
    u = nrng.random((h, w))
    fg[:, :] = np.where(u < 0.6, c.STONE, np.where(u < 0.85, c.DIRT, c.GRANITE))
    ore = nrng.random((h, w))
    fg[ore < 0.05] = c.COPPER_ORE
    fg[(ore >= 0.05) & (ore < 0.08)] = c.IRON_ORE
    fg[(ore >= 0.08) & (ore < 0.095)] = c.GOLD_ORE
    fg[(ore >= 0.095) & (ore < 0.1)] = c.EMERALD_ORE
    fg[nrng.random((h, w)) < 0.01] = c.LAVA_ROCK
    spawn = (rng.randrange(10, w - 10), rng.randrange(8, h - 8))
    _clear(fg, spawn[0], spawn[1], 2)
    budget = int(w * h * 0.3)
    for _ in range(6):
        x, y = spawn
        for _ in range(budget // 6):
            dx, dy = rng.choice(((1, 0), (-1, 0), (0, 1), (0, -1)))
            x, y = min(max(x + dx, 1), w - 2), min(max(y + dy, 1), h - 2)
            fg[y, x] = c.AIR
    return spawn, ["mine"]


def _nether(rng, nrng, fg, bg, water, wiring):
    h, w = fg.shape
    bg[:, :] = c.CAVE_BG
    u = nrng.random((h, w))
    fg[:, :] = np.where(u < 0.45, c.GRANITE, np.where(u < 0.75, c.STONE, c.LAVA_ROCK))
    fg[nrng.random((h, w)) < 0.04] = c.GOLD_ORE
    spawn = (rng.randrange(10, w - 10), rng.randrange(8, h - 8))
    _clear(fg, spawn[0], spawn[1], 2)
    x, y = spawn
    for _ in range(int(w * h * 0.25)):
        dx, dy = rng.choice(((1, 0), (-1, 0), (0, 1), (0, -1)))
        x, y = min(max(x + dx, 1), w - 2), min(max(y + dy, 1), h - 2)
        fg[y, x] = c.AIR
    return spawn, ["nether"]


def _deepen(nrng, fg: np.ndarray, level: int) -> None:
    """Deeper instance levels: a share of the rock turns into rarer ore."""
    rock = (fg == c.STONE) | (fg == c.GRANITE)
    u = nrng.random(fg.shape)
    fg[rock & (u < 0.02 * level)] = c.GOLD_ORE
    fg[rock & (u >= 0.02 * level) & (u < 0.03 * level)] = c.EMERALD_ORE


def _normal(rng, nrng, fg, bg, water, wiring):
    h, w = fg.shape
    u = nrng.random((h, w))
    fg[u < 0.08] = c.DIRT
    fg[(u >= 0.08) & (u < 0.12)] = c.STONE
    fg[(u >= 0.12) & (u < 0.14)] = c.SAND
    fg[(u >= 0.14) & (u < 0.145)] = c.WOOD_PLATFORM
    bg[h // 2 :, :] = c.CAVE_BG
    bg[: h // 2, :][nrng.random((h // 2, w)) < 0.3] = c.WOOD_BG
    spawn = (rng.randrange(w // 4, 3 * w // 4), rng.randrange(h // 4, 3 * h // 4))
    _clear(fg, spawn[0], spawn[1], 2)
    _pond(rng, water, fg)
    _wire(rng, wiring)
    for _ in range(3):
        fg[rng.randrange(2, h - 2), rng.randrange(2, w - 2)] = rng.choice((c.SIGN, c.CHEST))
    return spawn, []


def _free_tile(rng: random.Random, world: GeneratedWorld, fg: np.ndarray) -> tuple[int, int]:
    for _ in range(1000):
        x, y = rng.randrange(1, world.width - 1), rng.randrange(1, world.height - 1)
        if c.is_passable(int(fg[y, x])) and (x, y) != world.spawn:
            return x, y
    return world.spawn


def _scatter(rng: random.Random, world: GeneratedWorld, fg: np.ndarray) -> None:
    """Initial gems lying around and enemy spawns."""
    counts = {
        "hub": (3, 0),
        "tutorial": (2, 0),
        "mine": (8, 8),
        "nether": (6, 6),
        "huge": (40, 30),
        "normal": (5, 3),
    }
    n_gems, n_enemies = counts[world.kind]
    for _ in range(n_gems):
        x, y = _free_tile(rng, world, fg)
        world.collectables.append((x, y, c.GEMS, rng.randint(1, 10)))
    kinds = ENEMY_KINDS.get(world.kind, ENEMY_KINDS["normal"])
    for _ in range(n_enemies + 2 * world.level):
        x, y = _free_tile(rng, world, fg)
        kind, hp = rng.choice(kinds)
        world.enemies.append((kind, x, y, hp))


def _lay_items(rng: random.Random, world: GeneratedWorld, fg: np.ndarray) -> None:
    """The portals of the world's kind (a portal away from the spawn is cleared around, so an
    exit may sit where no walk leads), then one item per other world-item block."""
    sx, sy = world.spawn
    h, w = fg.shape
    portals: list[WorldItem] = []
    if world.kind == "hub":
        portals = [
            portal(sx + 6, sy, "MINES", "MINEWORLD", "HUB"),
            portal(sx - 6, sy, "WEST", None, "EAST"),
            portal(w - 6, sy, "EAST", None, "WEST"),
        ]
    elif world.kind in ("mine", "nether"):
        portals = [portal(sx + 2, sy, "HUB", HUB, "MINES")]
    elif world.kind == "normal":
        far = (rng.randrange(3, w - 3), rng.randrange(3, h - 3))
        portals = [portal(sx - 2, sy, "A", None, "B"), portal(far[0], far[1], "B", None, "A")]
    for item in portals:
        if max(abs(item.x - sx), abs(item.y - sy)) > 2:  # outside the spawn's clearing
            _clear(fg, item.x, item.y, 1)
        fg[item.y, item.x] = c.PORTAL
    fg[sy, sx] = world.foreground[sy * w + sx]  # a far portal's clearing never eats the spawn
    for y, x in zip(*np.nonzero(np.isin(fg, list(c.WORLD_ITEMS - {c.PORTAL}))), strict=True):
        item = item_for(int(x), int(y), int(fg[y, x]), rng)
        if item is not None:
            world.items.append(item)
    world.items.extend(portals)
    world.foreground[:] = _to_array(fg)
