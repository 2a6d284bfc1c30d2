"""typeof, newproxy, loadstring, getfenv/setfenv, collectgarbage, utf8: Luau's base
library, limited to what is safe in the sandbox."""

from __future__ import annotations

import pytest


def test_typeof(lua):
    src = "print(typeof(1), typeof('s'), typeof({}), typeof(nil), typeof(print), typeof(newproxy()))"
    assert lua.run(src) == ["number\tstring\ttable\tnil\tfunction\tuserdata"]


def test_newproxy(lua):
    src = """
local p = newproxy(true)
local mt = getmetatable(p)
mt.__index = function(_, k) return k .. "?" end
print(p.key, getmetatable(newproxy()), typeof(p))
"""
    assert lua.run(src) == ["key?\tnil\tuserdata"]
    assert "boolean expected, got number" in lua.error("newproxy(1)")


def test_loadstring(lua):
    src = """
answer = 41
print(loadstring("answer += 1 return answer"))
print(loadstring("return 1 + 1")(), loadstring("return ...")(7))
print(loadstring("return x +"))
print(loadstring("\\27Lua rest"))
print(loadstring("return io, os, debug, python")())
"""
    out = lua.run(src)
    assert out[0].startswith("nil\t")  # loadstring compiles Lua 5.4 text: no compound assignment
    assert out[1] == "2\t7"
    assert out[2].startswith("nil\t") and "unexpected symbol" in out[2]
    assert out[3].startswith("nil\t") and "binary chunk" in out[3]
    assert out[4] == "nil\tnil\tnil\tnil"
    assert lua.run("answer = 1\nprint(loadstring('return answer')())") == ["1"]


def test_getfenv_and_setfenv(lua):
    src = """
local function f() end
print(getfenv() == _G, getfenv(0) == _G, getfenv(1) == _G, getfenv(f) == _G, getfenv(print) == _G)
print(getfenv(0).debug, getfenv(print).io, setfenv(f, getfenv()) == f)
print(pcall(setfenv, 1, {}))
print(pcall(setfenv, f, {}))
"""
    out = lua.run(src)
    assert out[0] == "true\ttrue\ttrue\ttrue\ttrue"
    assert out[1] == "nil\tnil\ttrue"
    assert "setfenv is not supported" in out[2]
    assert "setfenv is not supported" in out[3]
    assert "level must be non-negative" in lua.error("getfenv(-1)")


def test_collectgarbage(lua):
    assert lua.run("print(type(collectgarbage('count')), collectgarbage('count') > 0, collectgarbage())") == [
        "number\ttrue\t0"
    ]
    assert "'stop'" in lua.error("collectgarbage('stop')")


def test_install_keeps_the_sandboxs_lua54_functions(lua):
    assert lua.run("print(utf8.charpattern == '[\\0-\\x7F\\xC2-\\xFD][\\x80-\\xBF]*')") == ["true"]
    assert lua.run("print(unpack == table.unpack, string.split ~= nil, ('a b'):split(' ')[2])") == [
        "true\ttrue\tb"
    ]


def test_utf8_as_luau_when_the_sandbox_has_none(make_lua):
    lua = make_lua()
    lua.runtime.eval("function(env) env.utf8 = nil end")(lua.env)
    from seraph_kernel.dialect.stdlib import install_luau_stdlib

    install_luau_stdlib(lua.runtime, lua.env)
    out = lua.run("print(utf8.charpattern == '[\\0-\\x7F\\xC2-\\xF4][\\x80-\\xBF]*', utf8.char(72, 105))")
    assert out == ["true\tHi"]
    assert "value out of range" in lua.error("utf8.char(0x110000)")


def test_helpers_returned_to_the_host(lua):
    tostring = lua.helpers.tostring
    assert tostring(5.0) == "5"
    assert tostring(0.1) == "0.1"
    assert lua.helpers.typeof(lua.runtime.eval("{}")) == "table"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("bit32.band({})", "invalid argument #1 to 'band' (number expected, got table)"),
        ("bit32.bor(1, nil)", "invalid argument #2 to 'bor' (number expected, got nil)"),
        ("bit32.extract(1, 40)", "trying to access non-existent bits"),
        ("table.find(nil)", "invalid argument #1 to 'find' (table expected, got nil)"),
        ("table.clear(5)", "invalid argument #1 to 'clear' (table expected, got number)"),
        ("table.clear(table.freeze({}))", "attempt to modify a readonly table"),
        ("table.isfrozen('x')", "invalid argument #1 to 'isfrozen' (table expected, got string)"),
        ("table.getn(nil)", "invalid argument #1 to 'getn' (table expected, got nil)"),
        ("table.maxn(1)", "invalid argument #1 to 'maxn' (table expected, got number)"),
        ("table.foreachi({}, 1)", "invalid argument #2 to 'foreachi' (function expected, got number)"),
        ("table.create(-1)", "invalid argument #1 to 'create' (size out of range)"),
        ("table.move({}, 'a', 2, 1)", "invalid argument #2 to 'move' (number expected, got string)"),
        ("string.split({})", "invalid argument #1 to 'split' (string expected, got table)"),
        ("string.split('a', {})", "invalid argument #2 to 'split' (string expected, got table)"),
        ("math.sign('x')", "invalid argument #1 to 'sign' (number expected, got string)"),
        ("math.clamp(nil, 1, 2)", "invalid argument #1 to 'clamp' (number expected, got nil)"),
        ("math.noise()", "invalid argument #1 to 'noise' (number expected, got nil)"),
        ("buffer.readu8(buffer.create(1), 5)", "buffer access out of bounds"),
        (
            "buffer.writeu8(buffer.create(1), 0, 'x')",
            "invalid argument #3 to 'writeu8' (number expected, got string)",
        ),
        ("buffer.tostring('s')", "invalid argument #1 to 'tostring' (buffer expected, got string)"),
        ("typeof()", ""),
        ("newproxy('yes')", "invalid argument #1 to 'newproxy' (boolean expected, got string)"),
        ("loadstring(nil)", "invalid argument #1 to 'loadstring' (string expected, got nil)"),
        ("getfenv('x')", "invalid argument #1 to 'getfenv' (number expected, got string)"),
        (
            "setfenv(1, {})",
            "setfenv is not supported here: a Lua 5.4 function keeps the environment it was loaded with",
        ),
        ("collectgarbage('stop')", "collectgarbage must be called with 'count' or 'collect' (got 'stop')"),
        ("string.format('%d')", "missing argument #2"),
        ("for x in 5 do end", "attempt to iterate over a number value"),
    ],
)
def test_library_errors_name_the_callers_line(lua, call, message):
    if call == "typeof()":
        assert lua.run("print(typeof())") == ["nil"]
        return
    assert lua.error(f"local x = 1\n{call}") == f"executor:2: {message}"
