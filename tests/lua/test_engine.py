"""Runs: states, results, errors, limits, cleanups and the long-lived (cell) VM."""

from __future__ import annotations

import asyncio
import time

import pytest

from seraph_kernel.engine import engine as engine_module
from seraph_kernel.engine.contract import LuaArgumentError
from seraph_kernel.engine.engine import Limits, LuaEngine
from seraph_kernel.errors import LuaCompileError

from .conftest import WAIT_S, finish, make_limits, new_vm


async def test_chunk_results_are_json_and_lua_values(run_lua):
    out = await run_lua('return 1, "two", {a = 1, list = {1, 2, 3}}, nil, 2.5')
    assert out.record.state == "COMPLETE"
    assert out.record.error is None
    assert out.record.results == [1, "two", {"a": 1, "list": [1, 2, 3]}, None, 2.5]
    assert len(out.run.lua_results) == 5
    assert out.record.started_at <= out.record.ended_at
    assert not out.record.running


async def test_runtime_error_fails_with_position_and_console_line(run_lua):
    out = await run_lua("local t = {}\nreturn t.world.name")
    assert out.record.state == "FAILED"
    message = "executor:2: attempt to index a nil value (field 'world')"
    assert out.record.error == {"code": "SCRIPT_ERROR", "message": message}
    assert out.record.last_error == message
    assert out.console.lines()[-1]["level"] == "error"
    assert out.texts[-1] == message


async def test_error_with_table_object_reports_its_tostring(run_lua):
    out = await run_lua('error(setmetatable({}, {__tostring = function() return "custom" end}))')
    assert out.record.error["message"] == "custom"
    out = await run_lua("error({code = 1})")
    assert out.record.error["message"] == "(error object is a table value)"


def test_compile_error_message_names_the_line(engine):
    vm = new_vm(engine)
    with pytest.raises(LuaCompileError) as err:
        vm.compile("print('a')\nwhile true do\nend end")
    assert str(err.value) == "lua compile: 3: <eof> expected near 'end'"


def test_compile_rejects_binary_chunks(engine):
    vm = new_vm(engine)
    with pytest.raises(LuaCompileError, match="attempt to load a binary chunk"):
        vm.compile("\x1bLua")


async def test_stop_runs_cleanups_in_reverse_order_and_cancels(start_lua):
    run, vm = start_lua(
        """
        cleanup(function() print("first registered") end)
        cleanup(function() sleep(10) print("second registered") end)
        print("started")
        while true do end
        """
    )
    await asyncio.sleep(0.1)
    assert run.running
    record = await asyncio.wait_for(run.stop(), 5)
    assert record.state == "CANCELLED"
    assert record.error is None and record.last_error is None
    assert [line["text"] for line in vm.console.lines()] == [
        "started",
        "second registered",
        "first registered",
    ]
    assert (await run.stop()).state == "CANCELLED"  # idempotent


async def test_cleanups_run_on_normal_end_and_on_error(run_lua):
    out = await run_lua('cleanup(function() print("bye") end) return 1')
    assert out.record.state == "COMPLETE" and out.texts == ["bye"]
    out = await run_lua('cleanup(function() print("bye") end) error("boom")')
    assert out.record.state == "FAILED"
    assert out.texts == ["executor:1: boom", "bye"]


async def test_cleanup_past_its_deadline_is_ended(run_lua):
    out = await run_lua(
        'cleanup(function() print("last") end) cleanup(function() while true do end end) return 1'
    )
    assert out.record.state == "COMPLETE"
    assert out.texts[0].startswith("cleanup: cleanup exceeded its deadline")
    assert out.texts[-1] == "last"


async def test_sleeping_cleanup_past_its_deadline_is_ended(run_lua):
    out = await run_lua('cleanup(function() sleep(60000) print("never") end)')
    assert out.texts == ["cleanup: exceeded its deadline of 1000 ms"]


