"""Stop latency: time from ``stop()`` to ``running == false`` for runaway scripts.

For each shape (plain loop, loop inside pcall, loop in a spawned task) it starts the script,
lets it spin, stops it and measures until the run record says it is no longer running. The
baseline is the same measurement for a script that is merely sleeping (the scheduler's own
round trip). Target: max <= 100 ms for every shape.

    python bench/stop_latency.py [--trials 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from seraph_kernel.engine.engine import Limits, LuaEngine
from seraph_kernel.engine.registry import DetachedServices

SHAPES = {
    "sleeping (baseline)": "while true do sleep(1000) end",
    "plain loop": "while true do end",
    "loop in pcall": "while true do pcall(function() while true do end end) end",
    "loop in a spawned task": "task.spawn(function() while true do end end) while true do sleep(1000) end",
}


async def measure(engine: LuaEngine, source: str) -> float:
    vm = engine.new_vm(DetachedServices("bench", lambda level, text: None))
    run = engine.run(vm, vm.compile(source))
    await asyncio.sleep(0.05)
    assert run.running
    start = time.perf_counter()
    record = await run.stop()
    elapsed = time.perf_counter() - start
    assert not record.running and record.state == "CANCELLED", record
    vm.close()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    engine = LuaEngine(Limits(budget_ms=None))
    await engine.start()
    worst = 0.0
    baseline = None
    for name, source in SHAPES.items():
        times = [await measure(engine, source) for _ in range(args.trials)]
        median, peak = statistics.median(times) * 1000, max(times) * 1000
        if baseline is None:
            baseline = median
        else:
            worst = max(worst, peak)
        print(
            f"{name:26s} median {median:7.2f} ms   max {peak:7.2f} ms"
            f"   median/baseline {median / baseline:6.2f}"
        )
    await engine.close()
    print(f"worst max over runaway shapes: {worst:.2f} ms (target <= 100 ms)")


if __name__ == "__main__":
    asyncio.run(main())
