"""CPU-bound Lua in a sandboxed, hooked VM vs a bare lupa VM, and on several cores.

Runs the same loop (arithmetic, table writes, function calls, string ops) in both, five
times each, and prints the medians and their ratio. Target: ratio <= 1.15.

``--parallel K`` instead runs K such scripts at once through the engine's worker pool, after
the same K one after another (the baseline, same invocation), and prints for each the wall
time, the process's CPU time over wall time (the cores it used) and every thread's CPU time:
lupa releases the GIL while Lua runs, so the pool should use a second core.

    python bench/lua_compute.py [--repeat 5] [--n 3000000] [--parallel 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import lupa.lua54 as lupa

from seraph_kernel.engine.engine import Limits, LuaEngine
from seraph_kernel.engine.registry import DetachedServices

SOURCE = """
local n = %d
local t, s = {}, 0
local function f(x) return x * 2 + 1 end
for i = 1, n do
  s = s + f(i) %% 7
  t[i %% 1000 + 1] = i
  if i %% 100000 == 0 then s = s + #tostring(i) end
end
return s
"""


def bare(source: str) -> float:
    runtime = lupa.LuaRuntime()
    fn = runtime.eval("function(src) return load(src) end")(source)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def sandboxed(engine: LuaEngine, source: str) -> float:
    vm = engine.new_vm(DetachedServices("bench", lambda level, text: None))
    fn = vm.compile(source)
    start = time.perf_counter()
    record = await engine.run(vm, fn).wait()
    elapsed = time.perf_counter() - start
    assert record.state == "COMPLETE", record
    vm.close()
    return elapsed


def thread_cpu() -> dict[int, float]:
    """CPU seconds of every thread of this process (Linux ``/proc``), by thread id."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


async def batch(engine: LuaEngine, source: str, count: int, together: bool) -> dict[str, object]:
    """Run ``count`` scripts at once or one after another: wall, cores used, per-thread CPU."""
    vms = [engine.new_vm(DetachedServices("bench", lambda level, text: None)) for _ in range(count)]
    fns = [vm.compile(source) for vm in vms]
    before, cpu0, start = thread_cpu(), time.process_time(), time.perf_counter()
    seen = dict(before)  # sampled while they run: a worker lowered for spinning leaves the pool after

    async def sample() -> None:
        while True:
            seen.update(thread_cpu())
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    if together:
        records = await asyncio.gather(*(engine.run(vm, fn).wait() for vm, fn in zip(vms, fns, strict=True)))
    else:
        records = [await engine.run(vm, fn).wait() for vm, fn in zip(vms, fns, strict=True)]
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    sampler.cancel()
    seen.update(thread_cpu())
    after = seen
    assert all(r.state == "COMPLETE" for r in records), records
    for vm in vms:
        vm.close()
    threads = sorted((after[t] - before.get(t, 0.0) for t in after), reverse=True)
    return {"wall": wall, "cores": cpu / wall, "threads": [t for t in threads if t >= 0.05]}


async def parallel(args: argparse.Namespace) -> None:
    source = SOURCE % args.n
    engine = LuaEngine(Limits(budget_ms=None))
    await engine.start()
    runs: dict[bool, list[dict[str, object]]] = {False: [], True: []}
    for _ in range(args.repeat):
        for together in (False, True):
            runs[together].append(await batch(engine, source, args.parallel, together))
    await engine.close()
    print(f"{args.parallel} CPU-bound scripts (n={args.n}), medians of {args.repeat} runs:")
    walls = {}
    for together, label in ((False, "one after another"), (True, "all at once")):
        rs = runs[together]
        walls[together] = statistics.median(r["wall"] for r in rs)
        cores = statistics.median(r["cores"] for r in rs)
        last = ", ".join(f"{t:.2f}" for t in rs[-1]["threads"])
        print(
            f"  {label:18} wall {walls[together]:6.2f} s, cores used {cores:4.2f};"
            f" CPU s per busy thread (last run): {last}"
        )
    print(
        f"  speed-up all at once / one after another: {walls[False] / walls[True]:.2f}x (2 cores: at most 2x)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=3_000_000)
    parser.add_argument("--parallel", type=int, default=0, help="run this many scripts at once")
    args = parser.parse_args()
    if args.parallel:
        await parallel(args)
        return
    source = SOURCE % args.n
    engine = LuaEngine(Limits(budget_ms=None))
    await engine.start()
    bare_times, sandbox_times = [], []
    for _ in range(args.repeat):
        bare_times.append(bare(source))
        sandbox_times.append(await sandboxed(engine, source))
    await engine.close()
    b, s = statistics.median(bare_times), statistics.median(sandbox_times)
    print(f"bare lupa VM:      median {b * 1000:8.1f} ms over {args.repeat} runs")
    print(f"sandboxed + hook:  median {s * 1000:8.1f} ms over {args.repeat} runs")
    print(f"ratio sandboxed / bare: {s / b:.3f}  (target <= 1.15)")


if __name__ == "__main__":
    asyncio.run(main())
