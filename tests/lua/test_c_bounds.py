"""Library functions that could loop in C without allocating (so the hook never fires) are
bounded or replaced (``c_bounds.lua``, ``lua_patterns.lua``).

Two halves: the wrappers behave exactly like the C functions (results, metamethod call order,
error messages; loaded into a plain runtime with tiny chunk sizes so every slow path runs), and
each known attack, run in a real engine, is ended by its no-yield budget and by ``stop`` in
bounded time while an ordinary script in another VM still completes."""

from __future__ import annotations

import asyncio
import time

import lupa.lua54 as lupa
import pytest

from seraph_kernel.engine.engine import LuaEngine
from seraph_kernel.engine.sandbox import bytecode, pattern_functions, trusted_source

from .conftest import finish, make_limits, new_vm


def load_bounded(**sizes: int):
    """A plain runtime with c_bounds.lua loaded as the sandbox loads it."""
    runtime = lupa.LuaRuntime(encoding=None)
    load_binary = runtime.eval("function(code) return assert(load(code, '=trusted', 'b')) end")
    patterns = pattern_functions(runtime, load_binary)
    sizes_table = runtime.table_from({key.encode(): value for key, value in sizes.items()})
    bounded = load_binary(bytecode(trusted_source("c_bounds.lua"), "c_bounds"))(patterns, sizes_table)
    return runtime, bounded


# Shared by the differential drivers: `show` renders values and errors, `record` runs one call
# on each side and keeps the first differences.
PRELUDE = r"""
local W = ...
local diffs = {}
local function show(v)
  if type(v) == "string" then return string.format("%q", (v:gsub("\nstack traceback:.*", ""))) end
  return tostring(v)
end
local function render(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = show(t[i]) end
  return table.concat(t, ",", 1, t.n)
end
local function record(label, a, b)
  if a ~= b and #diffs < 20 then diffs[#diffs + 1] = label .. "\n  C:       " .. a .. "\n  bounded: " .. b end
end
"""


def run_driver(body: str, **sizes: int) -> str:
    runtime, bounded = load_bounded(**sizes)
    return runtime.execute(PRELUDE + body + "\nreturn table.concat(diffs, '\\n')", bounded).decode(
        errors="replace"
    )


TABLES = r"""
-- A fresh target of `kind`, whose metamethods (if any) append to `log`.
local function make(kind, log, n)
  local t = {}
  for i = 1, n do t[i] = i * 10 end
  if kind == "plain" then return t end
  local store = t
  local proxy = {}
  local mt = {
    __index = function(_, k) log[#log + 1] = "get" .. tostring(k) return store[k] end,
    __newindex = function(_, k, v) log[#log + 1] = "set" .. tostring(k) store[k] = v end,
  }
  if kind == "len" then mt.__len = function() log[#log + 1] = "len" return n end end
  if kind == "badlen" then mt.__len = function() return 2.5 end end
  if kind == "eq" then mt.__eq = function() log[#log + 1] = "eq" return true end end
  return setmetatable(proxy, mt), store
end

local function dump(t, store)
  local out = {}
  for i = -2, 14 do out[#out + 1] = show(rawget(store or t, i)) end
  return table.concat(out, " ")
end

local KINDS = { "plain", "len", "meta", "badlen", "eq" }
"""


