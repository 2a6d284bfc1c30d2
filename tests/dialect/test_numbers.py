"""Numbers print as Luau prints them (VM/src/lnumprint.cpp): shortest round-trip digits,
no ".0" on integral values, fixed notation for 1e-6 <= |x| < 1e21."""

from __future__ import annotations

import math
import random
import struct

import pytest


def luau_num2str(x: float) -> str:
    """Luau's luai_num2str, from Python's shortest repr digits."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    sign = "-" if x < 0 else ""
    digits_repr = repr(abs(x))
    if "e" in digits_repr:
        mant, _, e = digits_repr.partition("e")
        exp10 = int(e)
        digits = mant.replace(".", "")
        exp10 -= len(mant.split(".")[0]) - 1
    else:
        whole, _, frac = digits_repr.partition(".")
        frac = frac.rstrip("0")
        digits = (whole + frac).lstrip("0")
        exp10 = len(whole) - 1 if whole != "0" else -(len(frac) - len(frac.lstrip("0")) + 1)
    digits = digits.rstrip("0") or "0"
    dot = exp10 + 1
    if -5 <= dot <= 21:
        if dot <= 0:
            return sign + "0." + "0" * -dot + digits
        if dot >= len(digits):
            return sign + digits + "0" * (dot - len(digits))
        return sign + digits[:dot] + "." + digits[dot:]
    e = dot - 1
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"


KNOWN = [
    (5.0, "5"),
    (0.1, "0.1"),
    (1 / 3, "0.3333333333333333"),
    (2 / 3, "0.6666666666666666"),
    (0.1 + 0.2, "0.30000000000000004"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e-5, "0.00001"),
    (1e-6, "0.000001"),
    (1e-7, "1e-07"),
    (1.2345678901234568e20, "123456789012345680000"),
    (1.5e300, "1.5e+300"),
    (-0.0, "-0"),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    (2.0**53, "9007199254740992"),
    (2.0**63, "9223372036854776000"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (-1.5, "-1.5"),
    (1e15, "1000000000000000"),
    (123.456, "123.456"),
]


@pytest.mark.parametrize(("value", "expected"), KNOWN)
def test_known_numbers(lua, value, expected):
    assert lua.helpers.tostring(value) == expected
    assert luau_num2str(value) == expected


def test_random_doubles_match_the_reference(lua):
    tostring = lua.helpers.tostring
    rng = random.Random(3)
    for _ in range(3000):
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isnan(x):
            continue
        assert tostring(x) == luau_num2str(x), repr(x)
    for _ in range(2000):
        x = rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-12, 12)
        assert tostring(x) == luau_num2str(x), repr(x)


def test_print_and_tostring_format_floats_as_luau(lua):
    src = "print(10 / 2, 7 // 2, 7.0 // 2, 2^2, 1.5, tostring(10 / 2), 3, -0.0)"
    assert lua.run(src) == ["5\t3\t3\t4\t1.5\t5\t3\t-0"]


def test_integer_float_distinction_does_not_leak_into_text(lua):
    src = "local a, b = 6 / 3, 2\nprint(`{a}` == `{b}`, tostring(a) == tostring(b), a .. '' == '2.0')"
    assert lua.run(src) == ["true\ttrue\ttrue"]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('string.format("%d", 3.0)', "3"),
        ('string.format("%d", 3.7)', "3"),
        ('("%d"):format(-3.7)', "-3"),
        ('string.format("%5.1f|%-4d|", 3.14159, 2)', "  3.1|2   |"),
        ('string.format("%s %s", 5.0, 0.5)', "5 0.5"),
        ('string.format("%* %*", 10 / 2, true)', "5 true"),
        ('string.format("%x %X", 255.0, 254)', "ff FE"),
        ('string.format("%x", -1)', "ffffffffffffffff"),
        ('string.format("100%% %i", 2.9)', "100% 2"),
        ('string.format("%c%c", 72.2, 105)', "Hi"),
        ('string.format("%q", "a\\n")', '"a\\\n"'),
        ('string.format("%q", 1.5)', '"1.5"'),
        ('string.format("plain")', "plain"),
    ],
)
def test_format(lua, call, expected):
    assert lua.run(f"print({call})") == [expected]


def test_format_errors(lua):
    assert "missing argument #2" in lua.error('string.format("%d")')
    assert "'%*' does not take a form" in lua.error('string.format("%5*", 1)')
    assert "number expected, got table" in lua.error('string.format("%d", {})')


def test_without_luau_numbers_lua_formatting_stays(make_lua):
    lua = make_lua(luau_numbers=False)
    assert lua.run("print(10 / 2, tostring(2^2), string.format('%s', 1.0))") == ["5.0\t4.0\t1.0"]
    assert lua.run("print(`{10 / 2}`)") == ["5"]


def test_luau_numbers_leave_the_runtimes_own_string_library_alone(make_lua):
    lua = make_lua()
    assert lua.runtime.eval("string.format('%s', 1.0)") == "1.0"
    assert lua.run("print(string.format('%s', 1.0), ('%s'):format(1.0))") == ["1\t1"]
