"""LoopFirst: a worker about to run a script's Python waits while the event loop is starved,
and only then (a loop blocked on purpose, or no loop at all, never holds workers up)."""

import asyncio
import threading
import time

from seraph_kernel.engine import loop_first
from seraph_kernel.engine.loop_first import LoopFirst


def _step_aside_on_a_worker(gate: LoopFirst, blocked: threading.Event) -> list[float]:
    returned: list[float] = []

    def worker() -> None:
        blocked.wait()
        time.sleep(loop_first.LAG_S * 1.5)  # the loop has missed its beat by now
        gate.step_aside()
        returned.append(time.monotonic())

    threading.Thread(target=worker, daemon=True).start()
    return returned


async def _started() -> LoopFirst:
    gate = LoopFirst()
    gate.start(asyncio.get_running_loop())
    await asyncio.sleep(loop_first.BEAT_S * 2)
    return gate


async def _returned_at(gate: LoopFirst, returned: list[float]) -> float:
    """When the worker's ``step_aside`` returned (waiting for it without blocking the loop)."""
    for _ in range(1000):
        if returned:
            break
        await asyncio.sleep(0.01)
    gate.stop()
    assert returned, "the worker never returned"
    return returned[0]


async def test_a_worker_waits_for_a_starved_loop_to_beat_again(monkeypatch):
    monkeypatch.setattr(loop_first, "MAX_WAIT_S", 1.0)
    gate = await _started()
    blocked = threading.Event()
    returned = _step_aside_on_a_worker(gate, blocked)
    blocked.set()
    time.sleep(loop_first.GIVE_UP_S * 0.8)  # the loop's thread is held (as by the GIL) past the lag
    unblocked = time.monotonic()
    assert await _returned_at(gate, returned) >= unblocked
    assert gate.waits == 1


async def test_a_worker_waits_no_longer_than_its_cap():
    gate = await _started()
    blocked = threading.Event()
    returned = _step_aside_on_a_worker(gate, blocked)
    blocked.set()
    time.sleep(loop_first.GIVE_UP_S * 0.8)
    unblocked = time.monotonic()
    assert await _returned_at(gate, returned) < unblocked
    assert gate.waits == 1


async def test_a_loop_blocked_on_purpose_does_not_hold_workers():
    gate = await _started()
    blocked = threading.Event()
    returned = _step_aside_on_a_worker(gate, blocked)
    time.sleep(loop_first.GIVE_UP_S * 1.2)
    blocked.set()
    time.sleep(loop_first.LAG_S * 4)
    unblocked = time.monotonic()
    assert await _returned_at(gate, returned) < unblocked
    assert gate.waits == 0


def test_without_a_loop_nothing_waits():
    gate = LoopFirst()
    gate.step_aside()
    assert gate.waits == 0


async def test_the_beat_stops_while_no_script_runs_and_a_run_restarts_it(monkeypatch):
    """No script runs: the loop is not woken to beat (an idle kernel did 200 times a second).
    A run starting after an idle spell stamps the beat at once, so its first step does not
    read the old stamp as a starved loop and wait."""
    monkeypatch.setattr(loop_first, "LAG_S", 0.05)  # a worker delayed by load stays under it
    running = False
    gate = LoopFirst(active=lambda: running)
    gate.start(asyncio.get_running_loop())
    await asyncio.sleep(loop_first.LAG_S * 3)  # idle: past the lag, short of giving up
    assert not gate.beating
    running = True
    returned: list[float] = []

    def worker() -> None:  # a run started off the loop's thread, then its first step
        gate.wake()
        gate.step_aside()
        returned.append(time.monotonic())

    threading.Thread(target=worker, daemon=True).start()
    time.sleep(loop_first.LAG_S)  # the loop's thread is held: only wake()'s own stamp helps
    await _returned_at_without_stop(returned)
    assert gate.waits == 0
    await asyncio.sleep(loop_first.BEAT_S * 3)
    assert gate.beating
    gate.stop()


async def _returned_at_without_stop(returned: list[float]) -> None:
    for _ in range(1000):
        if returned:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the worker never returned")
