"""Luau -> Lua 5.4 translation speed, and the cost of translated code at run time.

- Translation time per 1,000 lines of realistic Luau (types, generics, compound assignment,
  continue, if-expressions, interpolation, generalized iteration). Target: <= 20 ms.
  Also shown: a plain Lua 5.4 source of the same size (the compile-first fast path).
- Compute ratio: a hot loop with ``+=`` and ``continue``, translated from Luau, against the
  same loop written in plain Lua, both run in lupa (Lua 5.4). Target: <= 1.05.

Prints medians of wall-clock time and of CPU time (``time.process_time``: what this
process used, so a busy shared machine does not count against it).
Usage: ``python bench/luau_translate.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import lupa.lua54 as lupa

from seraph_kernel.dialect import translate
from seraph_kernel.dialect.stdlib import install_luau_stdlib

MODULE = """--!strict
-- Inventory helpers for bot {n}
export type Item{n} = {{
  name: string,
  count: number,
  tags: {{string}}?,
}}

type Slot = {{ index: number, item: Item{n}? }}

local Inventory{n} = {{}}
Inventory{n}.__index = Inventory{n}

function Inventory{n}.new(capacity: number): typeof(setmetatable({{}}, Inventory{n}))
  local self = setmetatable({{}}, Inventory{n})
  self.capacity = capacity
  self.slots = table.create(capacity, false) :: {{any}}
  self.total = 0
  return self
end

function Inventory{n}:add(item: Item{n}, amount: number?): boolean
  local n = amount or 1
  for i, slot in self.slots do
    if slot == false then
      continue
    end
    if slot.name == item.name then
      slot.count += n
      self.total += n
      return true
    end
  end
  local free = table.find(self.slots, false)
  if not free then
    warn(`inventory full: cannot add {{n}} x {{item.name}}`)
    return false
  end
  self.slots[free] = {{ name = item.name, count = n, tags = item.tags }}
  self.total += n
  return true
end

local function score<T>(items: {{T}}, weigh: (T) -> number): number
  local best = 0
  for _, it in items do
    local w = weigh(it)
    best = if w > best then w elseif w < 0 then best - 1 else best
  end
  return best
end

function Inventory{n}:summary(): string
  local parts: {{string}} = {{}}
  for _, slot in self.slots do
    if not slot then continue end
    table.insert(parts, `{{slot.name}}={{slot.count}}`)
  end
  local label = if #parts > 0 then table.concat(parts, ", ") else "empty"
  return `[{{self.total}}/{{self.capacity}}] {{label}} ({{score(parts, function(p) return #p end)}})`
end

return Inventory{n}
"""

PLAIN = """-- Inventory helpers for bot {n}
local Inventory{n} = {{}}
Inventory{n}.__index = Inventory{n}

function Inventory{n}.new(capacity)
  local self = setmetatable({{}}, Inventory{n})
  self.capacity = capacity
  self.slots = {{}}
  for i = 1, capacity do self.slots[i] = false end
  self.total = 0
  return self
end

function Inventory{n}:add(item, amount)
  local n = amount or 1
  for i, slot in ipairs(self.slots) do
    if slot ~= false and slot.name == item.name then
      slot.count = slot.count + n
      self.total = self.total + n
      return true
    end
  end
  return false
end

return Inventory{n}
"""

LUAU_LOOP = """
local n = ...
local total, odd = 0, 0
for i = 1, n do
  if i % 3 == 0 then
    continue
  end
  total += i
  if i % 2 == 1 then odd += 1 end
end
return total + odd
"""

PLAIN_LOOP = """
local n = ...
local total, odd = 0, 0
for i = 1, n do
  if i % 3 ~= 0 then
    total = total + i
    if i % 2 == 1 then odd = odd + 1 end
  end
end
return total + odd
"""


def source_of(template: str, lines: int) -> str:
    parts, count, k = [], 0, 0
    while count < lines:
        # each copy is a separate chunk in real use; wrap it so locals stay under Lua's limit
        text = (
            "do\n" + template.format(n=k).replace("\nreturn Inventory", "\nlocal _ = Inventory") + "\nend\n"
        )
        parts.append(text)
        count += text.count("\n")
        k += 1
    return "".join(parts)


def per_thousand_lines(source: str, rounds: int) -> tuple[float, float, float]:
    """Median wall-clock, median CPU and fastest CPU milliseconds per 1,000 lines."""
    lines = source.count("\n")
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        translate(source)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    scale = 1000 / lines * 1000
    return statistics.median(wall) * scale, statistics.median(cpu) * scale, min(cpu) * scale


def loop_ratio(rounds: int, n: int) -> tuple[list[float], list[float]]:
    """CPU seconds of the translated Luau loop and of the plain Lua loop, run alternately."""
    runtime = lupa.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True)
    env = runtime.eval("{}")
    install_luau_stdlib(runtime, env)
    load = runtime.eval("function(src, env) return assert(load(src, '=bench', 't', env)) end")
    luau = load(translate(LUAU_LOOP), env)
    plain = load(PLAIN_LOOP, env)
    assert luau(1000) == plain(1000)
    luau_times: list[float] = []
    plain_times: list[float] = []
    for _ in range(rounds):
        for fn, times in ((luau, luau_times), (plain, plain_times)):
            start = time.process_time()
            fn(n)
            times.append(time.process_time() - start)
    return luau_times, plain_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--loop", type=int, default=2_000_000)
    args = parser.parse_args()

    luau_source = source_of(MODULE, args.lines)
    plain_source = source_of(PLAIN, args.lines)
    translate(luau_source)  # warm up: grammar load, Lua runtime
    luau = per_thousand_lines(luau_source, args.rounds)
    plain = per_thousand_lines(plain_source, args.rounds)
    lines = luau_source.count("\n")
    print(f"{lines} lines, {args.rounds} runs, ms per 1,000 lines (median wall, median cpu, fastest cpu):")
    print(f"  translate Luau:     {luau[0]:6.2f} {luau[1]:6.2f} {luau[2]:6.2f}  (target <= 20)")
    print(
        f"  translate Lua 5.4:  {plain[0]:6.2f} {plain[1]:6.2f} {plain[2]:6.2f}  (compiles as Lua 5.4: kept)"
    )

    luau_t, plain_t = loop_ratio(2 * args.rounds + 1, args.loop)
    luau_s, plain_s = statistics.median(luau_t), statistics.median(plain_t)
    print(
        f"loop of {args.loop:,} (cpu, median of {len(luau_t)}): translated Luau {luau_s * 1000:.1f} ms, "
        f"plain Lua {plain_s * 1000:.1f} ms, ratio {luau_s / plain_s:.3f} "
        f"(fastest runs: {min(luau_t) / min(plain_t):.3f}; target <= 1.05)"
    )


if __name__ == "__main__":
    main()
