"""Scheduler: runs Lua on worker threads, never on the event loop.

A leader/follower pool. One *leader* thread pops due timers (``engine/timers.py``) and ready
slots and runs their work inline (a sleeping script costs a timer push and a resume, like a
bare event loop). A watchdog promotes another thread to leader when the current one has been
inside one slot for longer than ``slice_s``, so a spinning script (or a long C call) only
occupies its own thread while every other script keeps its timing. The ex-leader returns to
the idle pool when it is done. lupa releases the GIL while Lua runs, so this is real isolation.

Priorities: the leader runs at the process's own priority, so sleeping scripts wake on time
even when other processes keep the machine's cores busy. A thread the watchdog finds stuck in
one slot (a spinning script) is lowered to ``WORKER_NICE`` at once, so spinners do not take the
event loop's CPU share; Linux does not let a thread raise its priority back, so that thread
leaves the pool once its slot is done.

At most ``max_workers`` threads exist. When all of them are stuck in spinning scripts, other
work waits until one yields (the no-yield budget ends a spinner after 5 s by default).

A *slot* is any object with ``pending`` (deque), ``busy`` and ``queued`` attributes (a LuaVM):
one thread at a time works on a slot, so a VM is never entered by two threads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from seraph_kernel.engine import collector
from seraph_kernel.engine.timers import MsTimers

log = logging.getLogger(__name__)

MAX_WAIT_S = 3600.0
#: Niceness of a worker thread stuck in a slot (a spinning script). Lua runs without the GIL,
#: so 32 spinning scripts are 32 runnable threads: at the same priority the event loop (REST,
#: SSE, bots' network I/O) would get one CPU share in 33. Nice 19 weighs 15 against nice 0's
#: 1,024 in Linux's scheduler: against thirty spinners on two cores a runnable loop thread
#: keeps about 80% of a core (about 40% at nice 10). The leader keeps the process's priority
#: (a niced leader woke sleeping scripts up to hundreds of ms late on a machine whose cores
#: other processes kept busy).
WORKER_NICE = 19


def lower_priority(native_id: int) -> None:
    """Give thread ``native_id`` ``WORKER_NICE`` (Linux: niceness is per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, native_id, max(WORKER_NICE, os.getpriority(os.PRIO_PROCESS, 0)))
    except (AttributeError, OSError):  # not Linux, or not allowed: same priority as the loop
        pass