def test_move_matches_c_on_every_path():
    result = run_driver(
        TABLES
        + r"""
        for _, kind in ipairs(KINDS) do
          for _, other in ipairs({ "none", "same", "plain", "meta", "eq" }) do
            for f = -1, 9, 2 do
              for e = f - 1, 12, 3 do
                for t = -1, 11, 2 do
                  local outs = {}
                  for side, move in ipairs({ table.move, W.table.move }) do
                    local log = {}
                    local a, sa = make(kind, log, 8)
                    local b, sb
                    if other == "same" then b, sb = a, sa
                    elseif other ~= "none" then b, sb = make(other, log, 3) end
                    local ok, r = pcall(move, a, f, e, t, b)
                    outs[side] = render(ok, ok and (r == a and "a" or r == b and "b") or r)
                      .. " | " .. dump(a, sa) .. " | " .. (b and dump(b, sb) or "")
                      .. " | " .. table.concat(log, ",")
                  end
                  record(("move(%s, %d, %d, %d, %s)"):format(kind, f, e, t, other), outs[1], outs[2])
                end
              end
            end
          end
        end
        for _, args in ipairs({ { {}, 1, math.maxinteger, 2 }, { {}, math.mininteger, 0, 1 },
                                { {}, 1, 2, math.maxinteger }, { 1, 1, 2, 3 }, { {}, "x", 2, 3 },
                                { {}, 1, 2.5, 3 }, { {}, 1 }, { {}, 1, 2, 3, 4 }, { "abc", 1, 9, 1, {} } }) do
          record("move errors", render(pcall(table.move, table.unpack(args, 1, 5))),
            render(pcall(W.table.move, table.unpack(args, 1, 5))))
        end
        """,
        chunk=2,
    )
    assert result == ""


def test_insert_and_remove_match_c_on_every_path():
    result = run_driver(
        TABLES
        + r"""
        local POS = { -1, 0, 1, 2, 5, 8, 9, 10, "3", 3.0, 2.5, {}, false }
        for _, kind in ipairs(KINDS) do
          for _, pos in ipairs(POS) do
            for nargs = 1, 4 do
              for _, op in ipairs({ "insert", "remove" }) do
                local outs = {}
                for side, lib in ipairs({ table, W.table }) do
                  local log = {}
                  local t, store = make(kind, log, 8)
                  local args = { t, pos, "new", "extra" }
                  local ok, r = pcall(lib[op], table.unpack(args, 1, nargs))
                  outs[side] = render(ok, r) .. " | " .. dump(t, store) .. " | " .. table.concat(log, ",")
                end
                record(("%s(%s, %s) with %d args"):format(op, kind, show(pos), nargs), outs[1], outs[2])
              end
            end
          end
        end
        for _, bad in ipairs({ 1, "x", setmetatable({}, { __name = "Thing" }) }) do
          for _, op in ipairs({ "insert", "remove" }) do
            record(op .. " bad table", render(pcall(table[op], bad, 1, 2)),
              render(pcall(W.table[op], bad, 1, 2)))
          end
        end
        local named = setmetatable({}, { __name = "Named" })
        record("insert named pos", render(pcall(table.insert, {1, 2}, named, 1)),
          render(pcall(W.table.insert, {1, 2}, named, 1)))
        """,
        chunk=2,
    )
    assert result == ""


def test_sort_matches_c_with_and_without_the_lua_comparator():
    result = run_driver(
        r"""
        local Box = {}
        Box.__lt = function(a, b) return a.v < b.v end
        local function boxes(vals)
          local t = {}
          for i, v in ipairs(vals) do t[i] = setmetatable({ v = v, id = i }, Box) end
          return t
        end
        local function ids(t)
          local out = {}
          for i = 1, #t do
            local v = t[i]
            out[i] = type(v) == "table" and (v.v and v.v .. "#" .. v.id or "table") or show(v)
          end
          return table.concat(out, " ")
        end
        local function arrays()
          math.randomseed(7)
          local list = {}
          for n = 0, 40, 3 do
            local nums, strs, dups = {}, {}, {}
            for i = 1, n do
              nums[i] = math.random(-50, 50)
              strs[i] = string.rep(string.char(97 + math.random(0, 3)), math.random(1, 12))
              dups[i] = math.random(1, 3)
            end
            list[#list + 1] = function() return nums end
            list[#list + 1] = function() return strs end
            list[#list + 1] = function() return boxes(dups) end
          end
          list[#list + 1] = function() return { 3, 1, "x" } end
          list[#list + 1] = function() return { 3, nil, 1, 2 } end
          list[#list + 1] = function() return { 0 / 0, 1, 0 / 0, 2, 3, 0 / 0 } end
          list[#list + 1] = function() return { {}, {} } end
          return list
        end
        for i, make in ipairs(arrays()) do
          local comps = { false, function(a, b) return a > b end, function() return true end, "notafunction" }
          for _, comp in ipairs(comps) do
            local outs = {}
            for side, sort in ipairs({ table.sort, W.table.sort }) do
              local t = {}
              for k, v in pairs(make()) do t[k] = v end
              local ok, err
              if comp == false then ok, err = pcall(sort, t) else ok, err = pcall(sort, t, comp) end
              outs[side] = render(ok, err) .. " | " .. ids(t)
            end
            record("sort #" .. i .. " " .. tostring(comp), outs[1], outs[2])
          end
        end
        """,
        sort=4,
        short=3,
    )
    assert result == ""


