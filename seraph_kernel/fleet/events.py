"""The fleet's event stream: publish from any thread, read through bounded subscriptions.

Bots publish on the event loop; the script runtime's console callback may run on worker
threads, so :meth:`EventBus.publish` queues their events and hops onto the loop with one
``call_soon_threadsafe`` per batch (a wake-up of the loop per console line cost a thousand
printing scripts most of their CPU). Console lines are published ``deferred``: they wait for
:meth:`EventBus.flush`, which the script engine calls on every watchdog tick (10 ms), so a
thousand printing scripts wake the loop a hundred times a second with a batch each, not ten
thousand times with a line each (every wake-up is also a hand-over of the GIL). Each
subscriber has its own queue, bounded in events and in bytes (script console lines can be
16 KiB each): a slow reader loses its oldest events (and can see how many in ``dropped``)
instead of growing memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque

from seraph_kernel.fleet.base import FleetEvent, Subscription

DEFAULT_QUEUE_SIZE = 2000
DEFAULT_QUEUE_BYTES = 4 << 20
#: Deferred events queued off the loop past which they are handed over without waiting for
#: :meth:`EventBus.flush` (bounds the memory and the delay of a script printing in a loop).
FLUSH_EVENTS = 1000
#: What a queued event counts for besides its text fields.
EVENT_OVERHEAD = 200


def event_bytes(event: FleetEvent) -> int:
    """Roughly what a queued event holds: its top-level text fields (a console line's message
    dominates) plus a fixed overhead."""
    return EVENT_OVERHEAD + sum(len(value) for value in event.data.values() if isinstance(value, str))


class BusSubscription(Subscription):
    """One reader of an :class:`EventBus`; events of every bot, or of one ``client_id``."""

    def __init__(
        self, bus: EventBus, client_id: str | None, maxsize: int, max_bytes: int = DEFAULT_QUEUE_BYTES
    ) -> None:
        self._bus = bus
        self.client_id = client_id
        self._queue: deque[tuple[FleetEvent, int]] = deque()  # (event, event_bytes(event))
        self._maxsize = maxsize
        self._max_bytes = max_bytes
        self._bytes = 0
        self._wakeup = asyncio.Event()
        self.closed = False
        self.dropped = 0
        #: Set by a front door that streams these events to a caller (the SSE route), so
        #: ``EventBus.has_listener`` tells them from in-process readers (caches, Lua handlers).
        self.live_stream = False

    def __aiter__(self) -> BusSubscription:
        return self

    async def __anext__(self) -> FleetEvent:
        while not self._queue:
            if self.closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._pop()

    def get_nowait(self) -> FleetEvent | None:
        """The next queued event, or ``None`` when there is none yet."""
        return self._pop() if self._queue else None

    def _pop(self) -> FleetEvent:
        event, size = self._queue.popleft()
        self._bytes -= size
        return event

    def close(self) -> None:
        """End the iteration (events already queued are still delivered) and unsubscribe."""
        if not self.closed:
            self.closed = True
            self._bus._remove(self)
            self._wakeup.set()

    def _deliver(self, sized: list[tuple[FleetEvent, int]]) -> None:
        """Queue a batch of ``(event, its bytes)``, then drop the oldest past the bounds."""
        client_id, queue = self.client_id, self._queue
        added = 0
        for item in sized:
            if client_id is None or item[0].client_id == client_id:
                queue.append(item)
                added += item[1]
        if not added:
            return
        self._bytes += added
        while len(queue) > 1 and (len(queue) > self._maxsize or self._bytes > self._max_bytes):
            self._pop()
            self.dropped += 1
        self._wakeup.set()


class EventBus:
    """Fan-out of :class:`FleetEvent` to subscriptions, bound to one event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
    ):
        self._loop = loop
        self._loop_thread: int | None = None
        self._queue_size = queue_size
        self._queue_bytes = queue_bytes
        self._subscribers: list[BusSubscription] = []
        self._closed = False
        self._pending: list[FleetEvent] = []
        self._pending_lock = threading.Lock()
        self._drain_scheduled = False

    def bind(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Attach to ``loop`` (default: the running one); publishers on other threads hop onto it."""
        self._loop = loop or asyncio.get_running_loop()
        with self._pending_lock:
            self._pending = []  # events for a previous loop have nobody to go to
            self._drain_scheduled = False
        self._loop_thread = threading.get_ident() if loop is None else None

    def subscribe(self, client_id: str | None = None) -> BusSubscription:
        """A new reader; call on the loop."""
        if self._loop is None:
            self.bind()
        sub = BusSubscription(self, client_id, self._queue_size, self._queue_bytes)
        if self._closed:
            sub.closed = True  # the fleet is closing: the reader ends at once
        else:
            self._subscribers.append(sub)
        return sub

    def publish(self, event: FleetEvent, deferred: bool = False) -> None:
        """Deliver ``event`` to every matching subscriber; safe from any thread. ``deferred``
        (off the loop): queue it until the next :meth:`flush` (or ``FLUSH_EVENTS`` queued)."""
        if not self._subscribers:
            return
        if self._on_loop_thread():
            self._fan_out([event])
        elif self._loop is not None and not self._loop.is_closed():
            with self._pending_lock:
                self._pending.append(event)
                if self._drain_scheduled or (deferred and len(self._pending) < FLUSH_EVENTS):
                    return  # a drain scheduled already takes it, or flush() will
                self._drain_scheduled = True
            self._schedule_drain()

    def flush(self) -> None:
        """Hand the deferred events over to the loop (one hop); safe from any thread."""
        with self._pending_lock:
            if not self._pending or self._drain_scheduled:
                return
            self._drain_scheduled = True
        self._schedule_drain()

    def _schedule_drain(self) -> None:
        loop = self._loop
        try:
            if loop is None or loop.is_closed():
                raise RuntimeError("no loop")
            loop.call_soon_threadsafe(self._drain_pending)
        except RuntimeError:  # the loop closed: nobody is listening
            with self._pending_lock:
                self._pending = []
                self._drain_scheduled = False

    def has_listener(self, client_id: str) -> bool:
        """Whether a caller's live stream (not an in-process reader) would receive events of
        bot ``client_id``."""
        return any(
            sub.live_stream and not sub.closed and sub.client_id in (None, client_id)
            for sub in self._subscribers
        )

    def close(self) -> None:
        """End every subscription, and any made later."""
        self._closed = True
        for sub in list(self._subscribers):
            sub.close()

    def _on_loop_thread(self) -> bool:
        if self._loop_thread is not None:
            return threading.get_ident() == self._loop_thread
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _drain_pending(self) -> None:
        with self._pending_lock:
            events, self._pending = self._pending, []
            self._drain_scheduled = False
        if events:
            self._fan_out(events)

    def _fan_out(self, events: list[FleetEvent]) -> None:
        sized = [(event, event_bytes(event)) for event in events]  # measured once, not per reader
        for sub in list(self._subscribers):
            sub._deliver(sized)

    def _remove(self, sub: BusSubscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)