class Scheduler:
    """Threads that call ``handle(slot, item)`` for every posted item, in order per slot."""

    def __init__(
        self,
        handle: Callable[[Any, Any], None],
        slice_s: float = 0.02,
        max_workers: int = 32,
        max_idle: int = 4,
        on_tick: Callable[[], None] | None = None,
        quiet: Callable[[], bool] | None = None,
    ):
        self._handle = handle
        self._on_tick = on_tick
        #: Whether nothing needs the watchdog (the engine: no run). It then rests after one
        #: more tick until work is posted (:meth:`_wake_watchdog_locked`) instead of waking
        #: 100 times a second in an idle kernel.
        self._quiet = quiet
        self._watch_resting = False
        self._watch_signal = threading.Lock()
        self._watch_signal.acquire()
        self._slice = slice_s
        self._max_workers = max_workers
        self._max_idle = max_idle
        self._lock = threading.Lock()
        # the leader sleeps on a bare lock (cheaper than a Condition: no allocation per wait)
        self._signal = threading.Lock()
        self._signal.acquire()
        self._signaled = False
        self._promote = threading.Condition(self._lock)
        #: Workers counted but not started yet (started outside the lock).
        self._spawned: list[threading.Thread] = []
        self._ready: deque[Any] = deque()
        self._timers = MsTimers()
        self._leader: int | None = None
        self._leader_native = 0
        #: Threads lowered to WORKER_NICE while stuck in a slot: they leave once it is done.
        self._demoted: set[int] = set()
        self._leader_waiting = False
        self._leader_busy_since: float | None = None
        self._workers = 0
        self._idle = 0
        self._closed = False
        self._watchdog: threading.Thread | None = None
        self._collecting = False

    # -- public --------------------------------------------------------------------------
    def start(self) -> None:
        collector.acquire()  # collections off the niced workers (see collector.py)
        self._collecting = True
        with self._lock:
            self._spawn_worker_locked()
        self._start_spawned()
        self._watchdog = threading.Thread(target=self._watch, name="lua-watchdog", daemon=True)
        self._watchdog.start()

    def post(self, slot: Any, item: Any) -> None:
        """Queue ``item`` for ``slot`` (thread-safe)."""
        with self._lock:
            self._post_locked(slot, item)

    def post_many(self, entries: list[tuple[Any, Any]]) -> None:
        """Queue several ``(slot, item)`` pairs under one lock and one wake-up."""
        with self._lock:
            for slot, item in entries:
                self._post_locked(slot, item)

    def post_at(self, due: float, slot: Any, item: Any) -> None:
        """Queue ``item`` for ``slot`` once ``time.monotonic() >= due``."""
        with self._lock:
            if self._timers.push(due, slot, item):
                self._wake_leader_locked()
            if self._watch_resting:
                self._wake_watchdog_locked()

    def purge(self, slot: Any) -> None:
        """Forget the timers of ``slot`` (its run ended; a long sleep must not pin the VM)."""
        with self._lock:
            self._timers.purge(slot)

    def close(self, join_s: float = 1.0) -> None:
        """Stop the threads (threads stuck in Lua are daemons and left behind)."""
        with self._lock:
            self._closed = True
            self._wake_leader_locked()
            self._wake_watchdog_locked()
            self._promote.notify_all()
        if self._watchdog is not None:
            self._watchdog.join(join_s)
        if self._collecting:
            self._collecting = False
            collector.release()

    @property
    def workers(self) -> int:
        return self._workers

    # -- internals (lock held where named *_locked) ---------------------------------------
    def _post_locked(self, slot: Any, item: Any) -> None:
        slot.pending.append(item)
        if not slot.busy and not slot.queued:
            slot.queued = True
            self._ready.append(slot)
            self._wake_leader_locked()
        if self._watch_resting:
            self._wake_watchdog_locked()

    def _wake_watchdog_locked(self) -> None:
        if self._watch_resting:
            self._watch_resting = False
            self._watch_signal.release()

    def _wake_leader_locked(self) -> None:
        if self._leader_waiting and not self._signaled:
            self._signaled = True
            self._signal.release()

    def _spawn_worker_locked(self) -> None:
        """Count a new worker; :meth:`_start_spawned` starts it once the lock is released
        (``Thread.start`` waits until the thread runs, which under load took long enough that
        the event loop, posting work, waited on the lock for it)."""
        self._workers += 1
        name = f"lua-worker-{self._workers}"
        self._spawned.append(threading.Thread(target=self._work, name=name, daemon=True))

    def _start_spawned(self) -> None:
        while self._spawned:
            try:
                thread = self._spawned.pop()
            except IndexError:
                return
            thread.start()

    def _next_slot_locked(self) -> Any:
        """As leader: wait for a due timer or a ready slot; ``None`` when closed."""
        timers, ready = self._timers, self._ready
        while not self._closed:
            if timers:
                for _, slot, item in timers.pop_due(time.monotonic()):
                    # _post_locked, inlined (the hot path): the leader is awake, and a timer
                    # belongs to a run, so the watchdog is not resting
                    slot.pending.append(item)
                    if not slot.busy and not slot.queued:
                        slot.queued = True
                        ready.append(slot)
            if ready:
                slot = ready.popleft()
                slot.queued = False
                slot.busy = True
                return slot
            due = timers.next_due()
            # no timer: wait for a post; a bucket due in less than float rounding: wait 0
            timeout = -1 if due is None else min(max(due - time.monotonic(), 0.0), MAX_WAIT_S)
            self._leader_waiting = True
            self._lock.release()
            try:
                woken = self._signal.acquire(True, timeout)
            finally:
                self._lock.acquire()
            self._leader_waiting = False
            if self._signaled:
                if not woken:  # signalled just after the timeout: consume it
                    self._signal.acquire()
                self._signaled = False
        return None

    def _work(self) -> None:
        me = threading.get_ident()
        native = threading.get_native_id()
        lock = self._lock
        lock.acquire()
        try:
            while True:
                if self._leader != me:
                    while self._leader is not None and not self._closed:
                        if self._idle >= self._max_idle:
                            self._workers -= 1
                            return
                        self._idle += 1
                        self._promote.wait()
                        self._idle -= 1
                    if self._closed:
                        self._workers -= 1
                        return
                    self._leader = me
                    self._leader_native = native
                slot = self._next_slot_locked()
                if slot is None:
                    self._leader = None
                    self._promote.notify_all()
                    self._workers -= 1
                    return
                items = slot.pending
                slot.pending = []
                self._leader_busy_since = time.monotonic()
                lock.release()
                try:
                    self._run_items(slot, items)
                finally:
                    lock.acquire()
                slot.busy = False
                if self._leader == me:
                    self._leader_busy_since = None
                if slot.pending and not slot.queued:
                    slot.queued = True
                    self._ready.append(slot)
                    self._wake_leader_locked()
                if me in self._demoted:  # niced for good: the pool keeps threads at full priority
                    self._demoted.discard(me)
                    self._workers -= 1
                    if self._leader is None and not self._closed:
                        self._replace_leader_locked()  # every other thread may be stuck too
                    return
                # Drop them before waiting: an idle worker must not keep the last VM it ran (and
                # its console and Lua state) alive after that VM was closed and forgotten.
                slot = items = None
        finally:
            lock.release()
            self._start_spawned()

    def _run_items(self, slot: Any, items: list[Any]) -> None:
        for item in items:
            try:
                self._handle(slot, item)
            except Exception:
                log.exception("Lua scheduler: handling %r failed", item)

    def _watch(self) -> None:
        """Promote a new leader when the current one is stuck in a slot for a whole slice; call
        ``on_tick`` every half slice (the engine checks budgets and deadlines there). Rests
        while ``quiet`` (asked before a tick, so one tick follows the last run's end)."""
        interval = self._slice / 2
        while not self._closed:
            time.sleep(interval)
            quiet = self._quiet is not None and self._quiet()
            if self._on_tick is not None:
                try:
                    self._on_tick()
                except Exception:
                    log.exception("scheduler tick failed")
            self._promote_if_stuck()
            if quiet:
                self._rest()

    def _promote_if_stuck(self) -> None:
        with self._lock:
            since = self._leader_busy_since
            if since is None or time.monotonic() - since < self._slice:
                return
            self._demoted.add(self._leader)
            lower_priority(self._leader_native)
            self._leader = None
            self._leader_busy_since = None
            self._replace_leader_locked()
        self._start_spawned()

    def _rest(self) -> None:
        """Wait for posted work (or close); not while a slot is being worked on or ``quiet``
        has changed its answer. Asked again under the lock: the engine adds a run before it
        posts the run's start, so a run added after this check finds the watchdog resting
        and its post wakes it."""
        with self._lock:
            if self._closed or self._leader_busy_since is not None or self._ready:
                return
            if self._quiet is None or not self._quiet():
                return
            self._watch_resting = True
        self._watch_signal.acquire()

    def _replace_leader_locked(self) -> None:
        """No thread leads: wake an idle one, or start one while below ``max_workers``."""
        if self._idle:
            self._promote.notify()
        elif self._workers < self._max_workers:
            self._spawn_worker_locked()
