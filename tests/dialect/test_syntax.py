"""Each Luau syntax feature, translated and run, against what the Luau reference defines."""

from __future__ import annotations

import pytest

from seraph_kernel.dialect import LuauSyntaxError, translate

# -- compound assignment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "start", "value", "expected"),
    [
        ("+=", "7", "2", "9"),
        ("-=", "7", "2", "5"),
        ("*=", "7", "2", "14"),
        ("/=", "7", "2", "3.5"),
        ("//=", "7", "2", "3"),
        ("%=", "7", "2", "1"),
        ("^=", "7", "2", "49"),
        ("..=", '"a"', '"b"', "ab"),
    ],
)
def test_compound_operators(lua, op, start, value, expected):
    assert lua.run(f"local x = {start}\nx {op} {value}\nprint(x)") == [expected]


def test_compound_on_index_evaluates_table_and_key_once(lua):
    src = """
local calls, t = 0, {5, 6}
local function f() calls += 1 return 2 end
local function tab() calls += 10 return t end
t[f()] += 1
tab()[f()] *= 2
print(t[2], calls)
"""
    assert lua.run(src) == ["14\t12"]


def test_compound_on_fields_and_chains(lua):
    src = """
local a = {b = {c = 1}, n = 2}
a.b.c += 4
a.n ..= "x"
local k = "c"
a.b[k] -= 1
print(a.b.c, a.n)
"""
    assert lua.run(src) == ["4\t2x"]


def test_compound_value_is_one_value_with_precedence(lua):
    src = """
local function two() return 3, 4 end
local x = 2
x *= two()
x -= 1 + 1
print(x)
"""
    assert lua.run(src) == ["4"]


def test_compound_keeps_its_line(lua):
    out = translate("local t = {}\nt[\n1\n] = 0\nt[1]\n+=\n5\nprint(t[1])")
    assert out.count("\n") == 7
    assert lua.run("local t = {}\nt[\n1\n] = 0\nt[1]\n+=\n5\nprint(t[1])") == ["5"]


def test_compound_with_if_expression_value(lua):
    assert lua.run("local x = 1\nlocal c = false\nx += if c then 10 else 20\nprint(x)") == ["21"]


# -- continue ------------------------------------------------------------------------------


def test_continue_in_numeric_for(lua):
    src = "local s = 0\nfor i = 1, 10 do\n  if i % 2 == 0 then continue end\n  s += i\nend\nprint(s)"
    assert lua.run(src) == ["25"]


def test_continue_in_while_and_generic_for(lua):
    src = """
local i, s = 0, 0
while i < 10 do
  i += 1
  local skip = i > 3
  if skip then continue end
  s += i
end
local names = {}
for _, v in ipairs({"a", "b", "c"}) do
  if v == "b" then continue end
  table.insert(names, v)
end
print(s, table.concat(names))
"""
    assert lua.run(src) == ["6\tac"]


def test_continue_in_nested_loops_targets_the_inner_one(lua):
    src = """
local out = {}
for i = 1, 3 do
  for j = 1, 3 do
    if j == 2 then continue end
    out[#out + 1] = i .. j
  end
  if i == 2 then continue end
  out[#out + 1] = "|"
end
print(table.concat(out, " "))
"""
    assert lua.run(src) == ["11 13 | 21 23 31 33 |"]


def test_continue_in_repeat_evaluates_the_condition(lua):
    src = """
local i, seen = 0, {}
repeat
  local n = i
  i += 1
  if n % 2 == 1 then continue end
  local shown = n * 10
  seen[#seen + 1] = shown
until n >= 6
print(table.concat(seen, ","), i)
"""
    assert lua.run(src) == ["0,20,40,60\t7"]


def test_continue_in_repeat_reading_a_later_local_is_rejected():
    src = "repeat\n  if x then continue end\n  local done = true\nuntil done"
    with pytest.raises(LuauSyntaxError) as info:
        translate(src)
    assert info.value.line == 4
    assert "continue statement on line 2" in info.value.message


def test_continue_before_a_final_return(lua):
    src = (
        "local n = 0\nfor i = 1, 3 do\n  n += 1\n  if i < 3 then continue end\n  do return print(n) end\nend"
    )
    assert lua.run(src) == ["3"]
    src2 = (
        "local function f()\n  for i = 1, 3 do\n    if i < 2 then continue end\n    return i\n  end\nend\n"
        "print(f())"
    )
    assert lua.run(src2) == ["2"]


def test_continue_outside_a_loop_is_an_error():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local x = 1\nfor i = 1, 2 do local f = function() continue end end")
    assert info.value.line == 2
    assert "inside a loop" in info.value.message


