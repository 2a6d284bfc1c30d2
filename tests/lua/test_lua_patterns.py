"""The Lua port of Lua's pattern matcher (``lua_patterns.lua``) against the real C functions:
generated patterns and subjects plus a corpus of tricky ones, every result and every error
message compared. The module is loaded as the sandbox loads it (bytecode, trusted) into a
plain runtime, once with the real limit and once with a limit that sends every call to the
port."""

from __future__ import annotations

import lupa.lua54 as lupa
import pytest

from seraph_kernel.engine.sandbox import PATTERN_LIMIT, pattern_functions

DRIVER = r"""
local C, M, seed, rounds = ...
local P = M.port
math.randomseed(seed)

local function show(...)
  local n = select("#", ...)
  local t = table.pack(...)
  for i = 1, n do
    local v = t[i]
    t[i] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  return n .. ":" .. table.concat(t, ",", 1, n)
end

local mismatches = {}
local function check(label, cf, pf, ...)
  local a = show(pcall(cf, ...))
  local b = show(pcall(pf, ...))
  if a ~= b and #mismatches < 20 then
    local args = table.pack(...)
    for i = 1, args.n do
      args[i] = type(args[i]) == "string" and string.format("%q", args[i]) or tostring(args[i])
    end
    mismatches[#mismatches + 1] = label .. "(" .. table.concat(args, ", ", 1, args.n) .. ")"
      .. "\n  C:    " .. a .. "\n  port: " .. b
  end
end

local function collect(gmatch)
  return function(s, p, init)
    local out = {}
    for a, b, c in gmatch(s, p, init) do
      out[#out + 1] = show(a, b, c)
      if #out > 30 then break end
    end
    return table.concat(out, " | ")
  end
end

local ITEMS = {
  "a", "b", "c", " ", ".", "%a", "%d", "%s", "%w", "%A", "%S", "%p", "%x", "%z", "%%", "%.", "%(",
  "[ab]", "[^a]", "[a-c]", "[%a_]", "[]a]", "[^]]", "[a-]", "[%]]", "[-a]", "[%w%s]", "x", "(", ")",
  "()", "%b()", "%bab", "%f[%w]", "%f[%W]", "%f[a]", "%1", "%2", "%0", "$", "^", "-", "*", "+",
  "?", "\0", "[\0-\31]",
}
local QUANTS = { "", "", "", "*", "+", "-", "?" }
local BAD = { "%", "[a", "%b", "%ba", "%f", "%fa", "%f[a", ")", "(", "%9", "[" }
local CHARS = { "a", "b", "c", " ", "(", ")", "1", "_", "\0", "%", "x", "]", "-" }

local function random_pattern()
  local parts = {}
  if math.random() < 0.25 then parts[1] = "^" end
  for _ = 1, math.random(0, 6) do
    parts[#parts + 1] = ITEMS[math.random(#ITEMS)] .. QUANTS[math.random(#QUANTS)]
  end
  if math.random() < 0.1 then parts[#parts + 1] = BAD[math.random(#BAD)] end
  if math.random() < 0.2 then parts[#parts + 1] = "$" end
  return table.concat(parts)
end

local function random_subject()
  local parts = {}
  for i = 1, math.random(0, 14) do parts[i] = CHARS[math.random(#CHARS)] end
  return table.concat(parts)
end

local REPLS = { "<%0>", "%1-%2", "%%", "x", "", "%x", "%", "%9", "[%1]", 7 }
local TABLE_REPL = setmetatable({ a = "A", b = false },
  { __index = function(_, k) return k == "c" and 3 or nil end })
local function function_repl(...)
  local n = select("#", ...)
  if n == 2 then return false end
  if n == 3 then return {} end
  return n .. ":" .. tostring((...))
end

local function compare(s, p)
  if M.safe(p) then -- the fast path calls C unprotected: C must not raise on a safe pattern
    for _, call in ipairs({ { C.find, s, p }, { C.match, s, p, 2 }, { C.gsub, s, p, "x" } }) do
      local ok, err = pcall(table.unpack(call))
      if not ok and #mismatches < 20 then
        mismatches[#mismatches + 1] = "safe pattern " .. string.format("%q", p) .. " raised " .. err
      end
    end
  end
  check("find", C.find, P.find, s, p)
  check("find", C.find, P.find, s, p, math.random(-5, 16))
  check("find plain", C.find, P.find, s, p, math.random(-5, 5), true)
  check("match", C.match, P.match, s, p)
  check("match", C.match, P.match, s, p, math.random(-5, 16))
  check("gmatch", collect(C.gmatch), collect(P.gmatch), s, p)
  check("gmatch", collect(C.gmatch), collect(P.gmatch), s, p, math.random(-5, 16))
  check("gsub", C.gsub, P.gsub, s, p, REPLS[math.random(#REPLS)])
  check("gsub", C.gsub, P.gsub, s, p, REPLS[math.random(#REPLS)], math.random(-1, 3))
  check("gsub table", C.gsub, P.gsub, s, p, TABLE_REPL)
  check("gsub function", C.gsub, P.gsub, s, p, function_repl)
end

local CORPUS = {
  { "  trim me  ", "^%s*(.-)%s*$" }, { "THE (quick) (fox)", "%b()" }, { "a((b)c)d", "%b()" },
  { "x = 1, y = 22", "(%w+)%s*=%s*(%w+)" }, { "hello world", "%f[%a]%a+" }, { "THE END", "%f[%l]" },
  { "abcabc", "(abc)%1" }, { "aaa", "(a*(.)%w(%s*))" }, { "a.b.c", "%." }, { "x^y", "x^y" },
  { "[[]]", "%[(.-)%]" }, { "a,b,,c", "([^,]*)" }, { "abc", "()a()" }, { "abc", "((a)(b))" },
  { "k=v; k2=v2", "(%w+)=(%w+)" }, { "2024-01-05", "^(%d+)-(%d+)-(%d+)$" }, { "", "^$" },
  { "abc", "a-" }, { "abc", "a*?" }, { "a+b", "a+b" }, { "a\0b\0c", "%z" }, { "a\0b", "[%z]" },
  { "aaa", "^(a-)%1$" }, { "xyz", "%f[%z]" }, { "ab", "(()" }, { "ab", "(a)%2" }, { "ab", "(a%1)" },
  { string.rep("a", 300), string.rep("a?", 210) }, { string.rep("a", 199), string.rep("a?", 199) .. "$" },
  { string.rep("a", 200), string.rep("a?", 200) .. "$" }, { string.rep("a", 50), string.rep("(a)", 33) },
  { string.rep("a", 50), string.rep("()", 32) .. "a" },
  { string.rep("(", 40) .. string.rep(")", 39), "%b()" },
  { "[a]", "[]]" }, { "[a]", "[^]]+" }, { "a-b", "[a-]+" }, { "-a", "[%-a]+" }, { "a]b", "[%]]" },
  { "\255\128abc", "[\128-\255]+" }, { "caf\195\169", "[\0-\127\194-\244][\128-\191]*" },
}

for _, case in ipairs(CORPUS) do compare(case[1], case[2]) end
for _ = 1, rounds do
  local p = random_pattern()
  for _ = 1, 4 do compare(random_subject(), p) end
end
return #mismatches == 0 and "" or table.concat(mismatches, "\n")
"""