async def test_budget_ends_a_script_that_never_yields(run_lua):
    out = await run_lua("while true do end")
    assert out.record.state == "FAILED"
    assert out.record.error == {
        "code": "SCRIPT_ERROR",
        "message": "script ran for more than 2000 ms without yielding",
    }


async def test_budget_counts_per_slice_so_yielding_scripts_run_on(run_lua):
    out = await run_lua(
        "local n = 0 for i = 1, 5 do local t = os.clock() "
        "while os.clock() - t < 0.5 do end sleep(0) n = n + 1 end return n"
    )
    assert out.record.state == "COMPLETE" and out.record.results == [5]


async def test_budget_can_be_disabled():
    engine = LuaEngine(Limits(budget_ms=None))
    await engine.start()
    try:
        vm = new_vm(engine)
        run = engine.run(vm, vm.compile("local t = os.clock() while os.clock() - t < 0.3 do end return 1"))
        assert (await finish(run)).state == "COMPLETE"
    finally:
        await engine.close()


async def test_timeout_ends_a_sleeping_script_with_deadline_exceeded(run_lua):
    out = await run_lua("sleep(60000)", timeout_ms=100)
    assert out.record.state == "FAILED"
    assert out.record.error == {
        "code": "DEADLINE_EXCEEDED",
        "message": "script exceeded its timeout of 100 ms",
    }
    assert out.record.timeout_ms == 100


async def test_timeout_ends_a_spinning_script(run_lua):
    out = await run_lua("while true do pcall(function() while true do end end) end", timeout_ms=150)
    assert out.record.error["code"] == "DEADLINE_EXCEEDED"


async def test_results_over_the_output_limit_fail():
    engine = LuaEngine(Limits(output_limit_bytes=1000))
    await engine.start()
    try:
        vm = new_vm(engine)
        run = engine.run(vm, vm.compile('return string.rep("x", 2000)'))
        record = await finish(run)
        assert record.state == "FAILED"
        assert record.error["code"] == "OUTPUT_SIZE_LIMIT_EXCEEDED"
        assert record.results == []
    finally:
        await engine.close()


async def test_memory_cap_fails_the_script_not_the_process(run_lua):
    out = await run_lua("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end")
    assert out.record.state == "FAILED"
    assert "not enough memory" in out.record.error["message"]
    again = await run_lua("return 1 + 1")
    assert again.record.results == [2]


async def test_interrupt_keeps_the_cell_vm_usable(engine):
    vm = new_vm(engine)
    first = engine.run(vm, vm.compile("counter = 41 while true do end"))
    await asyncio.sleep(0.05)
    first.interrupt()
    record = await finish(first)
    assert record.state == "CANCELLED"
    assert record.error == {"code": "SCRIPT_ERROR", "message": "KeyboardInterrupt"}
    second = engine.run(vm, vm.compile("counter = counter + 1 return counter"))
    assert (await finish(second)).results == [42]
    assert vm.get_globals()["counter"] == 42


async def test_wait_briefly_ends_with_the_run_or_when_it_needs_the_loop(engine):
    """The kernel blocks its loop's thread in ``wait_briefly`` for a quick cell. A cell that
    calls an async binding needs that loop: the wait gives up at once instead of holding the
    loop (and the binding) for the whole wait."""
    vm = new_vm(engine)
    quick = engine.run(vm, vm.compile("return 20 + 22"))
    assert quick.wait_briefly(WAIT_S)
    assert quick.record.state == "COMPLETE" and quick.record.results == [42]

    async def fetch(n):
        return n * 2

    vm.context.env.fetch = vm.context.async_function("fetch", fetch)
    waiting = engine.run(vm, vm.compile("return fetch(21)"))
    started = time.monotonic()
    assert not waiting.wait_briefly(WAIT_S * 3)
    assert time.monotonic() - started < WAIT_S  # given up, not timed out
    assert (await finish(waiting)).results == [42]
    sleeping = engine.run(vm, vm.compile("sleep(50) return 1"))
    assert not sleeping.wait_briefly(0.001)
    assert (await finish(sleeping)).results == [1]
    # the worker may ask for the loop before the kernel starts waiting: the wait ends at once
    early = engine.run(vm, vm.compile("sleep(50) return 2"))
    early.wants_loop()
    started = time.monotonic()
    assert not early.wait_briefly(WAIT_S * 3)
    assert time.monotonic() - started < WAIT_S
    assert (await finish(early)).results == [2]


