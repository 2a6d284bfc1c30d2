"""World items: what a door, sign, chest, portal, entrance or spawn pod on a tile holds beyond
its block id (a sign's text, a portal's entry and target).

Worldgen creates one item for every world-item block it lays (signs get a text drawn from the
world's seeded generator; portals come in linked pairs); the server adds one when a player
places a sign or chest and removes it when the block breaks. Clients get them with the world
(``items``) and as ``item`` / ``item_removed`` pushes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from seraph_kernel.sim import catalog as c

#: The ``kind`` of the item each world-item block carries.
KINDS = {
    c.DOOR: "door",
    c.SIGN: "sign",
    c.CHEST: "chest",
    c.PORTAL: "portal",
    c.ENTRANCE: "entrance",
    c.SPAWN_POD: "spawn_pod",
}
SIGN_TEXTS = (
    "Welcome, miner!",
    "Mind the lava.",
    "Gems below.",
    "No spamming in chat.",
    "The hub is through the portal.",
    "Keep out!",
)


@dataclass
class WorldItem:
    """One world item. A portal's ``entry`` names it within its world; stepping through it
    leads to the entry ``target_entry`` of ``target_world`` (``None``: this world; a
    ``target_entry`` of ``None``: that world's spawn)."""

    x: int
    y: int
    block: int
    kind: str
    text: str | None = None
    entry: str | None = None
    target_world: str | None = None
    target_entry: str | None = None

    def row(self) -> dict[str, Any]:
        """The wire and REST form (``GET …/world_items`` rows)."""
        return {
            "x": self.x,
            "y": self.y,
            "block_type": self.block,
            "kind": self.kind,
            "text": self.text,
            "entry": self.entry,
            "target_world": self.target_world,
            "target_entry": self.target_entry,
        }


def item_for(x: int, y: int, block: int, rng: random.Random | None = None) -> WorldItem | None:
    """The item a freshly laid ``block`` carries (``None`` for blocks that carry none). Signs
    laid by worldgen get a text from ``rng``; placed ones start blank."""
    kind = KINDS.get(block)
    if kind is None:
        return None
    text = rng.choice(SIGN_TEXTS) if kind == "sign" and rng is not None else None
    return WorldItem(x, y, block, kind, text=text)


def portal(x: int, y: int, entry: str, target_world: str | None, target_entry: str | None) -> WorldItem:
    """A portal item named ``entry`` leading to ``target_world:target_entry``."""
    return WorldItem(
        x, y, c.PORTAL, "portal", entry=entry, target_world=target_world, target_entry=target_entry
    )
