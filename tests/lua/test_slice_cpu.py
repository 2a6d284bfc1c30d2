"""The no-yield budget's clock on real threads: CPU time counts, time a thread spends without
computing does not, until three budgets of wall time have passed."""

from __future__ import annotations

import threading
import time

from seraph_kernel.engine.slice_cpu import WALL_FACTOR, SliceCpu


def watch(work, budget_s: float, seconds: float) -> list[tuple[float, bool]]:
    """Run ``work(stop)`` on a thread and ask :meth:`SliceCpu.over` every 10 ms for
    ``seconds``: ``(wall age, over)`` pairs."""
    stop = threading.Event()
    started = threading.Event()
    idents: list[int] = []

    def body() -> None:
        idents.append(threading.get_ident())
        started.set()
        work(stop)

    thread = threading.Thread(target=body)
    since = time.monotonic()
    thread.start()
    started.wait()
    clock, seen = SliceCpu(), []
    try:
        while time.monotonic() - since < seconds:
            now = time.monotonic()
            seen.append((now - since, clock.over("slice", since, idents[0], now, budget_s)))
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    return seen


def spin(stop: threading.Event) -> None:
    while not stop.is_set():
        pass


def test_a_thread_that_waits_is_not_over_its_budget_until_three_budgets_of_wall_time():
    seen = watch(lambda stop: stop.wait(), budget_s=0.1, seconds=0.5)
    assert not any(over for age, over in seen if age < 0.25)
    assert all(over for age, over in seen if age > 0.1 * WALL_FACTOR + 0.02)


def test_a_thread_that_computes_goes_over_once_its_cpu_time_passes_the_budget():
    seen = watch(spin, budget_s=0.1, seconds=0.1 * WALL_FACTOR - 0.01)
    assert not seen[0][1]
    assert seen[-1][1], "a thread that spun for most of 0.29 s is over a 0.1 s budget before the wall cap"


def test_a_new_slice_starts_from_zero_and_finished_slices_are_forgotten():
    clock = SliceCpu()
    ident = threading.get_ident()
    t0 = time.monotonic()
    assert not clock.over("run", t0 - 0.05, ident, t0, budget_s=0.1)
    assert clock.over("run", t0 - 0.5, ident, t0, budget_s=0.1)  # a slice past 3 budgets of wall
    assert not clock.over("run", t0, ident, t0, budget_s=0.1)  # the next slice of the same run
    clock.keep({})
    assert clock._seen == {}
