"""How long a run's current slice (one resume, until it yields) has computed, for the no-yield
budget.

The budget counts the CPU time of the worker thread running the slice, not wall time: a
thread stuck in one slot runs at ``WORKER_NICE``, and on a machine whose cores other
processes keep busy such a thread gets a sliver of a core, so a script that needs 100 ms of
work could take seconds of wall time and be ended for a load it did not cause. The watchdog
reads the thread's CPU clock (``pthread_getcpuclockid``) from outside, so the hot path of a
resume pays nothing: the first tick that sees a slice takes its wall age so far as CPU time (at
most one tick, an over-estimate) and reads the clock; later ticks add what the clock gained.

A slice that holds its thread without computing (blocked in C) never uses CPU; it is ended
once its wall time passes ``WALL_FACTOR`` budgets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

WALL_FACTOR = 30
"""A slice is over budget after this many budgets of wall time even if it used no CPU."""


def _cpu_clock(ident: int) -> int | None:
    try:
        return time.pthread_getcpuclockid(ident)
    except (AttributeError, OSError):  # not on this platform, or the thread is gone
        return None


def _read(clock: int | None) -> float | None:
    if clock is None:
        return None
    try:
        return time.clock_gettime(clock)
    except OSError:
        return None


@dataclass
class _Seen:
    since: float
    clock: int | None
    cpu_at: float | None
    counted: float  # seconds counted before the clock was first read


class SliceCpu:
    """The watchdog's view of every slice in progress (only the watchdog thread calls it)."""

    def __init__(self) -> None:
        self._seen: dict[Any, _Seen] = {}

    def over(self, key: Any, since: float, ident: int, now: float, budget_s: float) -> bool:
        """Whether the slice of ``key`` (started at monotonic ``since`` on thread ``ident``)
        has computed longer than ``budget_s``."""
        if now - since > budget_s * WALL_FACTOR:
            return True
        seen = self._seen.get(key)
        if seen is None or seen.since != since:
            clock = _cpu_clock(ident)
            seen = self._seen[key] = _Seen(since, clock, _read(clock), now - since)
            return seen.counted > budget_s
        cpu = _read(seen.clock)
        if cpu is None or seen.cpu_at is None:
            return now - since > budget_s
        return seen.counted + cpu - seen.cpu_at > budget_s

    def keep(self, keys: Any) -> None:
        """Forget the slices whose keys are not in ``keys`` (they yielded or ended)."""
        for key in [k for k in self._seen if k not in keys]:
            del self._seen[key]