def test_rep_matches_c_and_returns_at_once_for_empty_strings():
    result = run_driver(
        r"""
        for _, args in ipairs({ { "", 5 }, { "", 5, "" }, { "ab", 3, "," }, { "", 3, "," }, { "", "5" },
                                { "", 2.5 }, { "", {} }, { "", 0 }, { "", -3 }, { 12, 2 }, { "x" }, {} }) do
          record("rep", render(pcall(string.rep, table.unpack(args, 1, 3))),
            render(pcall(W.string.rep, table.unpack(args, 1, 3))))
        end
        local t = os.clock()
        assert(W.string.rep("", math.maxinteger) == "" and W.string.rep("", math.maxinteger, "") == "")
        assert(os.clock() - t < 0.5)
        """
    )
    assert result == ""


def test_long_date_formats_match_c_chunk_by_chunk():
    result = run_driver(
        r"""
        math.randomseed(3)
        local CONV = { "%Y", "%m", "%d", "%H", "%M", "%S", "%p", "%c", "%x", "%X", "%%", "%Ec", "%Oy",
                       "%j", "%a", "%b", "%Z", "%z", "!", "*t", "E", "O", "%%E", " ", "text" }
        local t = 1700000000
        for round = 1, 40 do
          local parts = {}
          local n = math.random(1, 3) == 1 and 20 or 3000
          for i = 1, n do parts[i] = CONV[math.random(#CONV)] end
          if round % 5 == 0 then parts[math.random(#parts)] = "%Q" end
          if round % 7 == 0 then parts[math.random(#parts)] = "%E" end
          local fmt = (round % 2 == 0 and "!" or "") .. table.concat(parts)
          record("date " .. round, render(pcall(os.date, fmt, t)), render(pcall(W.os.date, fmt, t)))
        end
        local runs = string.rep("%%", 5000) .. "%Y" .. string.rep("E", 3000) .. string.rep("%%", 3)
        record("runs of %", render(pcall(os.date, runs, t)), render(pcall(W.os.date, runs, t)))
        local star = "*t\0" .. string.rep("x", 5000)
        record("*t", type(os.date(star, t)), type(W.os.date(star, t)))
        record("bad time", render(pcall(os.date, string.rep("x", 5000), "soon")),
          render(pcall(W.os.date, string.rep("x", 5000), "soon")))
        local now = W.os.date(string.rep("%Y", 3000))
        record("now", os.date(string.rep("%Y", 3000)), now)
        """,
        date=50,
    )
    assert result == ""


