"""Every statement stays on its line: an error on line N of the Luau source says line N."""

from __future__ import annotations

import pytest

from seraph_kernel.dialect import translate

LUAU = """--!strict
@native
local function clamp01<T>(x: number): number -- annotated
  return if x < 0 then 0 elseif x > 1 then 1 else x
end
type Pair<K, V> = {
  key: K,
  value: V,
}
local items: {Pair<string, number>} = {
  {key = "a", value = 1},
  {key = "b", value = 2},
}
local total = 0
for _, item in items do
  if item.value > 1 then
    continue
  end
  total += item.value
end
local label = `total={total} clamp={clamp01(total / 3)}`
local n = (total :: any) + 0b1
repeat
  n -= 1
until n <= 0
error(label)
"""


def test_line_count_is_kept():
    out = translate(LUAU)
    assert out.count("\n") == LUAU.count("\n")


@pytest.mark.parametrize("line", [1, 2, 6, 10, 15, 16, 19, 21, 23, 24, 26])
def test_runtime_error_names_the_users_line(lua, line):
    lines = LUAU.splitlines()
    lines.insert(line - 1, 'error("boom")')
    assert lua.error("\n".join(lines)) == f"executor:{line}: boom"


def test_error_after_multi_line_constructs(lua):
    assert lua.error(LUAU) == "executor:26: total=1 clamp=0.3333333333333333"


def test_each_statement_starts_on_its_line():
    src = "local t = {}\nt.x = 1\nt.x += 1\nt[1] = 0\nt[#t] ..= 'a'\nlocal s = `{t.x}`\nprint(s)"
    out = translate(src).splitlines()
    for number, line in enumerate(src.splitlines()):
        first_word = line.split()[0]
        assert first_word in out[number] or "__luau_t" in out[number], (number, out[number])


def test_runtime_error_inside_translated_expressions(lua):
    src = "local x = 1\nlocal s = `{x}` .. (if x then nil else 1)\n"
    assert lua.error(src).startswith("executor:2:")
    src2 = "local t = {}\n\nt.a.b += 1"
    assert lua.error(src2).startswith("executor:3:")


def test_windows_line_endings(lua):
    src = "local x: number = 1\r\nx += 1\r\nerror(`x={x}`)\r\n"
    assert lua.error(src) == "executor:3: x=2"
