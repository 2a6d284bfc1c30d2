"""One live world on the server: tiles, players, collectables, enemies and the rules of moving,
hitting, placing and collecting. The world never touches sockets: it sends through each
player's ``send`` callable (already-encoded frames, so a broadcast is encoded once)."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim import progress
from seraph_kernel.sim.accounts import Account
from seraph_kernel.sim.ai import EnemyHerd
from seraph_kernel.sim.farming import FarmError, Orchard, Tree, seed_drop
from seraph_kernel.sim.items import WorldItem, item_for
from seraph_kernel.sim.protocol import encode, pack_layer
from seraph_kernel.sim.worldgen import GeneratedWorld

TILE = 0.32  # world units per tile: world_x = map_x * TILE
PICKUP_RANGE = 1  # tiles (Chebyshev distance)
TELEPORT_RANGE = 8  # tiles of walkable route a teleport may skip


def world_pos(x: float, y: float) -> dict[str, float]:
    """``{map_x, map_y, world_x, world_y}`` for a tile."""
    return {
        "map_x": float(x),
        "map_y": float(y),
        "world_x": round(x * TILE, 4),
        "world_y": round(y * TILE, 4),
    }


class RuleError(Exception):
    """An action the rules refuse; ``code`` is an ``Errors.*`` name (mostly ``OTHER``)."""

    def __init__(self, message: str, code: str = "OTHER") -> None:
        super().__init__(message)
        self.code = code


def check_removal(account: Account, what: str, block_id: int, amount: int) -> None:
    """Refuse taking ``amount`` of ``block_id`` out of the backpack (drop, trash) when it holds
    fewer, or when that would take the last unit of a worn item."""
    if amount < 1:
        raise RuleError(f"{what}: amount must be at least 1, got {amount}")
    have = account.inventory.get(block_id, 0)
    if have < amount:
        raise RuleError(
            f"{what}: {c.name_of(block_id)} ({block_id}): {have} in the inventory, {amount} asked"
        )
    if have == amount and block_id in account.worn.values():
        raise RuleError(f"{what}: {c.name_of(block_id)} ({block_id}) is worn; take it off first")


@dataclass
class Collectable:
    id: int
    x: int
    y: int
    block: int
    amount: int

    def row(self) -> dict[str, Any]:
        """The ``GET …/collectables`` row."""
        b = c.block(self.block)
        return {
            "id": self.id,
            "block_type": self.block,
            "amount": self.amount,
            "inventory_type": b.inventory_type if b else c.INV_BLOCK,
            "pos_x": round(self.x * TILE, 4),
            "pos_y": round(self.y * TILE, 4),
            "is_gem": self.block == c.GEMS,
        }


@dataclass
class Player:
    """A player inside a world. ``send`` takes an encoded frame."""

    account: Account
    send: Callable[[bytes], None]
    x: int
    y: int
    last_move: float = float("-inf")
    #: the exact position in tile units (``mx // 1 == x``); sub-tile moves change only these
    mx: float = 0.0
    my: float = 0.0

    def __post_init__(self) -> None:
        self.mx, self.my = float(self.x), float(self.y)

    def place_at(self, mx: float, my: float, now: float) -> None:
        """Stand at the exact position ``(mx, my)`` (tile units)."""
        self.mx, self.my = float(mx), float(my)
        self.x, self.y = math.floor(mx), math.floor(my)
        self.last_move = now

    def row(self) -> dict[str, Any]:
        return {"user_id": self.account.user_id, "nick": self.account.nick, "x": self.x, "y": self.y}


class World:
    def __init__(self, seed: int, gen: GeneratedWorld, host: str, cap: int) -> None:
        self.seed = seed
        self.name = gen.name
        self.kind = gen.kind
        self.host = host
        self.cap = cap
        self.width, self.height = gen.width, gen.height
        self.spawn = gen.spawn
        self.flags = list(gen.flags)
        self.fg, self.bg, self.water, self.wiring = gen.foreground, gen.background, gen.water, gen.wiring
        self.players: dict[str, Player] = {}
        self.collectables: dict[int, Collectable] = {}
        self._next_collectable = 1
        self._damage: dict[int, int] = {}
        self._breaks: dict[int, int] = {}
        self._moved: dict[str, Player] = {}
        self.herd = EnemyHerd(seed, self.name, gen.enemies)
        self.orchard = Orchard(seed, self.name, self.width)
        self.items: dict[tuple[int, int], WorldItem] = {(i.x, i.y): i for i in gen.items}
        for x, y, block, amount in gen.collectables:
            self._spawn_collectable(x, y, block, amount, announce=False)

    # -- geometry --------------------------------------------------------------------------
    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def passable(self, x: int, y: int) -> bool:
        return self.inside(x, y) and c.is_passable(self.fg[y * self.width + x])

    def _near(self, p: Player, x: int, y: int, reach: int = 1) -> bool:
        return max(abs(p.x - x), abs(p.y - y)) <= reach

    # -- membership ------------------------------------------------------------------------
    def add(
        self, account: Account, send: Callable[[bytes], None], at: tuple[int, int] | None = None
    ) -> Player:
        x, y = at or self.spawn
        player = Player(account, send, x, y)
        self.broadcast({"t": "player_joined", **player.row()})
        self.players[account.user_id] = player
        return player

    def remove(self, user_id: str) -> None:
        if self.players.pop(user_id, None) is not None:
            self._moved.pop(user_id, None)
            self.broadcast({"t": "player_left", "user_id": user_id})

    def broadcast(self, message: dict[str, Any], exclude: str | None = None) -> None:
        if not self.players:
            return
        frame = encode(message)
        for uid, p in self.players.items():
            if uid != exclude:
                p.send(frame)

    def join_message(self, player: Player) -> dict[str, Any]:
        """Everything a joining client needs: size, spawn, layers, and what lives there."""
        return {
            "t": "world",
            "name": self.name,
            "host": self.host,
            "width": self.width,
            "height": self.height,
            "spawn": list(self.spawn),
            "flags": self.flags,
            "layers": {
                "foreground": pack_layer(self.fg),
                "background": pack_layer(self.bg),
                "water": pack_layer(self.water),
                "wiring": pack_layer(self.wiring),
            },
            "collectables": [k.row() for k in self.collectables.values()],
            "enemies": [e.row() for e in self.herd.alive()],
            "players": [p.row() for uid, p in self.players.items() if uid != player.account.user_id],
            "trees": self.orchard.rows(),
            "items": [item.row() for item in self.items.values()],
        }

    def info(self) -> dict[str, Any]:
        """``world_info`` reply body."""
        return {"name": self.name, "player_count": len(self.players), "flags": self.flags}

    # -- rules -----------------------------------------------------------------------------
    def move(self, p: Player, x: int, y: int, now: float, interval: float) -> str | None:
        """Move ``p`` to an adjacent passable tile; the reason of a refusal, or ``None``."""
        if abs(x - p.x) + abs(y - p.y) != 1:
            return f"not adjacent: ({p.x},{p.y}) -> ({x},{y})"
        if not self.passable(x, y):
            return f"tile ({x},{y}) is solid"
        if now - p.last_move < interval:
            return f"too fast: {int((now - p.last_move) * 1000)} ms since the last move"
        p.place_at(x, y, now)
        self.moved(p)
        return None

    def set_position(
        self, p: Player, mx: float, my: float, now: float, interval: float, teleport: bool
    ) -> str | None:
        """Move ``p`` to the exact position ``(mx, my)`` (tile units); the reason of a refusal,
        or ``None``. A plain move goes at most one tile (never across a tile corner) and costs
        its share of ``interval``; a teleport may skip up to :data:`TELEPORT_RANGE` tiles of
        walkable route, one ``interval`` after the last move."""
        tx, ty = math.floor(mx), math.floor(my)
        if not self.inside(tx, ty):
            return f"({mx:g},{my:g}) is outside the world"
        if not self.passable(tx, ty):
            return f"tile ({tx},{ty}) is solid"
        distance = max(abs(mx - p.mx), abs(my - p.my))
        if teleport:
            if self._route_length(p.x, p.y, tx, ty, TELEPORT_RANGE) is None:
                return f"teleport to ({tx},{ty}): no walkable route within {TELEPORT_RANGE} tiles"
            needed = interval
        else:
            if distance > 1.0 or abs(tx - p.x) + abs(ty - p.y) > 1:
                return f"not adjacent: ({p.mx:g},{p.my:g}) -> ({mx:g},{my:g})"
            needed = interval * distance
        if now - p.last_move < needed:
            return f"too fast: {int((now - p.last_move) * 1000)} ms since the last move"
        p.place_at(mx, my, now)
        self.moved(p)
        return None

    def moved(self, p: Player) -> None:
        """``p`` changed position: the next tick tells the others."""
        self._moved[p.account.user_id] = p

    def _route_length(self, x: int, y: int, gx: int, gy: int, limit: int) -> int | None:
        """Steps of the shortest walk from ``(x, y)`` to ``(gx, gy)``, if at most ``limit``."""
        seen, frontier = {(x, y)}, deque([(x, y, 0)])
        while frontier:
            cx, cy, n = frontier.popleft()
            if (cx, cy) == (gx, gy):
                return n
            if n == limit:
                continue
            for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                if (nx, ny) not in seen and self.passable(nx, ny):
                    seen.add((nx, ny))
                    frontier.append((nx, ny, n + 1))
        return None

    def entry(self, name: str | None) -> WorldItem | None:
        """The portal whose entry id is ``name``."""
        return next((i for i in self.items.values() if i.kind == "portal" and i.entry == name), None)

    def portal_at(self, p: Player, x: int, y: int) -> WorldItem:
        """The portal ``p`` stands on at ``(x, y)``; :class:`RuleError` otherwise."""
        item = self.items.get((x, y))
        if item is None or item.kind != "portal":
            raise RuleError(f"portal: no portal at ({x},{y})")
        if (p.x, p.y) != (x, y):
            raise RuleError(f"portal: stand on ({x},{y}) to step through it, not on ({p.x},{p.y})")
        return item

    def hit(self, p: Player, x: int, y: int) -> dict[str, Any]:
        """Punch a tile next to ``p`` once: an enemy standing there, else its foreground."""
        if not self.inside(x, y) or not self._near(p, x, y) or (x, y) == (p.x, p.y):
            raise RuleError(f"hit: tile ({x},{y}) is not adjacent to ({p.x},{p.y})")
        enemy = self.herd.at(x, y)
        if enemy is not None:
            killed = self.herd.damage(enemy)
            if killed:
                self._spawn_collectable(
                    x, y, c.GEMS, random.Random(f"{self.seed}:{self.name}:kill:{enemy.ai_id}").randint(3, 9)
                )
                p.account.experience += 20
            self.broadcast({"t": "enemy", "enemy": enemy.row()})
            return {"target": "enemy", "ai_id": enemy.ai_id, "hp": enemy.hp, "broken": killed}
        tree = self.orchard.at(x, y)
        if tree is not None:
            return self._hit_tree(p, tree)
        i = y * self.width + x
        block_id = self.fg[i]
        block = c.block(block_id)
        if block_id == c.AIR:
            raise RuleError(f"hit: nothing to hit at ({x},{y})")
        if block is None or block.hits is None:
            raise RuleError(f"hit: {c.name_of(block_id)} at ({x},{y}) cannot be broken")
        done = self._damage.get(i, 0) + 1
        if done < block.hits:
            self._damage[i] = done
            return {"target": "block", "block": block_id, "hits_left": block.hits - done, "broken": False}
        self._damage.pop(i, None)
        self.fg[i] = c.AIR
        self.broadcast({"t": "tile", "x": x, "y": y, "layer": "foreground", "id": c.AIR})
        if self.items.pop((x, y), None) is not None:
            self.broadcast({"t": "item_removed", "x": x, "y": y})
        p.account.experience += block.xp
        self._drop(x, y, block)
        progress.record(p.account, "blocks_broken")
        return {"target": "block", "block": block_id, "hits_left": 0, "broken": True}

    def _hit_tree(self, p: Player, tree: Tree) -> dict[str, Any]:
        """Hit a tree: refused while it grows; once ready, its last hit harvests it (the tile
        empties and the yield drops there)."""
        try:
            harvest = self.orchard.hit(tree)
        except FarmError as exc:
            raise RuleError(f"hit: {exc}") from None
        block = tree.growth.block
        if harvest is None:
            self._send_tree(tree)
            return {
                "target": "tree",
                "block": block,
                "hits_left": tree.growth.hits - tree.hits,
                "broken": False,
            }
        self.fg[tree.y * self.width + tree.x] = c.AIR
        self.broadcast({"t": "tree_removed", "x": tree.x, "y": tree.y})
        self.broadcast({"t": "tile", "x": tree.x, "y": tree.y, "layer": "foreground", "id": c.AIR})
        for drop_block, amount in harvest:
            self._spawn_collectable(tree.x, tree.y, drop_block, amount)
        progress.record(p.account, "trees_harvested")
        return {"target": "tree", "block": block, "hits_left": 0, "broken": True}

    def _send_tree(self, tree: Tree) -> None:
        self.broadcast({"t": "tree", "tree": tree.row(self.orchard.clock())})

    def _drop(self, x: int, y: int, block: c.Block) -> None:
        i = y * self.width + x
        n = self._breaks.get(i, 0)
        self._breaks[i] = n + 1
        rng = random.Random(f"{self.seed}:{self.name}:drop:{x}:{y}:{block.id}:{n}")
        for d in block.drops:
            if rng.random() < d.chance:
                self._spawn_collectable(x, y, d.block, rng.randint(*d.amount))
        seed = seed_drop(self.seed, self.name, x, y, block.id, n)
        if seed is not None:
            self._spawn_collectable(x, y, seed, 1)

    def place(self, p: Player, x: int, y: int, block_id: int) -> None:
        if not self.inside(x, y) or not self._near(p, x, y) or (x, y) == (p.x, p.y):
            raise RuleError(f"place: tile ({x},{y}) is not adjacent to ({p.x},{p.y})")
        if block_id in c.SEEDS:
            return self._plant(p, x, y, block_id)
        if block_id not in c.PLACEABLE:
            raise RuleError(f"place: {c.name_of(block_id)} ({block_id}) is not a placeable block")
        i = y * self.width + x
        if self.fg[i] != c.AIR:
            raise RuleError(f"place: tile ({x},{y}) is not empty")
        if any(q.x == x and q.y == y for q in self.players.values()) or self.herd.at(x, y):
            raise RuleError(f"place: someone stands on ({x},{y})")
        if not p.account.take_item(block_id):
            raise RuleError(f"place: no {c.name_of(block_id)} in the inventory")
        self.fg[i] = block_id
        self.broadcast({"t": "tile", "x": x, "y": y, "layer": "foreground", "id": block_id})
        item = item_for(x, y, block_id)
        if item is not None:
            self.items[(x, y)] = item
            self.broadcast({"t": "item", "item": item.row()})

    def _plant(self, p: Player, x: int, y: int, seed: int) -> None:
        """Plant a seed from the backpack on an empty tile (or mix it into a growing tree)."""
        if p.account.inventory.get(seed, 0) < 1:
            raise RuleError(f"place: no {c.name_of(seed)} in the inventory")
        i = y * self.width + x
        try:
            tree = self.orchard.plant(x, y, seed, self.fg[i])
        except FarmError as exc:
            raise RuleError(f"place: {exc}") from None
        p.account.take_item(seed)
        self.fg[i] = tree.seed
        self.broadcast({"t": "tile", "x": x, "y": y, "layer": "foreground", "id": tree.seed})
        self._send_tree(tree)
        progress.record(p.account, "seeds_planted")

    def collect(self, p: Player, collectable_id: int | None) -> list[int]:
        """Pick up one collectable (by id) or every one in range; the ids taken."""
        if collectable_id is not None:
            k = self.collectables.get(collectable_id)
            if k is None:
                raise RuleError(f"collect: no collectable {collectable_id}")
            if not self._near(p, k.x, k.y, PICKUP_RANGE):
                raise RuleError(f"collect: collectable {collectable_id} at ({k.x},{k.y}) is out of range")
            wanted = [k]
        else:
            wanted = [k for k in self.collectables.values() if self._near(p, k.x, k.y, PICKUP_RANGE)]
        taken = []
        for k in wanted:
            if k.block == c.GEMS:
                p.account.gems += k.amount
            elif k.block == c.BYTE_COIN:
                p.account.byte_coins += k.amount
            elif p.account.add_item(k.block, k.amount) < k.amount:
                continue  # keep it on the floor rather than lose part of the stack
            del self.collectables[k.id]
            taken.append(k.id)
            self.broadcast({"t": "collectable_removed", "id": k.id})
        if collectable_id is not None and not taken:
            raise RuleError("collect: the inventory is full")
        return taken

    def drop(self, p: Player, block_id: int, amount: int) -> None:
        """Take ``amount`` of ``block_id`` from the player's backpack and leave it as one
        collectable on the player's tile, for anyone to pick up."""
        check_removal(p.account, "drop", block_id, amount)
        p.account.take_item(block_id, amount)
        self._spawn_collectable(p.x, p.y, block_id, amount)

    def _spawn_collectable(self, x: int, y: int, block: int, amount: int, announce: bool = True) -> None:
        k = Collectable(self._next_collectable, x, y, block, amount)
        self._next_collectable += 1
        self.collectables[k.id] = k
        if announce:
            self.broadcast({"t": "collectable", "collectable": k.row()})

    # -- tick ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Move enemies and send one batched update of moved players and enemies."""
        for tree in self.orchard.grow():
            self._send_tree(tree)
        enemies = self.herd.tick(self.passable) if self.players else []
        if not self._moved and not enemies:
            return
        moved = [[uid, p.x, p.y] for uid, p in self._moved.items()]
        self._moved.clear()
        self.broadcast({"t": "tick", "players": moved, "enemies": [e.wire() for e in enemies]})