def test_load_feeds_the_parser_in_pieces_with_the_same_result():
    result = run_driver(
        r"""
        local function run(f, ...)
          if type(f) ~= "function" then return render(f, ...) end
          return render(pcall(f))
        end
        local chunks = {
          "return 1 + 2",
          "local t = {} " .. string.rep("t[#t + 1] = 'x' ", 50) .. " return #t, t[1]",
          "return " .. string.rep("1 + ", 100) .. "1",
          "local s = [[" .. string.rep("long string ", 30) .. "]] return #s",
          "x = = 1",
          "return 'unfinished",
          string.rep("-- comment\n", 20) .. "return 'after comments'",
          "\27Lua binary",
          "",
        }
        local env = {}
        for i, chunk in ipairs(chunks) do
          record("load #" .. i, run(load(chunk, "=c", "t", env)), run(W.load(chunk, "=c", env)))
          local pieces = { chunk:sub(1, 7), chunk:sub(8) }
          local function reader() return table.remove(pieces, 1) end
          local function big_reader() local c = chunk chunk = nil return c end
          local expected = run(load(reader, "=c", "t", env))
          pieces = { chunk:sub(1, 7), chunk:sub(8) }
          record("reader #" .. i, expected, run(W.load(reader, "=c", env)))
          local saved = chunk
          record("one-piece reader #" .. i, run(load(big_reader, "=c", "t", env)),
            run(W.load((function() chunk = saved return big_reader end)(), "=c", env)))
          chunk = saved
        end
        for _, odd in ipairs({ 42, {}, false }) do
          local function reader(state) local v = state[1] state[1] = nil return v end
          local function with(f) local state = { odd } return function() return f(state) end end
          record("reader returning " .. type(odd),
            run(load(with(reader), "=c", "t", env)), run(W.load(with(reader), "=c", env)))
        end
        """,
        piece=5,
    )
    assert result == ""


# --- attacks on a real engine ----------------------------------------------------------------

POWER_BORDER = (
    "local parts = {} for k = 0, 50 do parts[#parts + 1] = '[' .. (1 << k) .. ']=1' end "
    "local t = load('return {' .. table.concat(parts, ',') .. '}')() "
)
HUGE_LEN = "local t = setmetatable({}, {__len = function() return math.maxinteger // 2 end}) "

ATTACKS = {
    "rep of an empty string": "while true do string.rep('', math.maxinteger) end",
    "rep with an empty separator": "while true do string.rep('', 1 << 62, '') end",
    "move over a huge range": "table.move({}, 1, math.maxinteger // 2, 2)",
    "move backward over a huge range": "local t = {} table.move(t, 1, 1 << 60, 2)",
    "move between tables": "table.move({}, 1, 1 << 60, 5, {})",
    "move of a string's indexes": "table.move('abc', 1, 1 << 60, 1, {})",
    "insert under a huge __len": HUGE_LEN + "table.insert(t, 1, 'x')",
    "remove under a huge __len": HUGE_LEN + "table.remove(t, 1)",
    "insert under a power-of-two border": POWER_BORDER + "table.insert(t, 1, 'x')",
    "remove under a power-of-two border": POWER_BORDER + "table.remove(t, 1)",
    "sort of long strings": (
        "local s = string.rep('a', 1 << 22) local t = {} for i = 1, 20000 do t[i] = s end table.sort(t)"
    ),
    "find with one quantifier": "local s = string.rep('a', 1e6) string.find(s, '.-b')",
    "match with a greedy run": "local s = string.rep('a', 1e6) s:match('%w+=')",
    "balanced match": "local s = string.rep('(', 1e6) s:gsub('%b()', '')",
    "gmatch with a back-reference": "local s = string.rep('a', 1e5) for x in s:gmatch('(.-)%1b') do end",
    "long literal pattern": "local s = string.rep('a', 1e6) s:match(string.rep('a', 1e5) .. 'b')",
    "long plain needle": "local s = string.rep('a', 4e6) s:find(string.rep('a', 1e6) .. 'b', 1, true)",
    "optional items over a number": "string.find(123456789012345, string.rep('%d?', 40) .. 'x')",
    "replacement scanned per match": "string.rep('a', 1e6):gsub('(x*)', string.rep('%1', 5e5))",
    "load of an and-chain": "load('return x' .. string.rep(' and x', 3e5))",
    "load of an elseif chain": "load('if x then ' .. string.rep('elseif x then ', 2e5) .. 'end')",
    "load from a reader of one piece": (
        "local c = 'return x' .. string.rep(' or x', 3e5) load(function() local s = c c = nil return s end)"
    ),
    "date of a huge format": "os.date(string.rep('%p', 1e4):rep(1200))",
}


@pytest.fixture
async def engine():
    """Scripts get half a second without yielding, and the 64 MiB cap of the default config."""
    eng = LuaEngine(make_limits(budget_ms=500, memory_bytes=64 << 20))
    await eng.start()
    try:
        yield eng
    finally:
        await eng.close()