def load_patterns(limit: float):
    """The module as the sandbox loads it (through lazy_chunks.lua), in a plain runtime."""
    runtime = lupa.LuaRuntime(encoding=None)
    load_binary = runtime.eval("function(code) return assert(load(code, '=lua_patterns', 'b')) end")
    return runtime, pattern_functions(runtime, load_binary, limit).module()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_port_matches_the_c_functions(seed):
    runtime, module = load_patterns(PATTERN_LIMIT)
    driver = runtime.compile(DRIVER)
    mismatches = driver(runtime.eval("string"), module, seed, 1500)
    assert mismatches == b""


def test_dispatch_always_to_the_port_matches_c():
    """Every call through the public functions (numbers, odd init values, argument errors)
    with a limit that sends all of them to the port."""
    runtime, module = load_patterns(-1e18)
    result = runtime.execute(
        r"""
        local C, M = string, ...
        local out = {}
        local function show(...)
          local t = table.pack(...)
          for i = 1, t.n do t[i] = tostring(t[i]) end
          return t.n .. ":" .. table.concat(t, ",", 1, t.n)
        end
        local function both(name, ...)
          local a, b = show(pcall(C[name], ...)), show(pcall(M[name], ...))
          if a ~= b then out[#out + 1] = name .. ": " .. a .. " ~= " .. b end
        end
        both("find", 12345, 3)
        both("find", "abc", "b", "2")
        both("find", "abc", "b", 2.0)
        both("find", "abc", "b", 2.5)
        both("find", "abc", "b", {})
        both("find", "a.c", ".", 1, true)
        both("find", "abc")
        both("find")
        both("match", 3.5, "%d")
        both("match", "key=val", "(%w+)=(%w+)", -7)
        both("gsub", "hello", "l", 1)
        both("gsub", "hello", "l", "L", "1")
        both("gsub", "hello", "l", "L", 1.5)
        both("gsub", "hello", "l")
        both("gsub", "hello", "l", nil)
        both("gsub", "hello", "l", true)
        both("gsub", 1234, 2, 9)
        local c, m = C.gmatch("a1b22", "%d+", "2"), M.gmatch("a1b22", "%d+", "2")
        for _ = 1, 3 do
          local a, b = show(c()), show(m())
          if a ~= b then out[#out + 1] = "gmatch: " .. a .. " ~= " .. b end
        end
        return table.concat(out, "\n")
        """,
        module,
    )
    assert result == b"", result.decode()


@pytest.mark.parametrize(
    ("pattern", "length", "mode", "in_c"),
    [
        ("(%w+)=(%w+)", 200, "gsub", True),
        ("%s+", 10_000_000, "gsub", True),
        ("[^\n]+", 10_000_000, "gmatch", True),
        ("^%s*(%w+)", 10_000_000, "match", True),
        ("needle", 10_000_000, "gsub", True),
        (".-b", 10_000, "match", False),
        ("%w+=", 10_000, "match", False),
        ("%b()", 100_000, "gsub", False),
        ("(.-)%1", 5_000, "match", False),
        ("a?" * 20 + "b", 30, "match", False),
        ("x" * 5_000, 1_000_000, "gsub", False),
    ],
)
def test_the_cost_model_keeps_linear_patterns_in_c_and_sends_backtracking_to_the_port(
    pattern, length, mode, in_c
):
    _, module = load_patterns(PATTERN_LIMIT)
    assert (module.max_length(pattern.encode(), mode) >= length) is in_c
