"""Luau through the engine: every VM compiles Luau (translated, lines kept), has Luau's
library, prints numbers as the running chunk's dialect does, and ``load``/``loadstring``
accept Luau inside the sandbox."""

from __future__ import annotations

import asyncio
import time

import pytest

from seraph_kernel.errors import LuaCompileError
from seraph_kernel.lua_api.luau import MAX_LOAD_TRANSLATE_BYTES, chunk_id

from .conftest import finish, new_vm

LUAU_SCRIPT = """
type Item = { name: string, count: number }
local items: {Item} = { { name = "gem", count = 2 }, { name = "ore", count = 5 } }
local total = 0
for _, item in items do
  if item.name == "ore" then continue end
  total += item.count * 2
end
local label = if total > 3 then "many" else "few"
local names = string.split("a,b,c", ",")
return `{label}: {total}`, typeof(items), table.find(names, "b"), math.clamp(15, 0, 10), 0b101 + 1_000
"""


async def test_a_luau_script_runs_unchanged(run_lua):
    out = await run_lua(LUAU_SCRIPT)
    assert out.record.state == "COMPLETE", out.record.error
    assert out.record.results == ["many: 4", "table", 2, 10, 1005]


def test_a_luau_syntax_error_names_the_users_line(engine):
    vm = new_vm(engine)
    with pytest.raises(LuaCompileError) as err:
        vm.compile("local x: number = 1\n\nlocal s = `{}`")
    assert str(err.value).startswith("lua compile: 3: malformed interpolated string")
    with pytest.raises(LuaCompileError) as err:
        vm.compile("local x: number = 1\nx += \n")
    assert str(err.value) == "lua compile: 2: expected an expression after '+=' near <eof>"
    assert "__luau" not in str(err.value)


def test_a_lua_syntax_error_reads_as_before(engine):
    with pytest.raises(LuaCompileError) as err:
        new_vm(engine).compile("print('a')\nwhile true do\nend end")
    assert str(err.value) == "lua compile: 3: <eof> expected near 'end'"


def test_a_lone_surrogate_is_a_compile_error_not_a_crash(engine):
    with pytest.raises(LuaCompileError) as err:
        new_vm(engine).compile("local a = 1\nreturn '\ud800'")
    assert str(err.value) == "lua compile: 2: invalid UTF-8"


async def test_runtime_errors_name_the_users_line(run_lua):
    out = await run_lua("local n: number = 0\nfor i = 1, 3 do\n  n += 1\nend\nlocal t = nil\nt.x += 1")
    assert out.record.error["message"].startswith("executor:6: attempt to index a nil value")


async def test_lua_prints_floats_as_lua_and_luau_as_luau(run_lua):
    lua = await run_lua("print(10 / 2, tostring(1.0), string.format('%s', 2.0), ('%s'):format(3.0), 0.1)")
    assert lua.texts == ["5.0\t1.0\t2.0\t3.0\t0.1"]
    luau = await run_lua(
        "local x: number = 10 / 2\nprint(x, tostring(1.0), string.format('%s', 2.0), ('%s'):format(3.0), 0.1)"
    )
    assert luau.texts == ["5\t1\t2\t3\t0.1"]


async def test_the_number_printing_follows_each_chunk_of_one_vm(run_lua, engine):
    vm = new_vm(engine)
    await run_lua("print(1.0) warn(2.0)", vm=vm)
    await run_lua("local a: number = 1.0 print(a) warn(2.0) print(`{3.0}`)", vm=vm)
    await run_lua("print(1.0, tostring(4.0))", vm=vm)
    assert vm.console.lines()[-1]["text"] == "1.0\t4.0"
    assert [line["text"] for line in vm.console.lines()] == ["1.0", "2.0", "1", "2", "3", "1.0\t4.0"]


async def test_a_scripts_own_print_survives_the_switch(run_lua, engine):
    vm = new_vm(engine)
    await run_lua("function print(...) warn('mine', ...) end tostring = function() return 'own' end", vm=vm)
    out = await run_lua("local a: number = 1\nprint(a / 2) return tostring(1)", vm=vm)
    assert out.record.results == ["own"]
    await run_lua("print(0.5)", vm=vm)
    assert [(line["level"], line["text"]) for line in vm.console.lines()] == [("warn", "mine\t0.5")] * 2


