"""Request parsing: every bad value is refused with the field it concerns, never passed on."""

from __future__ import annotations

import pytest

from seraph_ext.handlers.errors import ACTION_STATUS, error_body
from seraph_ext.handlers.params import (
    MAX_QUERY_TIMEOUT_MS,
    nested_deeper_than,
    optional_int,
    parse_body,
    query_bool,
    query_timeout_ms,
    require_int,
    require_str,
)
from seraph_kernel.commands import action_error
from seraph_kernel.errors import InvalidArgument, LuaCompileError, UnknownBot
from seraph_kernel.vocab import ERROR_CODES


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "expected a JSON object, got an empty body"),
        (b"{bad", "malformed JSON"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'"text"', "expected a JSON object, got str"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "nested deeper than 128 levels"),
        (b'{"a": ' + b"[" * 128 + b"]" * 128 + b"}", "nested deeper than 128 levels"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": 1e400}', "out of range"),
        (b'{"a": "\\udbff"}', "lone surrogate"),
    ],
)
def test_bad_bodies_name_the_body(raw, message):
    with pytest.raises(InvalidArgument, match=message) as err:
        parse_body(raw)
    assert err.value.field == "body"


def test_depth_counts_arrays_and_objects_without_recursion():
    assert parse_body(b'{"a": ' + b"[" * 127 + b"]" * 127 + b"}")["a"] is not None
    assert not nested_deeper_than(5, 0)
    assert nested_deeper_than({"a": [{"b": []}]}, 3) and not nested_deeper_than({"a": [{"b": []}]}, 4)
    deep: list = []
    for _ in range(50_000):
        deep = [deep]
    assert nested_deeper_than(deep, 49_999) and not nested_deeper_than(deep, 50_001)


def test_optional_body_may_be_empty_but_not_malformed():
    assert parse_body(b"  ", required=False) == {}
    with pytest.raises(InvalidArgument):
        parse_body(b"nope", required=False)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "required"),
        (5, "expected a string, got a number"),
        ("", "must not be empty"),
        ("x" * 300, "longer"),
    ],
)
def test_strings_are_checked(value, message):
    with pytest.raises(InvalidArgument, match=f"world: {message}"):
        require_str({"world": value}, "world")


@pytest.mark.parametrize("value", [True, 1.5, "3", [1], {"a": 1}])
def test_integers_refuse_other_json_types(value):
    with pytest.raises(InvalidArgument, match="x: expected an integer"):
        require_int({"x": value}, "x")


def test_integer_bounds_and_absence():
    assert require_int({"x": 7}, "x", 0, 10) == 7
    with pytest.raises(InvalidArgument, match="at most 10"):
        require_int({"x": 11}, "x", 0, 10)
    assert optional_int({}, "timeout_ms") is None


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("1500", 1500), (" 7 ", 7)])
def test_query_timeout(value, expected):
    assert query_timeout_ms(value) == expected


def test_huge_query_timeout_is_clamped_and_bad_ones_refused():
    assert query_timeout_ms(str(10**30)) == MAX_QUERY_TIMEOUT_MS
    for bad in ("-5", "0", "soon", "1.5"):
        with pytest.raises(InvalidArgument, match="timeout_ms"):
            query_timeout_ms(bad)


def test_query_bool():
    assert query_bool(None, "wait") is False
    assert query_bool("TRUE", "wait") is True
    assert query_bool("0", "wait") is False
    with pytest.raises(InvalidArgument, match="wait: expected true or false"):
        query_bool("maybe", "wait")


def test_every_action_code_has_a_client_error_or_gateway_status():
    for code in ERROR_CODES:
        status, body = error_body(500, action_error(code), True)
        assert body == {"error": str(action_error(code)), "code": code}
        assert body["error"].startswith(f"{code}: ")
        assert status == ACTION_STATUS.get(code, 409)
        assert 400 <= status < 500 or status == 504


def test_seraph_errors_keep_their_status_and_exact_text():
    assert error_body(500, UnknownBot("bot-99"), True) == (404, {"error": "unknown bot: bot-99"})
    compile_error = LuaCompileError("lua compile: 1: unexpected symbol near 'end'")
    assert error_body(500, compile_error, True) == (500, {"error": str(compile_error)})
    assert error_body(500, InvalidArgument("x", "required"), True) == (
        400,
        {"error": "x: required", "field": "x"},
    )


def test_unexpected_exceptions_are_500_with_a_message():
    status, body = error_body(500, KeyError("boom"), True)
    assert status == 500
    assert body["error"].startswith("internal error: KeyError")