def test_continue_as_a_name(lua):
    src = "local continue = 1\ncontinue = continue + 1\nlocal t = {continue = continue}\nprint(t.continue)"
    assert lua.run(src) == ["2"]


# -- if-then-else expressions ------------------------------------------------------------


def test_if_expression_chains(lua):
    src = """
local function grade(n: number): string
  return if n >= 90 then "A" elseif n >= 80 then "B" else "C"
end
local function pick(c, a, b) return if c then a else b end
print(grade(95), grade(85), grade(10), pick(true, false, 1), pick(false, 1, nil))
"""
    assert lua.run(src) == ["A\tB\tC\tfalse\tnil"]


def test_if_expression_is_lazy_and_yields_one_value(lua):
    src = """
local calls = 0
local function two() calls += 1 return 1, 2 end
local function boom() error("evaluated") end
local a, b = if true then two() else boom()
print(a, b, calls, select("#", if false then 1 else two()))
"""
    assert lua.run(src) == ["1\tnil\t1\t1"]


def test_if_expression_in_function_arguments_and_tables(lua):
    src = """
local x = 3
local t = {if x > 2 then "big" else "small", key = if x < 0 then -1 else 1}
print(if x == 3 then "three" else "other", t[1], t.key, (if x then math.max else math.min)(1, 5))
"""
    assert lua.run(src) == ["three\tbig\t1\t5"]


def test_if_expression_passes_varargs(lua):
    src = """
local function first(...)
  return if select("#", ...) > 0 then ... else "none"
end
print(first(), first("a", "b"))
"""
    assert lua.run(src) == ["none\ta"]


def test_if_expression_needs_else():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local a = 1\nlocal x = if a then 1\nprint(x)")
    assert info.value.line == 2
    assert "else" in info.value.message


def test_if_expression_nested_across_lines(lua):
    src = (
        "local a, b = false, true\nlocal x = if a\n  then 1\n  elseif b then\n    if a then 2 else 3\n"
        "  else 4\nprint(x)"
    )
    out = translate(src)
    assert out.count("\n") == src.count("\n")
    assert lua.run(src) == ["3"]


# -- string interpolation ----------------------------------------------------------------


def test_interpolation_basics(lua):
    src = 'local name, n = "Ada", 3\nprint(`{name} has {n} gems`, `{n / 2}`, `plain`, `{n}{n}`)'
    assert lua.run(src) == ["Ada has 3 gems\t1.5\tplain\t33"]


def test_interpolation_formats_numbers_as_luau(lua):
    assert lua.run("print(`{10 / 2} {2^53} {0.1 + 0.2} {7 // 2}`)") == [
        "5 9007199254740992 0.30000000000000004 3"
    ]


def test_interpolation_escapes_and_braces(lua):
    src = r"""local t = {1, 2}
print(`\{literal} \`tick\` "quoted" {#t} {t[2]}\n{ {1, 2} ~= nil }`)"""
    assert lua.run(src) == ['{literal} `tick` "quoted" 2 2\ntrue']


def test_interpolation_nested(lua):
    src = "local a, b = 1, 2\nprint(`outer {`inner {a + b}`} {if a > 0 then `pos {a}` else 'neg'}`)"
    assert lua.run(src) == ["outer inner 3 pos 1"]


def test_interpolation_calls_tostring_metamethod(lua):
    src = 'local p = setmetatable({}, {__tostring = function() return "P!" end})\nprint(`<{p}>`)'
    assert lua.run(src) == ["<P!>"]


def test_interpolation_double_brace_is_an_error():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local x = 1\nprint(`{{x}}`)")
    assert info.value.line == 2
    assert "double braces" in info.value.message


def test_interpolation_multi_line_expression_keeps_lines(lua):
    src = "local v = 2\nprint(`a{\nv\n+ 1}b`)\nerror('here')"
    assert translate(src).count("\n") == 4
    assert lua.error(src) == "executor:5: here"


# -- generalized iteration ---------------------------------------------------------------


def test_generalized_iteration_over_tables(lua):
    src = """
local seen = {}
for i, v in {"a", "b", "c"} do seen[#seen + 1] = i .. v end
local n = 0
for k, v in {x = 1, y = 2} do n += v end
print(table.concat(seen, ","), n)
"""
    assert lua.run(src) == ["1a,2b,3c\t3"]


def test_generalized_iteration_uses_iter_metamethod(lua):
    src = """
local Range = {}
Range.__iter = function(r)
  local i = r.from - 1
  return function() i += 1 if i <= r.to then return i end end
end
local r = setmetatable({from = 2, to = 4}, Range)
local out = {}
for i in r do out[#out + 1] = i end
print(table.concat(out, ","))
"""
    assert lua.run(src) == ["2,3,4"]


