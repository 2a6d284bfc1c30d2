"""Garbage collection on a thread of its own, never on a niced worker.

CPython collects reference cycles on whichever thread allocates past the threshold, and holds
the GIL for the whole collection. The scheduler lowers a worker stuck in a spinning script to
``WORKER_NICE``; with thirty such runnable threads on two cores a niced thread gets a sliver of
a core, so a collection it starts takes that much longer in wall time, and every other Python
thread (the event loop first) waits for the GIL all that while. In the soak of issue 16 full
collections started on workers held the GIL for 1.6 s and 2.7 s, and young ones up to 190 ms.

While a scheduler runs, automatic collection is off and this thread, at the process's own
priority, does what it would have done: every ``POLL_S`` it compares ``gc.get_count()`` with
``gc.get_threshold()`` and collects the oldest generation past its threshold, as CPython does.
CPython skips most full collections: only once the objects moved into the oldest generation
since the last one are a quarter of those that survived it. Its counts are not exposed, so this
thread keeps them: after a full collection it counts the oldest generation, and before a middle
one it counts the young objects (what survives them moves up). Without that rule a thousand
printing scripts paid a full collection every 10-20 s (each 100-340 ms over their ~156,000
objects, freeing nothing), and every script woke that late once and a second or more of ticks
behind it. A full collection also waits at least ``FULL_EVERY`` times as long as the previous
one took (at most 1/``FULL_EVERY`` of the time in full collections) and at least
``FULL_MIN_GAP_S``.
"""

from __future__ import annotations

import gc
import threading
import time

POLL_S = 0.01
#: Polls stretch (doubling) up to this while nothing allocates: an idle kernel or server does
#: not wake 100 times a second to find nothing to collect.
IDLE_POLL_S = 0.16
FULL_EVERY = 50
FULL_MIN_GAP_S = 1.0

_lock = threading.Lock()
_users = 0
_collector: _Collector | None = None


class _Collector:
    def __init__(self) -> None:
        self.was_enabled = gc.isenabled()
        self._stop = threading.Event()
        self._next_full = 0.0
        #: Objects that survived the last full collection (CPython's ``long_lived_total``).
        self.old_total = 0
        #: Objects moved into the oldest generation since (CPython's ``long_lived_pending``).
        self.old_pending = 0
        self.thread = threading.Thread(target=self._run, name="seraph-gc", daemon=True)

    def start(self) -> None:
        gc.disable()
        # What lives now (the server, its modules) is not traversed again. No collection first:
        # a full one per engine start made the test suite a third slower.
        gc.freeze()
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)
        gc.unfreeze()
        if self.was_enabled:
            gc.enable()

    def _run(self) -> None:
        interval, last = POLL_S, gc.get_count()
        while not self._stop.wait(interval):
            self.step()
            counts = gc.get_count()
            interval = next_poll(interval, counts != last)
            last = counts

    def step(self) -> None:
        """One collection if a generation is past its threshold (the oldest such)."""
        thresholds = gc.get_threshold()
        if thresholds[0] == 0:  # collection switched off by the program
            return
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] <= thresholds[generation]:
                continue
            if generation == 2:
                now = time.monotonic()
                if now < self._next_full or self.old_pending < self.old_total // 4:
                    continue
                gc.collect(2)
                took = time.monotonic() - now
                self._next_full = time.monotonic() + max(FULL_MIN_GAP_S, took * FULL_EVERY)
                self.old_total, self.old_pending = len(gc.get_objects(2)), 0
            elif generation == 1:
                young = len(gc.get_objects(0)) + len(gc.get_objects(1))
                self.old_pending += max(young - gc.collect(1), 0)
            else:
                gc.collect(0)
            return


def next_poll(interval: float, allocating: bool) -> float:
    """The wait before the next poll: :data:`POLL_S` while objects come and go, else twice the
    last wait up to :data:`IDLE_POLL_S`."""
    return POLL_S if allocating else min(interval * 2, IDLE_POLL_S)


def acquire() -> None:
    """A scheduler starts: collect on the collector thread (counted: the first starts it)."""
    global _users, _collector
    with _lock:
        _users += 1
        if _users == 1:
            _collector = _Collector()
            _collector.start()


def release() -> None:
    """A scheduler stopped: the last one gives collection back to CPython."""
    global _users, _collector
    with _lock:
        if _users == 0:
            return
        _users -= 1
        if _users == 0 and _collector is not None:
            _collector.stop()
            _collector = None
