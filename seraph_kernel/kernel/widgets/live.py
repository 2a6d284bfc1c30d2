"""Keeping a widget up to date from fleet events, without flooding the front end.

Events only mark the widget dirty; a single redraw loop refreshes it at most ``max_fps``
times a second, however many events arrive, and stops when the widget is closed (by the
kernel or by the front end closing its comm).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from seraph_kernel.fleet.base import Fleet, FleetEvent

log = logging.getLogger(__name__)
Refresh = Callable[[], Awaitable[None]]
Wants = Callable[[FleetEvent], bool]


class LiveUpdates:
    """Calls ``refresh()`` after events ``wants``, at most ``max_fps`` times a second; with
    ``poll_s`` also refreshes that often without events (for things that move silently)."""

    def __init__(
        self,
        fleet: Fleet,
        client_id: str | None,
        refresh: Refresh,
        wants: Wants = lambda event: True,
        max_fps: float = 10.0,
        poll_s: float | None = None,
    ) -> None:
        self._fleet = fleet
        self._client_id = client_id
        self._refresh = refresh
        self._wants = wants
        self._interval = 1.0 / max_fps
        self._poll_s = poll_s
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription = None
        self.frames = 0

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not all(task.done() for task in self._tasks)

    def start(self) -> None:
        self._subscription = self._fleet.subscribe(self._client_id)
        self._tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._redraw())]

    def stop(self) -> None:
        """Idempotent; safe from comm-close callbacks."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def _read(self) -> None:
        async for event in self._subscription:
            if self._wants(event):
                self._dirty.set()

    async def _redraw(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._poll_s is None:
                await self._dirty.wait()
            else:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._dirty.wait(), self._poll_s)
            self._dirty.clear()
            started = loop.time()
            try:
                await self._refresh()
                self.frames += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                log.debug("live widget refresh failed", exc_info=True)
            await asyncio.sleep(max(0.0, self._interval - (loop.time() - started)))