async def test_load_and_loadstring_accept_luau(run_lua):
    out = await run_lua(
        """
        local f = loadstring("local x: number = 1\\nx += 41\\nreturn x")
        local g = load("local t = {} for i = 1, 3 do if i == 2 then continue end t[#t + 1] = i end return t")
        return f(), g(), load("return 2 + 2")()
        """
    )
    assert out.record.results == [42, [1, 3], 4]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            'loadstring("local x: number = 1\\nx += ")',
            '[string "local x: number = 1..."]:2: expected an expression',
        ),
        ('loadstring("x += ", "=mine")', "mine:1: expected an expression after '+=' near <eof>"),
        ('load("local s = `{}`", "@file.luau")', "file.luau:1: malformed interpolated string"),
        ('load("return 1 +")', "load:1: unexpected symbol near <eof>"),
        ('load("x = = 1", "=cell")', "cell:1: unexpected symbol near '='"),
    ],
)
async def test_load_errors_are_returned_with_the_chunks_line(run_lua, call, message):
    out = await run_lua(f"return {call}")
    assert out.record.results[0] is None
    assert out.record.results[1].startswith(message), out.record.results[1]


async def test_load_keeps_its_runtime_lines_and_environment(run_lua):
    out = await run_lua(
        'secret = 7 local f = load("local a: number = 1\\n\\nerror(`line {a + 2}: {secret}`)", "=chunk")'
        " return pcall(f)"
    )
    assert out.record.results == [False, "chunk:3: line 3: 7"]


async def test_load_compiles_large_chunks_as_lua_only(run_lua):
    """Translation runs where the hook cannot stop it, so only chunks up to the limit are
    translated; a larger one is compiled as Lua 5.4 (and Luau syntax in it is an error)."""
    pad = f"string.rep(' ', {MAX_LOAD_TRANSLATE_BYTES})"
    out = await run_lua(
        f"local a = load({pad} .. 'return 1') local b, e = load('local x = 1 x += 1 return x' .. {pad})"
        " local c = load('local x = 1 x += 1 return x') return a(), b, e, c()"
    )
    assert out.record.results[:2] == [1, None]
    assert "syntax error near '+'" in out.record.results[2]
    assert out.record.results[3] == 2


async def test_a_huge_loadstring_does_not_hold_up_stop(start_lua):
    """Translating a megabyte of dense Luau takes seconds of Python the hook cannot stop;
    such a chunk is only compiled as Lua 5.4, so stop stays prompt."""
    run, _ = start_lua(
        "local s = 'local s = 1\\n' .. string.rep('s = `{s}{s}{`{s}`}`\\n', 50000)"
        " while true do loadstring(s) end"
    )
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await asyncio.wait_for(run.stop(), 10)
    assert time.monotonic() - started < 1.5


async def test_load_of_invalid_utf8_text_is_plain_lua(run_lua):
    out = await run_lua(r"return load('return \'\255\'')() == '\255', load('x += \255')")
    assert out.record.results[0] is True
    assert out.record.results[1] is None


async def test_a_lua_generic_for_over_a_table_iterates_as_luau(run_lua):
    out = await run_lua("local n = 0 for k, v in {1, 2, 3} do n = n + v end return n")
    assert out.record.results == [6]


async def test_luau_library_is_in_every_vm(engine):
    vm = new_vm(engine)
    names = set(vm.builtin_names)
    assert {"typeof", "bit32", "buffer", "loadstring", "newproxy", "getfenv", "setfenv"} <= names
    assert {"__luau_iter", "__luau_tostring"} <= names
    assert "__luau_iter" not in vm.get_globals()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("=executor", "executor"),
        ("@scripts/farm.luau", "scripts/farm.luau"),
        ("return 1", '[string "return 1"]'),
        ("local a = 1\nreturn a", '[string "local a = 1..."]'),
        ("x" * 80, '[string "' + "x" * 45 + '..."]'),
        ("=" + "y" * 80, "y" * 59),
        ("@" + "z" * 80, "..." + "z" * 56),
    ],
)
def test_chunk_ids_match_lua(engine, name, expected):
    assert chunk_id(name) == expected
    lua = new_vm(engine).runtime.eval("function(name) local _, e = load('?', name) return e end")
    assert lua(name).split(":1:")[0] == expected


async def test_finishing_a_luau_run_in_a_bounded_time(engine):
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile("local n = 0\nwhile true do n += 1 end")))
    assert record.state == "FAILED" and "without yielding" in record.error["message"]
