"""The collector thread runs full collections by CPython's own rule (issue 14): only once the
objects moved into the oldest generation since the last one are a quarter of those it kept.
A thousand printing scripts whose objects do not grow otherwise paid a full collection every
10-20 s, 100-340 ms long, that freed nothing and made every script late."""

from __future__ import annotations

import gc
import threading

import pytest

from seraph_kernel.engine import collector


class Node:
    pass


@pytest.fixture
def stepped(monkeypatch):
    """A collector that is not started: the test calls ``step`` as its thread would. The time
    rule between full collections is off, so only the count rule decides. Yields the collector
    and the generations it collected (this thread's collections only)."""
    monkeypatch.setattr(collector, "FULL_MIN_GAP_S", 0.0)
    monkeypatch.setattr(collector, "FULL_EVERY", 0)
    was_enabled = gc.isenabled()
    gc.disable()
    me = threading.current_thread()
    generations: list[int] = []

    def record(phase, info):
        if phase == "start" and threading.current_thread() is me:
            generations.append(info["generation"])

    gc.callbacks.append(record)
    try:
        yield collector._Collector(), generations
    finally:
        gc.callbacks.remove(record)
        if was_enabled:
            gc.enable()


def churn(stepped_collector, generations: list[int], middle: int) -> None:
    """Short-lived garbage (cycles) until ``middle`` more middle collections ran."""
    target = generations.count(1) + middle
    for _ in range(100_000):
        if generations.count(1) >= target:
            return
        for _ in range(1000):
            node = Node()
            node.me = node
        stepped_collector.step()
    raise AssertionError("the collector never ran a middle collection")


def test_full_collections_wait_until_the_long_lived_objects_grow_by_a_quarter(stepped):
    gcs, generations = stepped
    kept = [Node() for _ in range(20_000)]
    churn(gcs, generations, 12)  # the first full collection: nothing counted yet
    assert 2 in generations
    assert gcs.old_total >= len(kept)

    generations.clear()
    churn(gcs, generations, 40)  # four times past the oldest generation's threshold
    assert 2 not in generations, "a full collection although no object outlived the young ones"
    assert 0 < gcs.old_pending < gcs.old_total // 4

    more = [Node() for _ in range(gcs.old_total // 4 + 1000)]
    churn(gcs, generations, 40)
    assert 2 in generations, "no full collection although the old objects grew by a quarter"
    assert gcs.old_pending < gcs.old_total // 4
    assert gcs.old_total >= len(kept) + len(more)