async def test_globals_persist_and_can_be_set_from_python(engine):
    vm = new_vm(engine)
    await finish(engine.run(vm, vm.compile("x = {1, 2} name = 'bot' f = function() end")))
    vm.set_global("given", {"a": [1, None, 3]})
    run = engine.run(vm, vm.compile("return x[2], given.a[3], given.a[2] == json.null"))
    assert (await finish(run)).results == [2, 3, True]
    assert vm.get_globals() == {"x": [1, 2], "name": "bot", "given": {"a": [1, None, 3]}}
    assert run.lua_results[0] == 2


async def test_one_active_run_per_vm(engine, start_lua):
    run, vm = start_lua("sleep(10000)")
    with pytest.raises(RuntimeError, match="active run"):
        engine.run(vm, vm.compile("return 1"))
    await run.stop()


async def test_sync_binding_errors_name_the_function_and_the_line(run_lua, engine):
    vm = new_vm(engine)

    def walk(point):
        if not isinstance(point, dict):
            raise LuaArgumentError(f"expected a table, got {type(point).__name__}")
        return point["x"] * 2, "ok"

    vm.context.env.walk = vm.context.function("walk", walk)
    out = await run_lua('local a, b = walk({x = 21})\nprint(a, b)\nwalk("nope")', vm=vm)
    assert out.texts[0] == "42\tok"
    assert out.record.error["message"] == "executor:3: walk: expected a table, got str"


async def test_async_binding_suspends_only_its_coroutine(run_lua, engine):
    vm = new_vm(engine)
    calls = []

    async def fetch(n):
        calls.append(asyncio.get_running_loop())
        await asyncio.sleep(0.05)
        return {"n": n, "items": [n, n + 1]}

    async def fail():
        raise ValueError("bad input")

    vm.context.env.fetch = vm.context.async_function("fetch", fetch)
    vm.context.env.fail = vm.context.async_function("fail", fail)
    out = await run_lua(
        """
        task.spawn(function() print("other task runs meanwhile") end)
        local r = fetch(1)
        print(r.n, r.items[2])
        local ok, err = pcall(fail)
        print(ok, err)
        """,
        vm=vm,
    )
    assert out.record.state == "COMPLETE", out.record
    assert out.texts[0] == "other task runs meanwhile"
    assert out.texts[1] == "1\t2"
    assert (
        out.texts[2].startswith("false\t") and "fail: internal error: ValueError: bad input" in out.texts[2]
    )
    assert calls == [asyncio.get_running_loop()]


async def test_stop_cancels_the_awaited_binding(engine, start_lua):
    cancelled = asyncio.Event()
    vm = new_vm(engine)

    async def forever():
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    vm.context.env.forever = vm.context.async_function("forever", forever)
    run, _ = start_lua("forever()", vm=vm)
    await asyncio.sleep(0.1)
    assert (await run.stop()).state == "CANCELLED"
    await asyncio.wait_for(cancelled.wait(), 5)


async def test_ctx_spawn_runs_an_event_handler_in_the_script(engine, start_lua):
    vm = new_vm(engine)
    handler = vm.context.lua("local env = ... return function(x) env.handler(x) end", vm.context.env)
    run, _ = start_lua(
        "handler = function(x) print('got', x) done = true end while not done do sleep(10) end", vm=vm
    )
    await asyncio.sleep(0.05)
    assert vm.context.spawn(handler, 7)
    record = await finish(run)
    assert record.state == "COMPLETE"
    assert vm.console.lines()[0]["text"] == "got\t7"
    assert not vm.context.spawn(handler, 8)


