"""What bounding the C library costs: the sandbox's string/table/load/os.date functions
(``c_bounds.lua``, ``lua_patterns.lua``: a cost check, then C or the hooked Lua matcher) vs the
bare C functions, on typical small calls, and on calls the cost model sends to the Lua matcher.

Each case loops in Lua and times itself with os.clock; prints the medians of --repeat runs and
the ratio sandbox / bare. No threshold: the small cases show the dispatch overhead on the hot
path, the "port" cases what a long subject with a backtracking pattern costs in Lua.

    python bench/c_bounds.py [--repeat 5] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

import lupa.lua54 as lupa

from seraph_kernel.engine.engine import Limits, LuaEngine
from seraph_kernel.engine.registry import DetachedServices

# name -> (setup, one iteration, iterations at scale 1)
CASES: dict[str, tuple[str, str, int]] = {
    "byte (not wrapped)": ("local s = 'player joined the game'", "s:byte(3)", 200_000),
    "find plain": ("local s = 'player joined the game'", "s:find('joined', 1, true)", 200_000),
    "find pattern": ("local s = 'key=value'", "s:find('(%w+)=(%w+)')", 200_000),
    "match trim": ("local s = '   hello there   '", "s:match('^%s*(.-)%s*$')", 200_000),
    "gsub": ("local s = 'hello world'", "s:gsub('o', '0')", 200_000),
    "gmatch words": (
        "local s = 'the quick brown fox jumps over the lazy dog'",
        "for w in s:gmatch('%a+') do end",
        50_000,
    ),
    "rep": ("", "string.rep('ab', 10)", 200_000),
    "insert/remove": ("local t = {1, 2, 3, 4, 5}", "table.insert(t, 2, 0) table.remove(t, 2)", 200_000),
    "sort 20": (
        "local src = {} for i = 1, 20 do src[i] = (i * 37) % 20 end",
        "local t = {table.unpack(src)} table.sort(t)",
        50_000,
    ),
    "move 100": (
        "local a, b = {}, {} for i = 1, 100 do a[i] = i end",
        "table.move(a, 1, 100, 1, b)",
        100_000,
    ),
    "load small": ("", "load('return 1 + 2')", 50_000),
    "os.date": ("", "os.date('%Y-%m-%d %H:%M:%S', 0)", 50_000),
    "port: trim 2 KB": (
        "local s = '  ' .. string.rep('word ', 400) .. '  '",
        "s:match('^%s*(.-)%s*$')",
        200,
    ),
    "port: pairs over 20 KB": (
        "local s = string.rep('key=value ', 2000)",
        "s:gsub('(%w+)=(%w+)', '%2=%1')",
        20,
    ),
}


def program(setup: str, body: str, iterations: int) -> str:
    return f"{setup}\nlocal t0 = os.clock()\nfor _ = 1, {iterations} do {body} end\nreturn os.clock() - t0"


def bare(source: str) -> float:
    runtime = lupa.LuaRuntime()
    return runtime.execute(source)


async def sandboxed(engine: LuaEngine, source: str) -> float:
    vm = engine.new_vm(DetachedServices("bench", lambda level, text: None))
    record = await engine.run(vm, vm.compile(source)).wait()
    vm.close()
    assert record.state == "COMPLETE", record
    return record.results[0]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    engine = LuaEngine(Limits(budget_ms=None))
    await engine.start()
    try:
        print(f"{'case':26} {'bare C (s)':>11} {'sandbox (s)':>12} {'ratio':>7}")
        for name, (setup, body, iterations) in CASES.items():
            source = program(setup, body, max(1, int(iterations * args.scale)))
            c_times = [bare(source) for _ in range(args.repeat)]
            s_times = [await sandboxed(engine, source) for _ in range(args.repeat)]
            c, s = statistics.median(c_times), statistics.median(s_times)
            print(f"{name:26} {c:11.4f} {s:12.4f} {s / c if c else float('inf'):7.2f}")
    finally:
        await engine.close()


if __name__ == "__main__":
    asyncio.run(main())
