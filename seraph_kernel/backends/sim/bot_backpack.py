"""The backpack and the farm: trash, equip/unequip, wear/unwear, expand the backpack, buy
packs, and read the trees of the bot's world. Backpack writes need a connection, not a world;
the server's ``me`` push after each keeps the snapshot's inventory, ``worn``, quests and
achievements current."""

from __future__ import annotations

from typing import Any

from seraph_kernel.backends.base import JSON
from seraph_kernel.backends.sim.bot_core import SimBotCore
from seraph_kernel.errors import InvalidArgument
from seraph_kernel.sim import catalog
from seraph_kernel.sim.content import QUESTS


class SimBotBackpack(SimBotCore):
    """Backpack writes and tree reads of a sim bot."""

    async def _backpack(self, what: str, **fields: Any) -> dict | str:
        link = self._need_link()
        if link is None:
            return self._fail("NOT_CONNECTED", f"{what}: {self.bot_id} is not connected")
        return await self._call(link, what, **fields)

    async def _write(self, what: str, **fields: Any) -> str | None:
        """A backpack write: ``None``, or the error code."""
        result = await self._backpack(what, **fields)
        return result if isinstance(result, str) else None

    async def trash(self, block_id: int, amount: int) -> str | None:
        return await self._write("trash", block_id=block_id, amount=amount)

    async def equip(self, block_id: int) -> str | None:
        return await self._write("equip", block_id=block_id)

    async def unequip(self, block_id: int) -> str | None:
        return await self._write("unequip", block_id=block_id)

    async def wear(self, block_id: int) -> str | None:
        return await self._write("wear", block_id=block_id)

    async def unwear(self, block_id: int) -> str | None:
        return await self._write("unwear", block_id=block_id)

    async def expand_inventory(self) -> str | None:
        return await self._write("expand_inventory")

    async def buy_pack(self, pack: str) -> list[dict[str, JSON]] | str:
        """The items the pack rolled (``[{block_id, amount, name}]``), or an error code."""
        result = await self._backpack("buy_pack", pack=pack)
        if isinstance(result, str):
            return result
        return [{"block_id": b, "amount": n, "name": catalog.name_of(b)} for b, n in result["items"]]

    def trees(self, x: int | None = None, y: int | None = None) -> list[dict[str, JSON]]:
        """The trees and crops of the bot's world (only the one at ``(x, y)`` when given):
        ``[{x, y, seed, block_type, kind, mixed, ready, ready_in_ms, hits_left}]``."""
        if (x is None) != (y is None):
            raise InvalidArgument("x" if x is None else "y", "give both x and y, or neither")
        rows = self._world.tree_rows() if self._world is not None and self.current_world else []
        return rows if x is None else [row for row in rows if (row["x"], row["y"]) == (x, y)]

    def snapshot(self, full: bool = False) -> dict[str, JSON]:
        """With ``full``, the snapshot of spec 003 plus the additive ``worn``, ``quests`` and
        ``achievements``."""
        snap = super().snapshot(full)
        if full:
            snap.update(self.progress())
        return snap

    def progress(self) -> dict[str, JSON]:
        """What the bot wears, its quests and its achievements, from the server's ``me``."""
        me = self._me
        counters = me.get("counters", {})
        done = set(me.get("quests_done", []))
        return {
            "worn": [
                {"slot": slot, "block_id": block, "name": catalog.name_of(block)}
                for slot, block in me.get("worn", [])
            ],
            "quests": [
                {
                    "name": name,
                    "progress": min(counters.get(q["counter"], 0), q["goal"]),
                    "goal": q["goal"],
                    "completed": name in done,
                }
                for name, q in QUESTS.items()
            ],
            "achievements": list(me.get("achievements", [])),
        }
