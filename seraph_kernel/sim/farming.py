"""Trees and crops of one world: planting a seed, mixing two seeds, growing on the sim clock,
and harvesting a ready tree into collectables.

A planted seed puts the seed's id on the tile's foreground (passable, like a ladder) and a
:class:`Tree` in the world's :class:`Orchard`. The world's tick marks trees ready once their
time has come and tells the players (``tree`` pushes); a ready tree takes its growth's ``hits``
to harvest, then leaves the tile empty and drops its yield, drawn from a random stream seeded by
the world seed, the tile and the number of harvests there (the same seed gives the same yields).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.content import GROWTH, RECIPES, SEED_DROPS, Growth


class FarmError(Exception):
    """A refused farming action (the world turns it into its ``RuleError``)."""


@dataclass
class Tree:
    x: int
    y: int
    seed: int
    planted_at: float
    mixed: bool = False
    ready: bool = False
    hits: int = 0

    @property
    def growth(self) -> Growth:
        return GROWTH[self.seed]

    def ready_in(self, now: float) -> float:
        """Seconds until ready (0 once ready)."""
        return 0.0 if self.ready else max(0.0, self.planted_at + self.growth.grow_s - now)

    def row(self, now: float) -> dict[str, Any]:
        """The wire form (``trees`` of the join message, ``tree`` pushes)."""
        return {
            "x": self.x,
            "y": self.y,
            "seed": self.seed,
            "block_type": self.growth.block,
            "kind": self.growth.kind,
            "mixed": self.mixed,
            "ready": self.ready,
            "ready_in_ms": int(self.ready_in(now) * 1000),
            "hits_left": self.growth.hits - self.hits,
        }


class Orchard:
    """The trees of one world, by tile index. ``clock`` is the sim clock (seconds)."""

    def __init__(
        self, seed: int, world: str, width: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seed = seed
        self._world = world
        self._width = width
        self.clock = clock
        self.trees: dict[int, Tree] = {}
        self._harvests: dict[int, int] = {}

    def at(self, x: int, y: int) -> Tree | None:
        return self.trees.get(y * self._width + x)

    def rows(self) -> list[dict[str, Any]]:
        now = self.clock()
        return [t.row(now) for t in self.trees.values()]

    def plant(self, x: int, y: int, seed: int, tile: int) -> Tree:
        """Plant ``seed`` at an empty tile, or mix it into the growing tree there (``mixed``):
        the tree. :class:`FarmError` when neither is possible."""
        if seed not in GROWTH:
            raise FarmError(f"{c.name_of(seed)} ({seed}) is not a seed")
        i = y * self._width + x
        tree = self.trees.get(i)
        if tree is None:
            if tile != c.AIR:
                raise FarmError(f"tile ({x},{y}) is not empty")
            tree = self.trees[i] = Tree(x, y, seed, self.clock())
            return tree
        mixed = RECIPES.get(frozenset({tree.seed, seed}))
        if tree.ready or tree.mixed or mixed is None:
            raise FarmError(
                f"cannot mix {c.name_of(seed)} into the {c.name_of(tree.seed)} tree at ({x},{y})"
                " (only a growing, unmixed tree of a recipe's other seed mixes)"
            )
        tree.seed, tree.mixed, tree.planted_at = mixed, True, self.clock()
        return tree

    def grow(self) -> list[Tree]:
        """Mark every tree whose time has come ready; the ones that just became ready."""
        now = self.clock()
        ripe = [t for t in self.trees.values() if not t.ready and t.ready_in(now) <= 0]
        for tree in ripe:
            tree.ready = True
        return ripe

    def hit(self, tree: Tree) -> list[tuple[int, int]] | None:
        """One hit on a ready tree: ``None`` while it still stands, else the yield as
        ``(block, amount)`` pairs (the tree is gone). :class:`FarmError` if it is not ready."""
        if not tree.ready:
            wait = tree.ready_in(self.clock())
            raise FarmError(
                f"the {c.name_of(tree.growth.block)} {tree.growth.kind} at ({tree.x},{tree.y}) is not ready"
                f" (ready in {int(wait * 1000)} ms)"
            )
        tree.hits += 1
        if tree.hits < tree.growth.hits:
            return None
        i = tree.y * self._width + tree.x
        del self.trees[i]
        n = self._harvests.get(i, 0)
        self._harvests[i] = n + 1
        rng = random.Random(f"{self._seed}:{self._world}:harvest:{tree.x}:{tree.y}:{tree.seed}:{n}")
        return [(d.block, rng.randint(*d.amount)) for d in tree.growth.yields if rng.random() < d.chance]


def seed_drop(seed: int, world: str, x: int, y: int, block: int, n: int) -> int | None:
    """The seed a broken block drops, if it drops one (its own random stream: the block's
    other drops do not change)."""
    entry = SEED_DROPS.get(block)
    if entry is None:
        return None
    rng = random.Random(f"{seed}:{world}:seed:{x}:{y}:{block}:{n}")
    return entry[0] if rng.random() < entry[1] else None