def test_generalized_iteration_keeps_functions_and_callables(lua):
    src = """
local function counter(n)
  local i = 0
  return function() i += 1 if i <= n then return i end end
end
local total = 0
for i in counter(3) do total += i end
local callable = setmetatable({}, {__call = function(_, _, last)
  last = (last or 0) + 1
  if last <= 2 then return last end
end})
for i in callable do total += i * 100 end
for k, v in pairs({5}) do total += v end
for k, v in next, {7} do total += v end
print(total)
"""
    assert lua.run(src) == ["318"]


def test_generalized_iteration_over_a_number_fails_like_luau(lua):
    assert "attempt to iterate over a number value" in lua.error("for x in 5 do end")


# -- types -------------------------------------------------------------------------------


def test_type_annotations_are_removed(lua):
    src = """
local x: number = 1
local y: {string}, z: {[string]: number}? = {"a"}, nil
local function f(a: number, b: {string}, ...: any): (number, string)
  return a + #b, "ok"
end
local g = function(self: any, cb: (number) -> ()): ...number return 1, 2 end
for i: number = 1, 1 do x += i end
for k: string, v: number in pairs({a = 1}) do x += v end
print(x, f(1, y))
print(g(nil, print))
"""
    assert lua.run(src) == ["3\t2\tok", "1\t2"]


def test_method_definitions_with_types_keep_the_method_name(lua):
    src = """
local obj = {n = 1}
function obj:add(x: number, y: number?): number return self.n + x + (y or 0) end
function obj.twice(self: any, x: number) return 2 * x end
function obj:name(): string return "obj" end
function obj.new(n: number): typeof(setmetatable({}, {})) return {n = n} end
function obj.pair(): typeof(obj)? return obj end
local a: number, b = obj:add(1, 2), obj:twice(3)
for i: number, v: string in ipairs({"x"}) do print(i, v) end
print(a, b, obj:name(), obj.new(5).n, obj.pair() == obj)
"""
    assert lua.run(src) == ["1\tx", "4\t6\tobj\t5\ttrue"]


def test_type_declarations_multi_line_keep_lines(lua):
    src = """type Point = {
  x: number,
  y: number,
}
export type Shape<T = number> =
  | { kind: "circle", r: T }
  | { kind: "square", side: T }
type Callback = <T...>(T...) -> ()
type Fields = { read name: string, write count: number }
type function Optional(t)
  if t then return t end
  local q = if t then 1 else 2
  return t
end
error("line 15")"""
    assert translate(src).count("\n") == src.count("\n")
    assert lua.error(src) == "executor:15: line 15"


def test_casts(lua):
    src = """
local function two() return 1, 2 end
local a = (two() :: any)
local t = {two() :: number}
local n = 5 :: number + 1
print(a, #t, n, select("#", two() :: any))
"""
    assert lua.run(src) == ["1\t1\t6\t1"]


def test_generics_and_explicit_instantiation(lua):
    src = """
local function id<T>(x: T): T return x end
local function pair<K, V...>(k: K, ...: V...): (K, V...) return k, ... end
local m = {}
function m.get<T>(self, x: T) return x end
print(id<<number>>(4), pair<<string, number>>("a", 1), m:get(2), id<<{ [string]: Map<string, number> }>>(3))
"""
    assert lua.run(src) == ["4\ta\t2\t3"]


def test_attributes(lua):
    src = (
        "@native\nlocal function f() return 1 end\n@checked @deprecated function g() return 2 end\n"
        "print(f(), g())"
    )
    assert lua.run(src) == ["1\t2"]


def test_numbers(lua):
    assert lua.run(
        "print(0b1010, 0B11, 1_000_000, 0xFF_FF, 1_0.5, 9007199254740993, 0xFFFFFFFFFFFFFFFF)"
    ) == ["10\t3\t1000000\t65535\t10.5\t9007199254740992\t18446744073709552000"]


def test_type_and_typeof_as_names(lua):
    src = """
local function type_of(x) return type(x) end
print(type(1), typeof(2), type_of("s"))
local t = {type = "x"}
t.type = "y"
local type = "shadow"
print(t.type, type)
"""
    assert lua.run(src) == ["number\tnumber\tstring", "y\tshadow"]


def test_luau_string_escapes(lua):
    src = r"""print("a\{b\}c", "\65\x42\u{43}", "x\z
        y")"""
    assert lua.run(src) == ["a{b}c\tABC\txy"]
