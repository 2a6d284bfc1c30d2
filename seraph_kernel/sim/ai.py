"""Roaming enemies: they wander one tile at a time on the server tick, take damage from hits
and respawn at their spawn point after a while."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

MOVE_EVERY_TICKS = 5  # on average: each tick an enemy steps with probability 1/5
RESPAWN_TICKS = 50
HIT_DAMAGE = 25
_STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1))


@dataclass
class Enemy:
    ai_id: int
    kind: str
    x: int
    y: int
    hp: int
    max_hp: int
    home: tuple[int, int]
    dead_ticks: int = 0

    def row(self) -> dict[str, object]:
        """The ``GET …/enemies`` row."""
        return {
            "ai_id": self.ai_id,
            "x": self.x,
            "y": self.y,
            "ai_kind": self.kind,
            "hp": self.hp,
            "max_hp": self.max_hp,
        }

    def wire(self) -> list[object]:
        """Compact tick update: ``[ai_id, x, y, hp]``."""
        return [self.ai_id, self.x, self.y, self.hp]


class EnemyHerd:
    """The enemies of one world and the world's own random stream for their moves."""

    def __init__(self, seed: int, world: str, spawns: list[tuple[str, int, int, int]]) -> None:
        self._rng = random.Random(f"{seed}:{world}:ai")
        self.enemies: dict[int, Enemy] = {
            i: Enemy(i, kind, x, y, hp, hp, (x, y)) for i, (kind, x, y, hp) in enumerate(spawns, start=1)
        }

    def alive(self) -> list[Enemy]:
        return [e for e in self.enemies.values() if e.hp > 0]

    def at(self, x: int, y: int) -> Enemy | None:
        for e in self.enemies.values():
            if e.hp > 0 and e.x == x and e.y == y:
                return e
        return None

    def tick(self, passable: Callable[[int, int], bool]) -> list[Enemy]:
        """Advance one tick; the enemies that changed (moved, respawned)."""
        changed = []
        for e in self.enemies.values():
            if e.hp <= 0:
                e.dead_ticks += 1
                if e.dead_ticks >= RESPAWN_TICKS:
                    e.hp, e.dead_ticks = e.max_hp, 0
                    e.x, e.y = e.home
                    changed.append(e)
                continue
            if self._rng.randrange(MOVE_EVERY_TICKS):
                continue
            dx, dy = self._rng.choice(_STEPS)
            if passable(e.x + dx, e.y + dy):
                e.x += dx
                e.y += dy
                changed.append(e)
        return changed

    def damage(self, enemy: Enemy, amount: int = HIT_DAMAGE) -> bool:
        """Hit an enemy; ``True`` when this killed it."""
        enemy.hp = max(0, enemy.hp - amount)
        return enemy.hp == 0
