"""Python -> Lua pushes in a VM at its memory cap (issue 16): a value that does not fit is the
script's own "not enough memory" error, which ``pcall`` catches; never a ``PANIC`` of the
process or an unwind through Python frames. Each test fills its VM to the cap first, then
makes the host push something big, then checks the engine still runs the next script."""

from __future__ import annotations

import pytest
from attack_sources import FILL

from seraph_kernel.errors import LuaCompileError

from .conftest import finish, new_vm


async def run_chunk(engine, source: str, vm=None):
    vm = vm or new_vm(engine)
    run = engine.run(vm, vm.compile(source))
    return await finish(run), vm


async def assert_engine_alive(engine) -> None:
    record, _ = await run_chunk(engine, "return 1 + 1")
    assert record.state == "COMPLETE" and record.results == [2]


@pytest.mark.parametrize(
    ("prepare", "attack"),
    [
        # a synchronous binding builds a big table ...
        ("local text = '[' .. string.rep('1,', 400000) .. '1]'", "json.decode(text)"),
        # ... or many small ones
        ("local text = string.rep('[', 3000) .. string.rep(']', 3000)", "json.decode(text)"),
        # ... or a big string (json.encode escapes each control byte as six)
        ("local text = string.rep('\\0', 2000000)", "json.encode(text)"),
    ],
)
async def test_a_synchronous_binding_result_that_does_not_fit_is_a_lua_error(engine, prepare, attack):
    source = f"""
{prepare}
local attack = function() return {attack} end
{FILL}
local ok, err = pcall(attack)
hog = nil
return ok, err
"""
    record, _ = await run_chunk(engine, source)
    assert record.state == "COMPLETE", record.error
    ok, err = record.results
    assert ok is False
    assert "not enough memory" in err
    await assert_engine_alive(engine)


async def test_console_entries_of_a_full_vm_is_a_lua_error(engine):
    source = (
        "for i = 1, 3000 do print(string.rep('y', 4000) .. i) end\n"
        "local attack = function() return getConsole().entries end\n"
        + FILL
        + "\nlocal ok, err = pcall(attack)\nhog = nil\nreturn ok, err"
    )
    record, _ = await run_chunk(engine, source)
    assert record.state == "COMPLETE", record.error
    assert record.results[0] is False and "not enough memory" in record.results[1]
    await assert_engine_alive(engine)


async def test_compiling_into_a_full_vm_is_a_compile_error(engine):
    vm = new_vm(engine)
    record, _ = await run_chunk(engine, FILL + "\nreturn #hog", vm)
    assert record.state == "COMPLETE"
    with pytest.raises(LuaCompileError, match="not enough memory"):
        vm.compile("local t = {" + "{}," * 200_000 + "}")
    # a small chunk still compiles and runs, so the script can free its memory
    record, _ = await run_chunk(engine, "hog = nil return 'freed'", vm)
    assert record.results == ["freed"]


async def test_setting_a_big_global_into_a_full_vm_is_refused(engine):
    from seraph_kernel.engine.lua_memory import NotEnoughLuaMemory

    vm = new_vm(engine)
    record, _ = await run_chunk(engine, FILL + "\nreturn #hog", vm)
    assert record.state == "COMPLETE"
    with pytest.raises(NotEnoughLuaMemory):
        vm.set_global("big", list(range(200_000)))
    with pytest.raises(NotEnoughLuaMemory):
        vm.set_global("text", "w" * 200_000)
    record, _ = await run_chunk(engine, "return big == nil and text == nil", vm)
    assert record.results == [True]


async def test_cleanups_of_a_full_vm_start_and_can_free_it(engine):
    """The end phase hands Lua new coroutines, hooks and cleanups: in a VM the script filled,
    each cleanup still starts (failing cleanly if it allocates) and one that frees runs on."""
    source = (
        "for i = 1, 3 do cleanup(function() local t = {} for j = 1, 1000 do t[j] = {} end end) end\n"
        + FILL
        + "\ncleanup(function() hog = nil end)\nerror('x')"
    )
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "FAILED"
    texts = [line["text"] for line in vm.console.lines()]
    assert texts[0].endswith("x") or "not enough memory" in texts[0], texts
    assert all(text.startswith("cleanup: not enough memory") for text in texts[1:]), texts
    await assert_engine_alive(engine)


async def test_a_hook_kill_in_a_full_vm_still_ends_the_run(engine):
    vm = new_vm(engine)
    run = engine.run(vm, vm.compile(FILL + "\nwhile true do end"))
    import asyncio

    await asyncio.sleep(0.3)
    record = await asyncio.wait_for(run.stop(), 10)
    assert record.state == "CANCELLED"
    await assert_engine_alive(engine)


async def test_compiling_stops_at_its_deadline(engine):
    """Lua's parser is quadratic on long and/or chains and runs in C: vm.compile gives up at
    the dialect's 2 s deadline instead of holding its thread for minutes."""
    import time

    vm = new_vm(engine)
    began = time.monotonic()
    with pytest.raises(LuaCompileError, match="took longer than 2 s to compile"):
        vm.compile("return " + " or ".join(["a"] * 80000))
    assert time.monotonic() - began < 10
    assert vm.compile("return 1") is not None
