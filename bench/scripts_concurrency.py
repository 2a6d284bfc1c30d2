"""Many sleeping scripts: CPU, sleep lateness and memory of the Lua runtime.

N scripts loop ``sleep(100)`` for a while (a tenth of them measure how late each sleep wakes
up). Baseline, measured in the same invocation: the same Lua loops on bare lupa coroutines
(one bare LuaRuntime each) driven by a minimal asyncio loop (``call_later`` + resume). Each
side runs in its own subprocess so RSS figures are clean.

Figures: CPU as a share of one core (process CPU time / wall), p50/p99 lateness, extra RSS.
Targets: CPU ratio <= 1.5, p99 lateness <= 10 ms, extra RSS <= 60 MB (for 1,000 scripts).

    python bench/scripts_concurrency.py [--scripts 1000] [--seconds 10] [--modules core|all]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time

LOOP = "while true do sleep(100) end"
PROBE = "while true do local t = clock() sleep(100) record(clock() - t - 100) end"
BARE_LOOP = "return function() while true do coroutine.yield(100) end end"
BARE_PROBE = (
    "return function(clock, record) while true do local t = clock() coroutine.yield(100)"
    " record(clock() - t - 100) end end"
)
WARMUP_S = 1.5
STAGGER_S = 0.1


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def clock() -> float:
    return time.monotonic() * 1000


async def measure(seconds: float, samples: list[float]) -> dict[str, float]:
    await asyncio.sleep(WARMUP_S)
    samples.clear()
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    window = sorted(samples)
    return {
        "cpu_share": cpu / wall,
        "p50_ms": statistics.median(window),
        "p99_ms": window[int(len(window) * 0.99) - 1],
        "samples": len(window),
    }


async def run_ours(scripts: int, seconds: float, modules: str) -> dict[str, float]:
    from seraph_kernel.engine.engine import Limits, LuaEngine
    from seraph_kernel.engine.registry import DetachedServices
    from seraph_kernel.engine.vm import CORE_MODULES

    engine = LuaEngine(Limits())
    await engine.start()
    samples: list[float] = []
    base = rss_bytes()
    runs = []
    for i in range(scripts):
        vm = engine.new_vm(
            DetachedServices(f"bot-{i}", lambda level, text: None),
            modules=CORE_MODULES if modules == "core" else None,
        )
        probe = i % 10 == 0
        if probe:
            vm.context.env.clock = vm.context.function("clock", clock)
            vm.context.env.record = vm.context.function("record", samples.append)
        runs.append(engine.run(vm, vm.compile(PROBE if probe else LOOP)))
        await asyncio.sleep(STAGGER_S / scripts)
    result = await measure(seconds, samples)
    result["extra_rss_mb"] = (rss_bytes() - base) / 2**20
    result["workers"] = engine.scheduler.workers
    await engine.close()
    return result


async def run_bare(scripts: int, seconds: float) -> dict[str, float]:
    import lupa.lua54 as lupa

    loop = asyncio.get_running_loop()
    samples: list[float] = []
    base = rss_bytes()
    coroutines = []

    def step(co) -> None:
        ms = co.send(None)
        loop.call_later(ms / 1000, step, co)

    for i in range(scripts):
        runtime = lupa.LuaRuntime()
        if i % 10 == 0:
            co = runtime.execute(BARE_PROBE).coroutine(clock, samples.append)
        else:
            co = runtime.execute(BARE_LOOP).coroutine()
        coroutines.append(co)
        step(co)
        await asyncio.sleep(STAGGER_S / scripts)
    result = await measure(seconds, samples)
    result["extra_rss_mb"] = (rss_bytes() - base) / 2**20
    return result


def phase(name: str, args: argparse.Namespace) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--phase", name, "--scripts", str(args.scripts)]
    cmd += ["--seconds", str(args.seconds), "--modules", args.modules]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scripts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--modules", choices=("core", "all"), default="all")
    parser.add_argument("--phase", choices=("ours", "bare"))
    args = parser.parse_args()
    if args.phase == "ours":
        print(json.dumps(asyncio.run(run_ours(args.scripts, args.seconds, args.modules))))
        return
    if args.phase == "bare":
        print(json.dumps(asyncio.run(run_bare(args.scripts, args.seconds))))
        return
    bare = phase("bare", args)
    ours = phase("ours", args)
    print(f"{args.scripts} scripts looping sleep(100) for {args.seconds:g} s (modules: {args.modules})")
    for label, r in (("bare lupa + asyncio", bare), ("seraph runtime", ours)):
        print(
            f"  {label:20s} CPU {r['cpu_share'] * 100:6.2f}% of a core   lateness p50 {r['p50_ms']:6.2f} ms"
            f"  p99 {r['p99_ms']:6.2f} ms   extra RSS {r['extra_rss_mb']:7.1f} MB"
        )
    print(f"  CPU ratio seraph / bare: {ours['cpu_share'] / bare['cpu_share']:.2f} (target <= 1.5)")
    print(f"  p99 lateness: {ours['p99_ms']:.2f} ms (target <= 10 ms)")
    print(f"  extra RSS: {ours['extra_rss_mb']:.1f} MB (target <= 60 MB for 1,000 scripts)")


if __name__ == "__main__":
    main()
