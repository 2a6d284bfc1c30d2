"""The fleet event subscriptions of one VM: one per bot it watches.

Each subscription feeds Python listeners (the world-view cache drops a bot's world when it
changes) and a bounded queue that the Lua pump of ``client:on`` reads with ``next``. The
subscriptions close with the VM.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from seraph_kernel.fleet.base import FleetEvent

#: Events ``client:on`` accepts (``lua-api.md``), by the ``type`` of the fleet's ``bot`` event.
LUA_EVENTS = ("connect", "disconnect", "status", "chat", "collectable", "kicked")
QUEUE_LIMIT = 1000

Listener = Callable[[FleetEvent], None]


def lua_event(event: FleetEvent) -> tuple[str, Any] | None:
    """The ``(name, payload)`` a Lua handler receives for a fleet event, or None if none does."""
    if event.kind != "bot":
        return None
    data = event.data
    name = data.get("type")
    if name == "status":
        return name, str(data.get("status", "")).upper()
    if name == "chat":
        return name, {"nick": data.get("nick"), "text": data.get("text")}
    if name == "kicked":
        return name, {"reason": data.get("reason")}
    if name == "collectable":
        found = data.get("collectable")
        return name, dict(found if isinstance(found, dict) else data)
    if name in ("connect", "disconnect"):
        return name, None
    return None


class BotEvents:
    """Subscriptions by bot id; create and use it on the fleet's event loop."""

    def __init__(self, fleet: Any) -> None:
        self._fleet = fleet
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._queues: dict[str, asyncio.Queue[tuple[str, Any]]] = {}
        self._closed = False

    def watch(self, client_id: str, listener: Listener) -> None:
        """Call ``listener(event)`` for each event of ``client_id`` from now on."""
        self._listeners.setdefault(client_id, []).append(listener)
        self._ensure_pump(client_id)

    async def next(self, client_id: str) -> tuple[str, Any]:
        """The next Lua event of ``client_id`` (``client:on``'s pump waits here)."""
        queue = self._queues.get(client_id)
        if queue is None:
            queue = self._queues[client_id] = asyncio.Queue()
            self._ensure_pump(client_id)
        return await queue.get()

    def close(self) -> None:
        """Stop every subscription (the VM is going away)."""
        self._closed = True
        for task in self._pumps.values():
            task.cancel()
        self._pumps.clear()

    def _ensure_pump(self, client_id: str) -> None:
        if self._closed or client_id in self._pumps:
            return
        subscription = self._fleet.subscribe(client_id)
        self._pumps[client_id] = asyncio.ensure_future(self._pump(client_id, subscription))

    async def _pump(self, client_id: str, subscription: Any) -> None:
        try:
            async for event in subscription:
                for listener in self._listeners.get(client_id, ()):
                    listener(event)
                queue = self._queues.get(client_id)
                translated = lua_event(event) if queue is not None else None
                if translated is not None:
                    if queue.qsize() >= QUEUE_LIMIT:
                        queue.get_nowait()  # a slow script loses its oldest events
                    queue.put_nowait(translated)
        finally:
            with contextlib.suppress(Exception):
                subscription.close()
