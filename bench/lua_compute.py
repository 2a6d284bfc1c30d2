"""CPU-bound Lua in a sandboxed, hooked VM vs a bare lupa VM.

Runs the same loop (arithmetic, table writes, function calls, string ops) in both, five
times each, and prints the medians and their ratio. Target: ratio <= 1.15.

    python bench/lua_compute.py [--repeat 5] [--n 3000000]
"""

from __future__ import annotations

import argparse
import asyncio
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


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=3_000_000)
    args = parser.parse_args()
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
