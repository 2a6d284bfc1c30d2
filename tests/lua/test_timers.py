"""MsTimers: the scheduler's timers, bucketed by millisecond."""

from __future__ import annotations

import math
import random

from seraph_kernel.engine.timers import MsTimers


def test_a_timer_is_due_at_next_due_and_never_before_its_time():
    """Whatever the float rounding of a bucket's millisecond, asking at ``next_due()`` takes
    it (the leader sleeps until then and must find it), and never before ``due``."""
    rng = random.Random(7)
    for _ in range(20_000):
        timers = MsTimers()
        due = rng.uniform(0, 1e6)
        timers.push(due, "slot", "item")
        at = timers.next_due()
        assert at >= due
        assert timers.pop_due(math.nextafter(due, -math.inf)) == []
        assert timers.pop_due(at) == [(due, "slot", "item")]
        assert not timers


def test_due_order_across_and_within_buckets_and_the_earliest_flag():
    timers = MsTimers()
    assert timers.push(10.0052, "a", 3) is True
    assert timers.push(10.0051, "a", 2) is False  # same bucket: not a new earliest
    assert timers.push(10.0001, "b", 1) is True
    assert timers.push(11.0, "c", 4) is False
    assert len(timers) == 4
    assert [item for _, _, item in timers.pop_due(10.01)] == [1, 2, 3]
    assert timers.pop_due(10.9) == []
    assert [item for _, _, item in timers.pop_due(11.1)] == [4]


def test_a_sleep_of_math_huge_never_comes_due_and_purge_forgets_a_slot():
    timers = MsTimers()
    timers.push(math.inf, "forever", "x")
    timers.push(5.0, "gone", "y")
    timers.push(5.0, "kept", "z")
    timers.purge("gone")
    assert timers.pop_due(1e12) == [(5.0, "kept", "z")]
    timers.purge("forever")
    assert not timers and timers.next_due() is None
