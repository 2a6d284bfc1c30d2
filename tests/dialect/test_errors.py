"""Syntax errors: LuauSyntaxError with the user's line and a message about the user's code."""

from __future__ import annotations

import pytest

from seraph_kernel.dialect import LuauSyntaxError, translate

CASES = [
    # (source, line, words the message must contain)
    ("local x: number = 1\nlocal function f()\n  print(x)\n", 4, ["'end' expected", "line 2"]),
    ("local x: number = 1\nif x then\n  x += 1\nelse\n", 5, ["'end' expected", "line 2"]),
    ("local s: string = `abc\nprint(s)", 1, ["interpolated string"]),
    ("local t: {number} = {1, 2\nprint(t)", 2, ["'}' expected"]),
    ("local a: number = 1\nx = = 1", 2, ["unexpected symbol"]),
    ("local a: number = 1\nlocal s = 'abc\nprint(s)", 2, ["unfinished string"]),
    ("local a: number = 1\n--[[ never closed\n", 3, ["unfinished long comment", "line 2"]),
    ("local a: number = 1\nlocal b = [==[ open\n", 3, ["unfinished long string"]),
    ("local x: = 1", 1, ["expected type"]),
    ("local y = 1\nlocal x = (y :: )", 2, ["expected type"]),
    ("local y = 1\ntype T\nlocal z = 2", 3, ["expected '='"]),
    ("local y = 1\nprint(`{}`)", 2, ["expected"]),
    ("local y = 1\ny += ", 2, ["expected"]),
    ("local y: number = 0b102", 1, ["malformed number"]),
    ("local y = 1 $", 1, ["unexpected symbol near '$'"]),
]


@pytest.mark.parametrize(("src", "line", "words"), CASES)
def test_syntax_error_line_and_message(src, line, words):
    with pytest.raises(LuauSyntaxError) as info:
        translate(src)
    err = info.value
    assert err.line == line, str(err)
    for word in words:
        assert word in err.message, str(err)
    assert str(err) == f"{err.line}: {err.message}"
    assert "__luau" not in err.message


def test_plain_lua_syntax_error_gets_luas_message():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local function f()\n  return 1\n\nprint(f())")
    assert info.value.line == 4
    assert info.value.message == "'end' expected (to close 'function' at line 1) near 'print'"


def test_invalid_lua_escape_is_reported_where_luau_also_rejects():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local x: number = 1\nlocal s = '\\u{110000}'")
    assert info.value.line == 2
    with pytest.raises(LuauSyntaxError) as info:
        translate("local x: number = 1\nlocal s = '\\x4'")
    assert info.value.line == 2
    assert "hexadecimal digit expected" in info.value.message


def test_source_too_large():
    with pytest.raises(LuauSyntaxError) as info:
        translate("x = 1\n" * 1_000_000)
    assert "too large" in info.value.message


def test_deep_nesting_is_an_error_not_a_crash():
    src = "local x: number = " + "(" * 500 + "1" + ")" * 500
    with pytest.raises(LuauSyntaxError):
        translate(src)
    deep_if = "local x: number = " + "if true then " * 400 + "1" + " else 2" * 400
    with pytest.raises(LuauSyntaxError):
        translate(deep_if)


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("local x: number = if a then", "expected 'else' when parsing if-then-else expression near <eof>"),
        ("local y = if a then 1 else", "incomplete if-then-else expression near <eof>"),
        ("x += ", "expected an expression after '+=' near <eof>"),
        ("local function f()", "'end' expected near <eof>"),
        ("for i = 1, 2 do", "'end' expected near <eof>"),
    ],
)
def test_unfinished_input_says_eof(src, message):
    with pytest.raises(LuauSyntaxError) as info:
        translate(src)
    assert info.value.message == message


@pytest.mark.parametrize(
    "src", ["while ok do continue", "for k, v in t do\n  if v then continue", "repeat continue"]
)
def test_continue_in_an_unfinished_loop_is_unfinished_input(src):
    """A kernel asks for another line on ``near <eof>``: a half-typed loop is not an error
    about ``continue`` being outside a loop."""
    with pytest.raises(LuauSyntaxError) as info:
        translate(src)
    assert info.value.message.endswith("near <eof>"), str(info.value)


def test_continue_outside_any_loop_is_still_refused():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local x: number = 1\ncontinue")
    assert (info.value.line, info.value.message) == (2, "continue statement must be inside a loop")


def test_a_lone_surrogate_is_invalid_utf8_at_its_line():
    with pytest.raises(LuauSyntaxError) as info:
        translate("local a = 1\nlocal s = '\ud800'")
    assert (info.value.line, info.value.message) == (2, "invalid UTF-8")


def test_a_too_deep_source_says_so_without_a_traceback():
    with pytest.raises(LuauSyntaxError) as info:
        translate("return " + "(" * 300 + "1" + ")" * 300)
    assert info.value.message in ("C stack overflow", "chunk has too many syntax levels")
