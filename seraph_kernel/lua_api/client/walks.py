"""The walks a VM has started (``setPoint``, ``findPath``), one per bot, so that
``pathfinding()`` can see them and ``clearPath()`` can cancel them.

A walk is an asyncio task around ``fleet.walk_to``; cancelling it stops the bot (the fleet's
convention). A new walk of the same bot replaces the running one, whose waiter gets
``CANCELLED``. Stopping the script cancels the task awaiting ``setPoint``, which cancels the
walk with it.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from seraph_kernel.errors import UnknownBot
from seraph_kernel.lua_api.client.conventions import CANCELLED, DISCONNECTED, game_call

#: Statuses in which a bot has no session left to walk in.
GONE = frozenset({"disconnected", "kicked", "banned", "error"})


class Walks:
    """Running walks by bot id, for one VM."""

    def __init__(self, fleet: Any) -> None:
        self._fleet = fleet
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._cleared: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()

    def start(self, client_id: str, x: int, y: int) -> asyncio.Task[Any]:
        """Start walking to ``(x, y)``, replacing (cancelling) a walk already running."""
        self.clear(client_id)
        task = asyncio.ensure_future(game_call("setPoint", self._fleet.walk_to(client_id, x, y)))
        self._running[client_id] = task
        task.add_done_callback(lambda done: self._forget(client_id, done))
        return task

    async def walk(self, client_id: str, x: int, y: int) -> str | None:
        """``setPoint``: walk and wait; ``CANCELLED`` if ``clearPath`` or a newer walk ended it,
        ``DISCONNECTED`` if the bot went away under it (the fleet may report that as a
        cancelled walk when it closes a deleted bot)."""
        task = self.start(client_id, x, y)
        try:
            result = await task
        except asyncio.CancelledError:
            if task in self._cleared:
                return CANCELLED
            raise
        if result == CANCELLED and task not in self._cleared and await self._gone(client_id):
            return DISCONNECTED
        return result

    async def _gone(self, client_id: str) -> bool:
        try:
            snapshot = await self._fleet.get_bot(client_id)
        except UnknownBot:
            return True
        return snapshot.get("status") in GONE

    def running(self, client_id: str) -> bool:
        task = self._running.get(client_id)
        return task is not None and not task.done()

    def clear(self, client_id: str) -> None:
        """``clearPath``: cancel the bot's walk, if any."""
        task = self._running.pop(client_id, None)
        if task is not None and not task.done():
            self._cleared.add(task)
            task.cancel()

    def close(self) -> None:
        """The VM is going away: stop every walk it started."""
        for client_id in list(self._running):
            self.clear(client_id)

    def _forget(self, client_id: str, task: asyncio.Task[Any]) -> None:
        if self._running.get(client_id) is task:
            del self._running[client_id]
        if not task.cancelled():
            task.exception()  # a walk nobody awaits (findPath) must not log "never retrieved"
