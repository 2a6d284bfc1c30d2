"""bit32: exact unsigned 32-bit semantics of Luau's VM/src/lbitlib.cpp."""

from __future__ import annotations

import pytest

CASES = [
    ("bit32.band(0xFF, 0x0F)", 15),
    ("bit32.band()", 0xFFFFFFFF),
    ("bit32.band(-1)", 0xFFFFFFFF),
    ("bit32.band(2^32 + 5, 7)", 5),
    ("bit32.band(3.9, 7)", 3),
    ("bit32.band(-1.5, 0xFF)", 255),
    ("bit32.band('3', 1)", 1),
    ("bit32.bor(1, 2, 4)", 7),
    ("bit32.bor()", 0),
    ("bit32.bxor(5, 3)", 6),
    ("bit32.bxor(0xFFFFFFFF, 1)", 0xFFFFFFFE),
    ("bit32.bnot(0)", 0xFFFFFFFF),
    ("bit32.bnot(-1)", 0),
    ("bit32.lshift(1, 31)", 0x80000000),
    ("bit32.lshift(1, 32)", 0),
    ("bit32.lshift(1, -1)", 0),
    ("bit32.lshift(0xFFFFFFFF, 4)", 0xFFFFFFF0),
    ("bit32.rshift(0x80000000, 31)", 1),
    ("bit32.rshift(-1, 28)", 15),
    ("bit32.rshift(1, -1)", 2),
    ("bit32.rshift(5, 40)", 0),
    ("bit32.arshift(0x80000000, 1)", 0xC0000000),
    ("bit32.arshift(-1, 40)", 0xFFFFFFFF),
    ("bit32.arshift(0x40000000, 1)", 0x20000000),
    ("bit32.arshift(0x80000000, -1)", 0),
    ("bit32.lrotate(0x80000001, 1)", 3),
    ("bit32.lrotate(5, 32)", 5),
    ("bit32.lrotate(1, -1)", 0x80000000),
    ("bit32.rrotate(1, 1)", 0x80000000),
    ("bit32.rrotate(0x80000000, 31)", 1),
    ("bit32.extract(0xF0, 4, 4)", 15),
    ("bit32.extract(0x80000000, 31)", 1),
    ("bit32.extract(0xFFFFFFFF, 0, 32)", 0xFFFFFFFF),
    ("bit32.replace(0, 7, 4, 3)", 0x70),
    ("bit32.replace(0xFFFFFFFF, 0, 0, 8)", 0xFFFFFF00),
    ("bit32.replace(0, 0xFF, 28, 4)", 0xF0000000),
    ("bit32.countlz(0)", 32),
    ("bit32.countlz(1)", 31),
    ("bit32.countlz(0x80000000)", 0),
    ("bit32.countrz(0)", 32),
    ("bit32.countrz(8)", 3),
]


@pytest.mark.parametrize(("expr", "expected"), CASES)
def test_bit32(lua, expr, expected):
    assert lua.run(f"print({expr})") == [str(expected)]


def test_btest(lua):
    assert lua.run("print(bit32.btest(1, 2), bit32.btest(3, 2), bit32.btest())") == ["false\ttrue\ttrue"]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("bit32.band({})", "invalid argument #1 to 'band' (number expected, got table)"),
        ("bit32.lshift(1)", "invalid argument #2 to 'lshift' (number expected, got nil)"),
        ("bit32.extract(1, 32)", "trying to access non-existent bits"),
        ("bit32.extract(1, -1)", "field cannot be negative"),
        ("bit32.extract(1, 0, 0)", "width must be positive"),
        ("bit32.replace(1, 1, 31, 2)", "trying to access non-existent bits"),
    ],
)
def test_bit32_errors(lua, expr, message):
    assert message in lua.error(expr)
