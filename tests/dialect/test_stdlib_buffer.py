"""buffer: Luau's VM/src/lbuflib.cpp over 256-byte string chunks (little endian)."""

from __future__ import annotations

import pytest


def test_create_len_tostring(lua):
    src = """local b = buffer.create(4)
print(buffer.len(b), buffer.tostring(b) == "\\0\\0\\0\\0", typeof(b), type(b))"""
    assert lua.run(src) == ["4\ttrue\tbuffer\ttable"]
    assert lua.run("print(tostring(buffer.create(0)):match('^buffer: ') ~= nil)") == ["true"]


@pytest.mark.parametrize(
    ("write", "value", "read", "expected"),
    [
        ("writei8", "-1", "readu8", "255"),
        ("writei8", "-1", "readi8", "-1"),
        ("writeu8", "256 + 7", "readu8", "7"),
        ("writeu16", "70000", "readu16", "4464"),
        ("writei16", "-2", "readi16", "-2"),
        ("writei32", "-2", "readu32", "4294967294"),
        ("writeu32", "0xDEADBEEF", "readi32", "-559038737"),
        ("writeu32", "-1", "readu32", "4294967295"),
        ("writef32", "0.1", "readf32", "0.10000000149011612"),
        ("writef64", "math.pi", "readf64", "3.141592653589793"),
        ("writei32", "3.9", "readi32", "3"),
    ],
)
def test_write_read(lua, write, value, read, expected):
    src = f"local b = buffer.create(16)\nbuffer.{write}(b, 3, {value})\nprint(buffer.{read}(b, 3))"
    assert lua.run(src) == [expected]


def test_little_endian_layout(lua):
    src = (
        "local b = buffer.create(4)\nbuffer.writeu32(b, 0, 0x01020304)\nprint(buffer.tostring(b):byte(1, -1))"
    )
    assert lua.run(src) == ["4\t3\t2\t1"]


def test_strings_copy_fill_across_chunks(lua):
    src = """
local b = buffer.create(1000)
buffer.writestring(b, 250, "hello world")
print(buffer.readstring(b, 250, 11), buffer.readu8(b, 256), buffer.readstring(b, 0, 0))
buffer.writestring(b, 500, "abcdef", 3)
print(buffer.readstring(b, 499, 5) == "\\0abc\\0")
buffer.fill(b, 10, 0x41, 600)
print(buffer.readstring(b, 8, 4) == "\\0\\0AA", buffer.readu8(b, 609), buffer.readu8(b, 610))
local s = buffer.fromstring("abcdef")
buffer.copy(s, 2, s, 0, 4)
print(buffer.tostring(s))
local t = buffer.create(3)
buffer.copy(t, 0, buffer.fromstring("xyz"))
buffer.fill(t, 1, 0x2D)
print(buffer.tostring(t), buffer.readf64(buffer.create(8), 0))
"""
    assert lua.run(src) == ["hello world\t119\t", "true", "true\t65\t0", "ababcd", "x--\t0"]


@pytest.mark.parametrize(
    "expr",
    [
        "buffer.readu8(buffer.create(4), 4)",
        "buffer.readu8(buffer.create(4), -1)",
        "buffer.readu32(buffer.create(4), 1)",
        "buffer.writef64(buffer.create(7), 0, 1)",
        "buffer.readstring(buffer.create(4), 2, 3)",
        "buffer.writestring(buffer.create(2), 0, 'abc')",
        "buffer.copy(buffer.create(2), 0, buffer.create(4))",
        "buffer.copy(buffer.create(4), 0, buffer.create(4), 2, 3)",
        "buffer.fill(buffer.create(4), 2, 0, 3)",
        "buffer.fill(buffer.create(4), 0, 0, -1)",
    ],
)
def test_out_of_bounds(lua, expr):
    assert "buffer access out of bounds" in lua.error(expr)


def test_bad_arguments(lua):
    assert "invalid argument #1 to 'len' (buffer expected, got table)" in lua.error("buffer.len({})")
    assert "invalid argument #1 to 'create' (size)" in lua.error("buffer.create(-1)")
    assert "invalid argument #3 to 'readstring' (size)" in lua.error(
        "buffer.readstring(buffer.create(1), 0, -1)"
    )
    assert "string length overflow" in lua.error("buffer.writestring(buffer.create(9), 0, 'ab', 3)")
    assert "memory allocation error: block too big" in lua.error("buffer.create(2^31)")
    assert "attempt to index buffer with 'x'" in lua.error("local b = buffer.create(1) return b.x")
    assert "attempt to index buffer with 'x'" in lua.error("local b = buffer.create(1) b.x = 1")
