"""Untrusted sizes: every Luau library function that could loop in C or fill memory on a
size the script chose errors clearly and quickly (or fails with Lua's own memory error
under the runtime's memory cap). Never a hang."""

from __future__ import annotations

import time

import pytest

CAP = 50_000_000


@pytest.fixture
def capped(make_lua):
    return make_lua(max_memory=CAP)


def quick_error(lua, src: str) -> str:
    start = time.monotonic()
    message = lua.error(src)
    assert time.monotonic() - start < 5, src
    return message


def test_table_create_huge(capped):
    assert "larger than the limit" in quick_error(capped, "table.create(1e9)")
    assert "larger than the limit" in quick_error(capped, "table.create(2^53, true)")
    assert "not enough memory" in quick_error(capped, "table.create(9000000, 0)")


def test_table_move_huge(capped):
    assert "too many elements to move" in quick_error(capped, "table.move({1}, 1, 2^40, 2)")
    assert "too many elements to move" in quick_error(capped, "table.move({1}, -2^40, 2^40, 1, {})")


def test_string_split_huge(capped, make_lua):
    assert "not enough memory" in quick_error(capped, 'local s = string.rep(",", 3e7) local t = s:split(",")')
    small = make_lua(max_items=1000)
    assert "more than 1000 pieces" in quick_error(small, 'string.split(string.rep("a,", 2000))')
    assert "more than 1000 pieces" in quick_error(small, 'string.split(string.rep("a", 2000), "")')


def test_buffer_past_the_memory_cap(capped):
    assert "block too big" in quick_error(capped, "buffer.create(2^30 + 1)")
    assert "not enough memory" in quick_error(capped, "buffer.tostring(buffer.create(1e9))")
    assert "not enough memory" in quick_error(capped, "buffer.fill(buffer.create(1e9), 0, 1)")
    assert "not enough memory" in quick_error(capped, 'buffer.fromstring(string.rep("x", 4e7))')


def test_large_buffer_is_lazy(capped):
    assert capped.run(
        "local b = buffer.create(2^30)\nbuffer.writeu8(b, 2^30 - 1, 9)\nprint(buffer.readu8(b, 2^30 - 1))"
    ) == ["9"]


def test_string_rep_under_the_cap(capped):
    assert "not enough memory" in quick_error(capped, 'string.rep("x", 1e8)')
    assert "too large" in quick_error(capped, 'string.rep("x", 1e10)')


def test_number_formatting_of_huge_widths(capped):
    assert "invalid conversion" in quick_error(capped, 'string.format("%99999d", 1)')