async def test_modules_come_from_entry_points(engine):
    vm = engine.new_vm(new_vm(engine).services)
    names = set(vm.builtin_names)
    assert {"print", "sleep", "task", "json", "Vector2i", "Errors", "getConsole"} <= names


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("string.find('x', nil)", "executor:1: bad argument #2 to 'string.find' (string expected, got nil)"),
        (
            "local s = 'x'\ns:gsub()",
            "executor:2: bad argument #2 to 'string.gsub' (string expected, got no value)",
        ),
        ("setmetatable(1, {})", "executor:1: bad argument #1 to 'setmetatable' (table expected, got number)"),
        ("coroutine.resume(1)", "executor:1: bad argument #1 to 'resume' (coroutine expected, got number)"),
        ("string.match('x', '%')", "executor:1: malformed pattern (ends with '%')"),
    ],
)
async def test_wrapped_library_errors_point_at_the_users_line(run_lua, source, message):
    out = await run_lua(source)
    assert out.record.error["message"] == message


async def test_odd_sleep_values_do_not_break_the_scheduler(run_lua, start_lua):
    out = await run_lua("sleep(-5) sleep(0) sleep(0/0) return task.wait(-1) >= 0")
    assert out.record.results == [True]
    run, _ = start_lua("sleep(math.huge)")
    await asyncio.sleep(0.05)
    assert (await asyncio.wait_for(run.stop(), 5)).state == "CANCELLED"


async def test_async_binding_inside_a_user_coroutine(engine, run_lua):
    vm = new_vm(engine)

    async def double(n):
        await asyncio.sleep(0.01)
        if n < 0:
            raise LuaArgumentError("negative")
        return n * 2

    vm.context.env.double = vm.context.async_function("double", double)
    out = await run_lua(
        """
        local gen = coroutine.wrap(function()
          coroutine.yield(double(1))
          coroutine.yield(double(2))
          local ok, err = pcall(double, -1)
          coroutine.yield(err)
        end)
        return gen(), gen(), gen()
        """,
        vm=vm,
    )
    assert out.record.results == [2, 4, "double: negative"]


async def test_engine_close_stops_runs_and_runs_their_cleanups():
    engine = LuaEngine(Limits(cleanup_deadline_ms=500))
    await engine.start()
    vm = new_vm(engine)
    run = engine.run(vm, vm.compile("cleanup(function() print('cleaned') end) while true do end"))
    await asyncio.sleep(0.05)
    await engine.close()
    assert run.record.state == "CANCELLED"
    assert [line["text"] for line in vm.console.lines()] == ["cleaned"]


async def test_an_idle_engine_stops_ticking_and_still_ends_a_spinner(monkeypatch):
    """With no run (for ``QUIET_AFTER_S``) the watchdog rests (an idle kernel woke 100 times a
    second for it). A run wakes it: a script that sleeps first (its timer wakes no watchdog)
    and then spins is still ended by the budget."""
    monkeypatch.setattr(engine_module, "QUIET_AFTER_S", 0.05)
    eng = LuaEngine(make_limits(budget_ms=200))
    ticks = []
    eng.tick_hooks.append(lambda: ticks.append(time.monotonic()))
    await eng.start()
    try:
        await asyncio.sleep(0.3)
        idle_from = len(ticks)
        await asyncio.sleep(0.3)
        assert len(ticks) - idle_from <= 1
        for source in ("while true do end", "sleep(50) while true do end"):
            vm = new_vm(eng)
            record = await finish(eng.run(vm, vm.compile(source)))
            assert record.state == "FAILED" and "200 ms" in record.error["message"], record
            await asyncio.sleep(0.3)  # idle again before the next one
    finally:
        await eng.close()
