"""Plain Lua 5.4 sources keep their meaning: they are returned unchanged and run the same."""

from __future__ import annotations

import pytest

from seraph_kernel.dialect import is_luau, translate

LUA54_SOURCES = {
    "goto": """
local out = {}
for i = 1, 5 do
  if i % 2 == 0 then goto skip end
  out[#out + 1] = i
  ::skip::
end
print(table.concat(out, ","))
""",
    "bitwise": """local a, b = 0xF0, 0x3C
print(a & b, a | b, a ~ b, ~a, a << 4, a >> 2)
print(7 // 2, 7.0 // 2, -7 // 2)""",
    "close": """
local log = {}
do
  local h <close> = setmetatable({}, {__close = function() log[#log + 1] = "closed" end})
  local k <const> = 42
  log[#log + 1] = tostring(k)
end
print(table.concat(log, " "))
""",
    "integers": """print(10 / 2, 3, 3.0, math.type(1), math.type(1.0))
print(1e100, 2^63, math.maxinteger + 1 == math.mininteger)""",
    "chains": """
local obj = {v = 1}
function obj:inc(n) self.v = self.v + n return self end
local a = {b = obj}
a.b:inc(1):inc(2)
print(a.b.v, ("x"):rep(3), #"abc")
""",
    "long strings and comments": """
local s = [==[ a ]] b ]=] c ]==] -- a comment with [[ brackets ]]
--[==[ a long
comment ]==]
local t = [[
line]]
print(s, t, "--not a comment", '\\65')
""",
    "varargs and multiple returns": """
local function f(...) return select("#", ...), ... end
print(f(1, nil, 3))
print((f(1, 2)))
""",
    "metatables": """
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__tostring = function(v) return "V(" .. v.x .. ")" end
print(tostring(setmetatable({x = 1}, V) + setmetatable({x = 2}, V)))
""",
    "for loops": """
local n = 0
for k, v in pairs({a = 1, b = 2}) do n = n + v end
for i, v in ipairs({10, 20}) do n = n + i * v end
for w in ("a b c"):gmatch("%a") do n = n + 1 end
for i = 10, 1, -3 do n = n + i end
print(n)
""",
}


@pytest.mark.parametrize("name", sorted(LUA54_SOURCES))
def test_lua54_source_is_returned_unchanged(name):
    src = LUA54_SOURCES[name]
    assert not is_luau(src)
    assert translate(src) == src


@pytest.mark.parametrize("name", sorted(LUA54_SOURCES))
def test_lua54_source_runs_identically(make_lua, name):
    src = LUA54_SOURCES[name]
    plain = make_lua(luau_numbers=False).run(src, luau=False)
    translated = make_lua(luau_numbers=False).run(src, luau=True)
    assert translated == plain


def test_lua54_integer_float_printing_is_untouched_without_luau_numbers(make_lua):
    lua = make_lua(luau_numbers=False)
    assert lua.run("print(10 / 2, 7 // 2, 2^2, string.format('%s', 1.0))") == ["5.0\t3\t4.0\t1.0"]


def test_generic_for_over_a_table_is_the_one_rewrite(make_lua):
    src = "local n = 0\nfor k, v in {4, 5} do n = n + v end\nprint(n)"
    out = translate(src)
    assert "__luau_iter" in out
    assert out.count("\n") == src.count("\n")
    assert make_lua(luau_numbers=False).run(src) == ["9"]


def test_luau_detection():
    assert is_luau("local x: number = 1")
    assert is_luau("x += 1")
    assert is_luau("print(`a`)")
    assert not is_luau("print('a')")
    assert not is_luau("local x <const> = 1 goto done ::done::")