async def ordinary_script_completes(engine: LuaEngine) -> float:
    """Seconds a short script in its own VM takes to complete while the attack runs."""
    vm = new_vm(engine)
    start = time.monotonic()
    source = "local n = 0 for i = 1, 1000 do n = n + i end return n"
    record = await finish(engine.run(vm, vm.compile(source)), 10)
    assert record.state == "COMPLETE" and record.results == [500500]
    return time.monotonic() - start


@pytest.mark.parametrize("source", ATTACKS.values(), ids=ATTACKS.keys())
async def test_the_budget_ends_the_attack(engine, source):
    vm = new_vm(engine)
    start = time.monotonic()
    run = engine.run(vm, vm.compile(source))
    await asyncio.sleep(0.05)
    assert await ordinary_script_completes(engine) < 5
    record = await finish(run, 20)
    assert record.state == "FAILED", record
    assert record.error["message"] == "script ran for more than 500 ms without yielding"
    assert time.monotonic() - start < 15


def test_a_huge_date_format_is_killable_between_chunks():
    """In C, one os.date call over a 100 MB format runs for seconds; chunked, a count hook
    (what stop arms) ends it right away."""
    runtime, bounded = load_bounded()
    outcome = runtime.execute(
        r"""
        local W = ...
        local fmt = string.rep("%p", 1e4):rep(5000)
        local t0 = os.clock()
        local co = coroutine.create(function() return W.os.date(fmt) end)
        debug.sethook(co, function() if os.clock() - t0 > 0.2 then error("killed", 0) end end, "", 1000)
        local ok, err = coroutine.resume(co)
        return ok, err, os.clock() - t0
        """,
        bounded,
    )
    assert outcome[:2] == (False, b"killed")
    assert outcome[2] < 3


@pytest.mark.parametrize(
    "name",
    [
        "rep of an empty string",
        "move over a huge range",
        "insert under a power-of-two border",
        "sort of long strings",
        "find with one quantifier",
        "balanced match",
        "load of an and-chain",
        "date of a huge format",
    ],
)
async def test_stop_ends_the_attack(name):
    engine = LuaEngine(make_limits(budget_ms=None, memory_bytes=64 << 20))
    await engine.start()
    try:
        vm = new_vm(engine)
        run = engine.run(vm, vm.compile(ATTACKS[name]))
        await asyncio.sleep(0.3)
        assert run.running
        start = time.monotonic()
        record = await asyncio.wait_for(run.stop(), 10)
        assert record.state == "CANCELLED"
        assert time.monotonic() - start < 5
        assert await ordinary_script_completes(engine) < 5
    finally:
        await engine.close()


async def test_ordinary_uses_give_what_plain_lua_gives(engine):
    source = r"""
    local t = {1, 2, 3}
    table.insert(t, 1, 0) table.insert(t, 9) local removed = table.remove(t, 2)
    local big = {} for i = 1, 200000 do big[i] = i end
    table.move(big, 1, 150000, 3) table.insert(big, 1, 'first') local second = table.remove(big, 2)
    local words = {} for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w end
    table.sort(words)
    local nums = {} for i = 1, 1000 do nums[i] = (i * 7919) % 1009 end table.sort(nums)
    local long = string.rep("key=value ", 5000)
    local swapped, found = long:gsub("(%w+)=(%w+)", "%2=%1")
    local trimmed = ("   " .. string.rep("x y", 1000) .. "   "):match("^%s*(.-)%s*$")
    local f = load("return " .. string.rep("1 + ", 500) .. "1")
    return table.concat(t, ","), removed, big[1], big[3], #big, second, table.concat(words, " "),
      nums[1], nums[1000], #swapped, found, swapped:sub(1, 20), #trimmed, f(), string.rep("", 10),
      os.date("!%Y-%m-%d " .. string.rep("%H", 3000), 86400 * 365)
    """
    expected = lupa.LuaRuntime().execute(source)
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == list(expected)
