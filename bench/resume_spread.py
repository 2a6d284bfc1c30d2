"""What one resume of a sleeping script costs as the number of VMs it is spread over grows.

Resumes ``--rounds`` times, round robin, N coroutines that each loop on a yield, for N in
``--counts``, on one thread with nothing else running: the engine's VMs (``LuaEngine.new_vm``,
every module, ``sleep(100)`` yielding the scheduler's request) against bare lupa runtimes
yielding the same three values (the baseline, measured in the same invocation). Only
``send()`` is timed: no scheduler, no clock, no console.

With one VM both are under a microsecond; spread over a thousand VMs a resume costs several
times more, and an engine VM (larger, more of it touched per resume) more than a bare one:
the cost is the memory a resume touches, not the instructions it runs.

    python bench/resume_spread.py [--counts 1 10 100 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import lupa.lua54 as lupa

from seraph_kernel.engine.engine import Limits, LuaEngine
from seraph_kernel.engine.registry import DetachedServices

BARE = "local T = 12345 return function() while true do coroutine.yield(T, 1, 100) end end"
RESUMES = 30_000


def per_resume_us(coroutines: list, rounds: int) -> float:
    """Median over ``rounds`` of the µs per ``send`` over ~30,000 round-robin resumes."""
    for co in coroutines:
        co.send(None)
    passes = max(1, RESUMES // len(coroutines))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(passes):
            for co in coroutines:
                co.send(None)
        samples.append((time.perf_counter() - start) / (passes * len(coroutines)) * 1e6)
    return statistics.median(samples)


def engine_tasks(engine: LuaEngine, count: int) -> list:
    tasks = []
    for i in range(count):
        vm = engine.new_vm(DetachedServices(f"bot-{i}", lambda level, text: None))
        fn = vm.compile("while true do sleep(100) end")
        vm.privileged.start_run()
        _, thread = vm.privileged.new_task(fn, None, True)
        tasks.append(thread)
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engine = LuaEngine(Limits())
    print("VMs     bare lupa  engine VM  ratio   (us per resume, median)")
    for count in args.counts:
        bare = per_resume_us([lupa.LuaRuntime().execute(BARE).coroutine() for _ in range(count)], args.rounds)
        ours = per_resume_us(engine_tasks(engine, count), args.rounds)
        print(f"{count:5d}   {bare:9.2f}  {ours:9.2f}  {ours / bare:5.2f}x")


if __name__ == "__main__":
    main()
