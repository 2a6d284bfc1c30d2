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

``session`` events are coalesced for a slow reader (issue 14): each is the bot's whole lite
snapshot, so when a batch reaches a reader that still has ``coalesce_after`` events waiting (it
is behind), a newer one of a bot replaces the one still queued for it, and moves to the newer
one's place in the order. A reader that keeps up gets every batch whole and sees every status
change (notebooks print them). A snapshot that console lines push out of a reader's queue is
kept as that bot's latest when the reader has no newer one. A burst from 10,000 bots leaves
a slow reader at most one snapshot per bot (the latest, never dropped to make room for console
lines), at most ``snapshot_slots`` of them (the snapshot objects are shared by every reader;
each reader holds a reference per bot).
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict, deque

from seraph_kernel.fleet.base import FleetEvent, Subscription

DEFAULT_QUEUE_SIZE = 2000
DEFAULT_QUEUE_BYTES = 4 << 20
#: Most bots whose latest snapshot one reader keeps queued (beyond it the oldest is dropped).
DEFAULT_SNAPSHOT_SLOTS = 10_000
#: Events still waiting for a reader when a batch arrives from which on the batch's snapshots
#: are coalesced (the reader is far behind: half its queue). A reader that drains now and then
#: (a notebook cell that reads after its action) still sees every status change.
DEFAULT_COALESCE_AFTER = DEFAULT_QUEUE_SIZE // 2
#: Deferred events queued off the loop past which they are handed over without waiting for
#: :meth:`EventBus.flush` (bounds the memory and the delay of a script printing in a loop).
FLUSH_EVENTS = 1000

#: What a queued event counts for besides its text fields.
EVENT_OVERHEAD = 200


def event_bytes(event: FleetEvent) -> int:
    """Roughly what a queued event holds: its top-level text fields (a console line's message
    dominates) plus a fixed overhead."""
    size = EVENT_OVERHEAD
    for value in event.data.values():  # a loop, not sum() over a generator: twice as fast
        if isinstance(value, str):
            size += len(value)
    return size


class BusSubscription(Subscription):
    """One reader of an :class:`EventBus`; events of every bot, or of one ``client_id``."""

    def __init__(
        self,
        bus: EventBus,
        client_id: str | None,
        maxsize: int,
        max_bytes: int = DEFAULT_QUEUE_BYTES,
        snapshot_slots: int = DEFAULT_SNAPSHOT_SLOTS,
        coalesce_after: int = DEFAULT_COALESCE_AFTER,
    ) -> None:
        self._bus = bus
        self.client_id = client_id
        #: Every other event with its arrival number and its bytes, oldest first.
        self._queue: deque[tuple[int, FleetEvent, int]] = deque()
        #: The latest queued ``session`` event of each bot, oldest first.
        self._snapshots: OrderedDict[str, tuple[int, FleetEvent]] = OrderedDict()
        self._arrived = 0
        self._maxsize = maxsize
        self._max_bytes = max_bytes
        self._snapshot_slots = snapshot_slots
        self._coalesce_after = coalesce_after
        self._bytes = 0
        self._wakeup = asyncio.Event()
        self.closed = False
        self.dropped = 0
        #: Queued snapshots replaced by a newer one of the same bot (nothing was lost).
        self.coalesced = 0
        #: Set by a front door that streams these events to a caller (the SSE route), so
        #: ``EventBus.has_listener`` tells them from in-process readers (caches, Lua handlers).
        self.live_stream = False

    def __aiter__(self) -> BusSubscription:
        return self

    async def __anext__(self) -> FleetEvent:
        while not (self._queue or self._snapshots):
            if self.closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._pop()

    def get_nowait(self) -> FleetEvent | None:
        """The next queued event, or ``None`` when there is none yet."""
        return self._pop() if self._queue or self._snapshots else None

    def backlog(self) -> dict[str, int]:
        """What waits for this reader and what it lost, for ``GET /api/seraph/info``."""
        return {
            "queued": len(self._queue),
            "queued_bytes": self._bytes,
            "snapshots": len(self._snapshots),
            "dropped": self.dropped,
            "coalesced": self.coalesced,
        }

    def _pop(self) -> FleetEvent:
        """The event that arrived first, of the oldest other event and the oldest snapshot."""
        snapshot = next(iter(self._snapshots.values()), None)
        if self._queue and (snapshot is None or self._queue[0][0] < snapshot[0]):
            return self._pop_event()
        return self._snapshots.popitem(last=False)[1][1]

    def _over_bounds(self) -> bool:
        return len(self._queue) > self._maxsize or self._bytes > self._max_bytes

    def _pop_event(self) -> FleetEvent:
        _, event, size = self._queue.popleft()
        self._bytes -= size
        return event

    def close(self) -> None:
        """End the iteration (events already queued are still delivered) and unsubscribe."""
        if not self.closed:
            self.closed = True
            self._bus._remove(self)
            self._wakeup.set()

    def _deliver(self, sized: list[tuple[FleetEvent, int]]) -> None:
        """Queue a batch of ``(event, its bytes)`` (a bot's newer snapshot replaces its queued
        one), then drop the oldest events past the bounds."""
        client_id, queue, snapshots = self.client_id, self._queue, self._snapshots
        arrived = self._arrived
        behind = len(queue) + len(snapshots) >= self._coalesce_after
        for event, size in sized:
            if client_id is not None and event.client_id != client_id:
                continue
            arrived += 1
            if event.kind == "session" and event.client_id is not None and behind:
                if snapshots.pop(event.client_id, None) is not None:
                    self.coalesced += 1
                snapshots[event.client_id] = (arrived, event)
                if len(snapshots) > self._snapshot_slots:
                    snapshots.popitem(last=False)
                    self.dropped += 1
            else:
                queue.append((arrived, event, size))
                self._bytes += size
        if arrived == self._arrived:
            return
        self._arrived = arrived
        while len(queue) > 1 and self._over_bounds():
            number, event, size = queue.popleft()
            self._bytes -= size
            bot = event.client_id
            if event.kind != "session" or bot is None:
                self.dropped += 1
                continue
            # a snapshot is kept as its bot's latest: console lines never push that out
            kept = snapshots.get(bot)
            if kept is None:
                snapshots[bot] = (number, event)
                snapshots.move_to_end(bot, last=False)
                if len(snapshots) > self._snapshot_slots:
                    snapshots.popitem(last=False)
                    self.dropped += 1
            else:
                self.coalesced += 1
                if kept[0] < number:
                    snapshots[bot] = (number, event)
        self._wakeup.set()


