"""The sim client's copy of the world it is in, kept current by the server's pushes: layers,
collectables, enemies and other players, and the read models built from them (minimap,
``WorldView``, the snapshot's ``world`` object, the passability grid for path planning)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from seraph_kernel.fleet.base import WorldView
from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.protocol import unpack_layer
from seraph_kernel.sim.world import world_pos

_PASSABLE_LUT = np.frombuffer(c.PASSABLE, dtype=np.uint8)


class ClientWorld:
    def __init__(self, msg: dict[str, Any], own_user_id: str | None) -> None:
        self.name: str = msg["name"]
        self.width: int = msg["width"]
        self.height: int = msg["height"]
        self.spawn: tuple[int, int] = (msg["spawn"][0], msg["spawn"][1])
        self.flags: list[str] = list(msg.get("flags", []))
        size = self.width * self.height
        layers = msg["layers"]
        self.foreground = unpack_layer(layers["foreground"], size)
        self.background = unpack_layer(layers["background"], size)
        self.water = unpack_layer(layers["water"], size)
        self.wiring = unpack_layer(layers["wiring"], size)
        self.collectables: dict[int, dict[str, Any]] = {k["id"]: k for k in msg.get("collectables", [])}
        self.enemies: dict[int, dict[str, Any]] = {e["ai_id"]: e for e in msg.get("enemies", [])}
        self._own = own_user_id
        self.players: dict[str, dict[str, Any]] = {
            p["user_id"]: p for p in msg.get("players", []) if p["user_id"] != own_user_id
        }
        self.trees: dict[tuple[int, int], dict[str, Any]] = {}
        for tree in msg.get("trees", []):
            self._tree(tree)
        #: world items (doors, signs, chests, portals…) by tile: their wire rows
        self.items: dict[tuple[int, int], dict[str, Any]] = {
            (i["x"], i["y"]): i for i in msg.get("items", [])
        }

    def _tree(self, row: dict[str, Any]) -> None:
        """Keep a tree row, with the local clock's moment it will be ready."""
        self.trees[(row["x"], row["y"])] = {**row, "_ready_at": time.monotonic() + row["ready_in_ms"] / 1000}

    # -- pushes ----------------------------------------------------------------------------
    def apply(self, msg: dict[str, Any]) -> None:
        """Update from one server push (unknown kinds are ignored)."""
        t = msg["t"]
        if t == "tick":
            for uid, x, y in msg["players"]:
                p = self.players.get(uid)
                if p is not None:
                    p["x"], p["y"] = x, y
            for ai_id, x, y, hp in msg["enemies"]:
                e = self.enemies.get(ai_id)
                if e is not None:
                    e["x"], e["y"], e["hp"] = x, y, hp
        elif t == "tile":
            self.foreground[msg["y"] * self.width + msg["x"]] = msg["id"]
        elif t == "collectable":
            k = msg["collectable"]
            self.collectables[k["id"]] = k
        elif t == "collectable_removed":
            self.collectables.pop(msg["id"], None)
        elif t == "enemy":
            e = msg["enemy"]
            self.enemies[e["ai_id"]] = e
        elif t == "player_joined" and msg["user_id"] != self._own:
            self.players[msg["user_id"]] = {k: msg[k] for k in ("user_id", "nick", "x", "y")}
        elif t == "player_left":
            self.players.pop(msg["user_id"], None)
        elif t == "tree":
            self._tree(msg["tree"])
        elif t == "tree_removed":
            self.trees.pop((msg["x"], msg["y"]), None)
        elif t == "item":
            item = msg["item"]
            self.items[(item["x"], item["y"])] = item
        elif t == "item_removed":
            self.items.pop((msg["x"], msg["y"]), None)

    # -- reads -----------------------------------------------------------------------------
    def passable(self, x: int, y: int) -> bool:
        return (
            0 <= x < self.width
            and 0 <= y < self.height
            and c.is_passable(self.foreground[y * self.width + x])
        )

    def passable_grid(self) -> np.ndarray:
        """A flat ``uint8`` grid, 1 where a player may stand (for ``find_path``)."""
        return _PASSABLE_LUT[np.frombuffer(self.foreground, dtype=np.uint16)]

    def find(self, block_id: int) -> list[tuple[int, int]]:
        """Tiles whose foreground is ``block_id``, row-major order."""
        idx = np.flatnonzero(np.frombuffer(self.foreground, dtype=np.uint16) == block_id)
        return [(int(i) % self.width, int(i) // self.width) for i in idx]

    def collectable_rows(self) -> list[dict[str, Any]]:
        return [dict(k) for k in self.collectables.values()]

    def tree_rows(self) -> list[dict[str, Any]]:
        """The trees and crops, ``ready_in_ms`` counted down on the local clock (``ready``
        turns true when the server says so)."""
        now = time.monotonic()
        return [
            {
                **{k: v for k, v in tree.items() if k != "_ready_at"},
                "ready_in_ms": 0 if tree["ready"] else max(0, int((tree["_ready_at"] - now) * 1000)),
            }
            for tree in self.trees.values()
        ]

    def enemy_rows(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self.enemies.values() if e["hp"] > 0]

    def player_rows(self) -> list[dict[str, Any]]:
        return [
            {"user_id": p["user_id"], "nick": p["nick"], "position": world_pos(p["x"], p["y"])}
            for p in self.players.values()
        ]

    def view(self) -> WorldView:
        return WorldView(
            name=self.name,
            width=self.width,
            height=self.height,
            spawn=self.spawn,
            foreground=self.foreground,
            background=self.background,
            water=self.water,
            wiring=self.wiring,
            live=True,
        )

    def minimap(self, position: dict[str, float] | None) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "foreground_tiles": self.foreground.tolist(),
            "background_tiles": self.background.tolist(),
            "water_tiles": self.water.tolist(),
            "wiring_tiles": self.wiring.tolist(),
            "player_position": position,
            "other_players": self.player_rows(),
        }

    def summary(self) -> dict[str, Any]:
        """The full snapshot's ``world`` object."""
        bins = np.bincount(np.frombuffer(self.foreground, dtype=np.uint16))
        counts = {int(t): int(bins[t]) for t in np.flatnonzero(bins) if t != c.AIR}
        spawn = world_pos(*self.spawn)
        return {
            "world_name": self.name,
            "width": self.width,
            "height": self.height,
            "spawn_map_x": spawn["map_x"],
            "spawn_map_y": spawn["map_y"],
            "spawn_world_x": spawn["world_x"],
            "spawn_world_y": spawn["world_y"],
            "collectables_count": len(self.collectables),
            "world_items_count": sum(n for tile, n in counts.items() if tile in c.WORLD_ITEMS),
            "tile_counts": [{"tile_id": t, "count": n} for t, n in sorted(counts.items())],
        }
