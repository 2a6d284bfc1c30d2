"""How a cell is read: magic lines, Lua parts with stable line numbers, the value to show,
and whether ``jupyter console`` should ask for another line."""

from __future__ import annotations

import pytest

from seraph_kernel.kernel.cell_source import LuaPart, MagicCall, is_complete, plan_lua, split_cell


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 1", "return 1 + 1"),
        ("x = 1\nx", "x = 1\nreturn x"),
        ("print(1); 2", "print(1); return 2"),
        ('print("a")\n"done"', 'print("a")\nreturn "done"'),
        ("{\n  1,\n  2\n}", "return {\n  1,\n  2\n}"),
        ("return 5", "return 5"),
        ("x = f\n(1)", "x = f\n(1)"),
        ("for i = 1, 2 do end", "for i = 1, 2 do end"),
    ],
)
def test_the_last_expression_is_returned(source, expected):
    plan = plan_lua(source)
    assert plan.source == expected
    assert plan.shows_value


def test_a_trailing_semicolon_runs_quietly():
    plan = plan_lua("t;")
    assert plan.source == "return t"
    assert not plan.shows_value
    assert not plan_lua("x = 1;").shows_value


def test_magic_lines_split_the_cell_and_keep_line_numbers():
    parts = split_cell("%use bot-1\nx = 1\n%warp MINEWORLD --bot bot-2\nx")
    assert parts[0] == MagicCall("use", "bot-1", None, 1)
    assert isinstance(parts[1], LuaPart) and parts[1].source.split("\n")[1] == "x = 1"
    assert parts[2] == MagicCall("warp", "MINEWORLD --bot bot-2", None, 3)
    assert parts[3].source.split("\n")[3] == "x"


def test_a_cell_magic_takes_the_whole_body():
    (call,) = split_cell("%%script farm --bot bot-1\nprint(1)\n%not_a_line_magic")
    assert call.is_cell
    assert (call.name, call.args) == ("script", "farm --bot bot-1")
    assert call.body == "print(1)\n%not_a_line_magic"


@pytest.mark.parametrize(
    ("code", "status", "indent"),
    [
        ("x = 1", "complete", ""),
        ("x", "complete", ""),
        ("for i = 1, 3 do", "incomplete", "  "),
        ("if x then\n  y = {", "incomplete", "    "),
        ("s = [[long", "incomplete", ""),
        ("f(", "incomplete", "  "),
        ("x = = 1", "invalid", ""),
        ("%lsmagic", "complete", ""),
        ("%%lua\nwhile true do", "incomplete", "  "),
    ],
)
def test_is_complete_uses_the_lua_parser(code, status, indent):
    assert is_complete(code) == (status, indent)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("local n: number = 1\nn += 1\nn", "local n: number = 1\nn += 1\nreturn n"),
        ("if ready then 1 else 2", "return if ready then 1 else 2"),
        ("local n = 2\n`{n} gems`", "local n = 2\nreturn `{n} gems`"),
        ("(value :: number)", "return (value :: number)"),
        ("x += 1", "x += 1"),
    ],
)
def test_the_last_luau_expression_is_returned(source, expected):
    assert plan_lua(source).source == expected


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("local x: number = 1", "complete"),
        ("for _, v in items do\n  if v then continue", "incomplete"),
        ("local x = if ready then", "incomplete"),
        ("x += ", "incomplete"),
        ("type Point = {", "incomplete"),
        ("local s = `{}`", "invalid"),
        ("while ok do end\ncontinue\nx = 1", "invalid"),
    ],
)
def test_is_complete_reads_luau(code, status):
    assert is_complete(code)[0] == status