class EventBus:
    """Fan-out of :class:`FleetEvent` to subscriptions, bound to one event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
        snapshot_slots: int = DEFAULT_SNAPSHOT_SLOTS,
        coalesce_after: int = DEFAULT_COALESCE_AFTER,
    ):
        self._loop = loop
        self._loop_thread: int | None = None
        self._queue_size = queue_size
        self._queue_bytes = queue_bytes
        self._snapshot_slots = snapshot_slots
        self._coalesce_after = coalesce_after
        self._subscribers: list[BusSubscription] = []
        self._closed = False
        self._pending: list[FleetEvent] = []
        self._pending_lock = threading.Lock()
        self._drain_scheduled = False
        #: Bots whose events live streams of *another* process's bus read (the server's, when
        #: this bus is its fleet process's); ``None`` stands for a stream of every bot.
        self.remote_listeners: frozenset[str | None] = frozenset()

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
        sub = BusSubscription(
            self, client_id, self._queue_size, self._queue_bytes, self._snapshot_slots, self._coalesce_after
        )
        if self._closed:
            sub.closed = True  # the fleet is closing: the reader ends at once
        else:
            self._subscribers.append(sub)
        return sub

    def publish(self, event: FleetEvent, deferred: bool = False) -> None:
        """Deliver ``event`` to every matching subscriber; safe from any thread. ``deferred``
        (off the loop): queue it until the next :meth:`flush` (or ``FLUSH_EVENTS`` queued)."""
        self.publish_many([event], deferred)

    def publish_many(self, events: list[FleetEvent], deferred: bool = False) -> None:
        """:meth:`publish` for a batch (a script's console lines): one lock, one extend."""
        if not self._subscribers or not events:
            return
        if self._on_loop_thread():
            self._fan_out(events)
        elif self._loop is not None and not self._loop.is_closed():
            with self._pending_lock:
                self._pending.extend(events)
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
        if None in self.remote_listeners or client_id in self.remote_listeners:
            return True
        return any(
            sub.live_stream and not sub.closed and sub.client_id in (None, client_id)
            for sub in self._subscribers
        )

    def live_listeners(self) -> frozenset[str | None]:
        """The bots live streams of this bus read (``None``: every bot), for another process's
        bus to answer :meth:`has_listener` with."""
        return frozenset(sub.client_id for sub in self._subscribers if sub.live_stream and not sub.closed)

    def note_dropped(self, count: int) -> None:
        """Events lost before they reached this bus (another process's, which the server read
        too slowly): every reader lost them, and counts them in ``dropped``; a stream says so
        with its next frame."""
        for sub in self._subscribers:
            sub.dropped += count

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
