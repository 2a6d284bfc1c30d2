"""The fleet event subscriptions of one VM: one per bot it watches.

Each subscription feeds Python listeners (the world-view cache drops a bot's world when it
changes) and the Lua handlers of ``client:on``: for every event, each handler registered for
it is started as a new task of the script (``spawn``). Payloads cross as plain values only
(the Lua side rebuilds the table), so nothing touches the Lua state from the event loop while
a script runs. The subscriptions close with the VM.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from seraph_kernel.fleet.base import FleetEvent

#: Events ``client:on`` accepts (``lua-api.md``), by the ``type`` of the fleet's ``bot`` event.
LUA_EVENTS = ("connect", "disconnect", "status", "chat", "collectable", "kicked")
COLLECTABLE_FIELDS = ("id", "block_type", "amount", "inventory_type", "pos_x", "pos_y", "is_gem")

Listener = Callable[[FleetEvent], None]
#: ``spawn(client_id, event, handler_index, *payload)``: start one Lua handler.
Spawner = Callable[..., Any]


def lua_event(event: FleetEvent) -> tuple[str, tuple[Any, ...]] | None:
    """``(name, plain payload values)`` for a fleet event a Lua handler can receive."""
    if event.kind != "bot":
        return None
    data = event.data
    name = data.get("type")
    if name == "status":
        return name, (str(data.get("status", "")).upper(),)
    if name == "chat":
        return name, (data.get("nick"), data.get("text"))
    if name == "kicked":
        return name, (data.get("reason"),)
    if name == "collectable":
        found = data.get("collectable")
        row = found if isinstance(found, dict) else data
        return name, tuple(row.get(key) for key in COLLECTABLE_FIELDS)
    if name in ("connect", "disconnect"):
        return name, ()
    return None


class BotEvents:
    """Subscriptions by bot id; use it on the fleet's event loop."""

    def __init__(self, fleet: Any, spawn: Spawner) -> None:
        self._fleet = fleet
        self._spawn = spawn
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._handlers: dict[tuple[str, str], int] = {}
        self._closed = False

    def watch(self, client_id: str, listener: Listener) -> None:
        """Call ``listener(event)`` for each event of ``client_id`` from now on."""
        self._listeners.setdefault(client_id, []).append(listener)
        self._ensure_pump(client_id)

    def add_handler(self, client_id: str, event: str) -> None:
        """One more Lua handler of ``event`` for ``client_id`` (its index is the new count)."""
        key = (client_id, event)
        self._handlers[key] = self._handlers.get(key, 0) + 1
        self._ensure_pump(client_id)

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
                translated = lua_event(event)
                if translated is None:
                    continue
                name, payload = translated
                for index in range(1, self._handlers.get((client_id, name), 0) + 1):
                    self._spawn(client_id, name, index, *payload)
        finally:
            with contextlib.suppress(Exception):
                subscription.close()
