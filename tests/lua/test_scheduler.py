"""Scheduler: per-slot order, timers never early, and a blocked slot does not stall others."""

from __future__ import annotations

import os
import threading
import time

import pytest

from seraph_kernel.engine.scheduler import WORKER_NICE, Scheduler


class Slot:
    """The slot interface the scheduler drives (a LuaVM has the same three attributes)."""

    def __init__(self, name: str):
        self.name = name
        self.pending: list = []
        self.busy = False
        self.queued = False


@pytest.fixture
def collected():
    done: list = []
    cond = threading.Condition()

    def handle(slot, item):
        if item == "block":
            release.wait(5)
        with cond:
            done.append((slot.name, item, time.monotonic(), threading.get_ident()))
            cond.notify_all()

    def wait_for(count: int) -> list:
        with cond:
            assert cond.wait_for(lambda: len(done) >= count, 5)
            return list(done)

    release = threading.Event()
    scheduler = Scheduler(handle, slice_s=0.02)
    scheduler.start()
    yield scheduler, wait_for, release
    release.set()
    scheduler.close()


def test_items_of_a_slot_run_in_order(collected):
    scheduler, wait_for, _ = collected
    a, b = Slot("a"), Slot("b")
    for i in range(50):
        scheduler.post(a, i)
        scheduler.post(b, i)
    done = wait_for(100)
    assert [item for name, item, *_ in done if name == "a"] == list(range(50))
    assert [item for name, item, *_ in done if name == "b"] == list(range(50))


def test_timers_fire_in_due_order_and_never_early(collected):
    scheduler, wait_for, _ = collected
    slot = Slot("t")
    start = time.monotonic()
    for delay in (0.06, 0.02, 0.04):
        scheduler.post_at(start + delay, slot, delay)
    done = wait_for(3)
    assert [item for _, item, *_ in done] == [0.02, 0.04, 0.06]
    assert all(at >= start + item for _, item, at, _ in done)


def test_timers_due_in_the_same_millisecond_keep_their_order(collected):
    """Timers are bucketed by millisecond: within one, the earlier due still fires first, and
    equal dues fire in the order they were posted."""
    scheduler, wait_for, _ = collected
    slot = Slot("ms")
    due = time.monotonic() + 0.03
    for offset, item in ((0.0008, "late"), (0.0001, "early"), (0.0004, "mid-1"), (0.0004, "mid-2")):
        scheduler.post_at(due + offset, slot, item)
    done = wait_for(4)
    assert [item for _, item, *_ in done] == ["early", "mid-1", "mid-2", "late"]
    assert all(at >= due + 0.0008 for *_, at, _ in done[3:])


def test_a_blocked_slot_does_not_stall_the_others(collected):
    scheduler, wait_for, release = collected
    stuck, free = Slot("stuck"), Slot("free")
    scheduler.post(stuck, "block")
    time.sleep(0.01)
    start = time.monotonic()
    scheduler.post_at(start + 0.05, free, "tick")
    done = wait_for(1)
    assert done[0][:2] == ("free", "tick")
    assert scheduler.workers >= 2
    release.set()
    done = wait_for(2)
    assert done[1][:2] == ("stuck", "block")
    assert done[0][3] != done[1][3]  # ran on different threads


def test_purge_drops_a_slot_timers(collected):
    scheduler, wait_for, _ = collected
    gone, kept = Slot("gone"), Slot("kept")
    now = time.monotonic()
    scheduler.post_at(now + 0.03, gone, "x")
    scheduler.post_at(now + 0.05, kept, "y")
    scheduler.purge(gone)
    done = wait_for(1)
    time.sleep(0.05)
    assert [(name, item) for name, item, *_ in done] == [("kept", "y")]


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread niceness is a Linux feature")
def test_a_stuck_thread_is_lowered_and_the_leader_keeps_the_loop_priority():
    """Lua runs without the GIL: a spinning script must not get the event loop's CPU share,
    but the leader waking sleeping scripts must not be starved by other processes either."""
    base = os.getpriority(os.PRIO_PROCESS, 0)
    seen: dict[str, int] = {}
    release, done = threading.Event(), threading.Event()

    def priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def handle(slot, item):
        if item == "spin":
            seen["spin start"] = priority()
            release.wait(5)
            seen["spin end"] = priority()
        else:
            seen[item] = priority()
        done.set()

    scheduler = Scheduler(handle, slice_s=0.02)
    scheduler.start()
    try:
        scheduler.post(Slot("spinner"), "spin")
        time.sleep(0.1)  # five slices: the watchdog has promoted another leader
        done.clear()
        scheduler.post(Slot("sleeper"), "tick")
        assert done.wait(5)
        done.clear()
        release.set()
        assert done.wait(5)
        deadline = time.monotonic() + 5
        while scheduler.workers > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = scheduler.workers
    finally:
        scheduler.close()
    assert seen == {"spin start": base, "tick": base, "spin end": max(WORKER_NICE, base)}
    assert workers == 1  # the lowered thread left the pool


def test_posting_does_not_wait_for_a_new_worker_to_start(collected, monkeypatch):
    """A worker thread is started after the scheduler's lock is released: under load a thread
    took long to start, and the event loop, posting work, waited on the lock meanwhile."""
    scheduler, wait_for, release = collected
    started = threading.Thread.start

    def slow_start(thread: threading.Thread) -> None:
        if thread.name.startswith("lua-worker"):
            time.sleep(1.0)
        started(thread)

    monkeypatch.setattr(threading.Thread, "start", slow_start)
    stuck, other = Slot("stuck"), Slot("other")
    scheduler.post(stuck, "block")  # the watchdog replaces this leader: a new worker starts
    deadline = time.monotonic() + 5
    while scheduler.workers < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    began = time.monotonic()
    scheduler.post(other, "queued")
    assert time.monotonic() - began < 0.5
    release.set()
    done = wait_for(2)
    assert {name for name, *_ in done} == {"stuck", "other"}


def test_cycles_are_collected_on_the_collector_thread_not_on_workers():
    """While a scheduler runs, no worker (which may be niced, holding the GIL at a sliver of a
    core) starts a garbage collection: the collector thread does, soon after the threshold is
    passed; closing the scheduler gives collection back to CPython."""
    import gc
    import weakref

    threads: list[str] = []

    def record(phase, info):
        if phase == "start":
            threads.append(threading.current_thread().name)

    class Node:
        pass

    freed = threading.Event()

    def allocate_cycles(slot, item):  # on a worker: past every generation's threshold
        marker = Node()
        marker.me = marker
        weakref.finalize(marker, freed.set)
        del marker
        for _ in range(200_000):
            node = Node()
            node.me = node

    was_enabled = gc.isenabled()
    scheduler = Scheduler(allocate_cycles)
    scheduler.start()
    gc.callbacks.append(record)
    try:
        scheduler.post(Slot("a"), "go")
        assert freed.wait(5)  # the cycles are collected although automatic collection is off
        assert "seraph-gc" in threads
        assert not [name for name in threads if name.startswith("lua-worker")]
    finally:
        gc.callbacks.remove(record)
        scheduler.close()
    assert gc.isenabled() == was_enabled


def test_the_collector_polls_less_while_nothing_allocates():
    from seraph_kernel.engine import collector

    waits = [collector.POLL_S]
    for _ in range(10):
        waits.append(collector.next_poll(waits[-1], allocating=False))
    assert waits[1] == 2 * collector.POLL_S and waits[-1] == collector.IDLE_POLL_S
    assert collector.next_poll(collector.IDLE_POLL_S, allocating=True) == collector.POLL_S
