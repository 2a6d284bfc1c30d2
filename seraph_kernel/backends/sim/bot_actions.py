"""Acting on the world around the bot: hit, place, collect, say, drop."""

from __future__ import annotations

from typing import Any

from seraph_kernel.backends.sim.bot_core import (
    SimBotCore,
    as_ints,
)
from seraph_kernel.errors import InvalidArgument


class SimBotActions(SimBotCore):
    """Acting on the world around the bot: hit, place, collect, say, drop."""

    async def _act(self, what: str, **fields: Any) -> dict | str:
        state = self._in_world(what)
        if isinstance(state, str):
            return state
        return await self._call(state[0], what, **fields)

    async def hit(self, x: int, y: int) -> str | None:
        x, y = as_ints("hit", x, y)
        result = await self._act("hit", x=x, y=y)
        return result if isinstance(result, str) else None

    async def place(self, x: int, y: int, block_id: int) -> str | None:
        x, y, block_id = as_ints("place", x, y, block_id)
        result = await self._act("place", x=x, y=y, block_id=block_id)
        return result if isinstance(result, str) else None

    async def collect(self, collectable_id: int | None = None) -> int | str:
        fields = {} if collectable_id is None else {"id": as_ints("collect", collectable_id)[0]}
        result = await self._act("collect", **fields)
        return result if isinstance(result, str) else len(result["ids"])

    async def say(self, text: str) -> str | None:
        if not isinstance(text, str):
            raise InvalidArgument("say", f"expected a string, got {type(text).__name__}")
        result = await self._act("say", text=text)
        return result if isinstance(result, str) else None

    async def drop(self, block_id: int, amount: int) -> str | None:
        result = await self._act("drop", block_id=block_id, amount=amount)
        return result if isinstance(result, str) else None
