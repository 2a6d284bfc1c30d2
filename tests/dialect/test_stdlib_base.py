"""typeof, newproxy, loadstring, getfenv/setfenv, collectgarbage, utf8: Luau's base
library, limited to what is safe in the sandbox."""

from __future__ import annotations


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
