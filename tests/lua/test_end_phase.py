"""Every run reaches an end state, whatever its handlers do (issue 16): one deadline bounds the
whole end phase (cleanups, cleanups registered by cleanups, ``__close`` handlers of the
script's coroutines), a task that cancels itself as the last one ends the run, and results
are always valid JSON."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from seraph_kernel.engine.engine import LuaEngine

from .conftest import finish, make_limits, new_vm

# the conftest engine: cleanup_deadline_ms=1000; here the end phase gets 2.5 s in all
END_PHASE_MS = 2500


@pytest.fixture
async def engine():
    eng = LuaEngine(make_limits(end_phase_deadline_ms=END_PHASE_MS))
    await eng.start()
    try:
        yield eng
    finally:
        await eng.close()


async def run_timed(engine, source: str):
    vm = new_vm(engine)
    began = time.monotonic()
    run = engine.run(vm, vm.compile(source))
    record = await finish(run, timeout=20)
    return record, time.monotonic() - began, [line["text"] for line in vm.console.lines()]


async def assert_other_scripts_run(engine) -> None:
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile("sleep(10) return 'ok'")))
    assert record.results == ["ok"]


LOOPING_CLOSE = "setmetatable({}, {__close = function() while true do end end})"


async def test_a_looping_close_handler_of_a_user_coroutine_cannot_hold_a_normal_end(engine):
    source = f"""
co = coroutine.create(function()
  local guard <close> = {LOOPING_CLOSE}
  coroutine.yield()
end)
coroutine.resume(co)
return "done"
"""
    record, took, _ = await run_timed(engine, source)
    assert record.state == "COMPLETE" and record.results == ["done"]
    assert took < 15
    await assert_other_scripts_run(engine)


async def test_a_looping_close_handler_of_a_sleeping_task_cannot_hold_a_normal_end(engine):
    source = f"""
task.spawn(function()
  local guard <close> = {LOOPING_CLOSE}
  sleep(60000)
end)
sleep(20)
error("main fails while the task sleeps")
"""
    record, took, _ = await run_timed(engine, source)
    assert record.state == "FAILED" and "main fails" in record.error["message"]
    assert took < 15


async def test_cleanups_that_register_cleanups_share_one_deadline(engine):
    source = """
local function again()
  cleanup(again)
  local t = os.clock() while os.clock() - t < 0.2 do end
end
cleanup(again)
return 1
"""
    record, took, texts = await run_timed(engine, source)
    assert record.state == "COMPLETE"
    assert took < END_PHASE_MS / 1000 + 5
    assert any("the script's end exceeded its deadline of 2500 ms" in text for text in texts), texts


async def test_sleeping_cleanups_that_register_cleanups_share_one_deadline(engine):
    source = """
local function again() cleanup(again) sleep(400) end
cleanup(again)
"""
    record, took, texts = await run_timed(engine, source)
    assert record.state == "COMPLETE"
    assert took < END_PHASE_MS / 1000 + 5
    assert any("not run" in text for text in texts), texts


async def test_a_close_handler_inside_a_cleanup_is_bounded_too(engine):
    source = f"""
cleanup(function()
  co = coroutine.create(function()
    local guard <close> = {LOOPING_CLOSE}
    coroutine.yield()
  end)
  coroutine.resume(co)
end)
return 1
"""
    record, took, _ = await run_timed(engine, source)
    assert record.state == "COMPLETE"
    assert took < 15
    await assert_other_scripts_run(engine)


async def test_a_stopped_script_with_looping_close_handlers_ends_cancelled(engine):
    vm = new_vm(engine)
    source = f"""
for i = 1, 4 do
  task.spawn(function() local g <close> = {LOOPING_CLOSE} sleep(60000) end)
end
sleep(60000)
"""
    run = engine.run(vm, vm.compile(source))
    await asyncio.sleep(0.1)
    began = time.monotonic()
    record = await asyncio.wait_for(run.stop(), 20)
    assert record.state == "CANCELLED"
    assert time.monotonic() - began < 15


@pytest.mark.parametrize(
    "source",
    [
        # the last task cancels itself, then yields
        "me = task.defer(function() sleep(10) task.cancel(me) sleep(10) end)",
        # the main task cancels itself while nothing else runs
        "sleep(20) main = task.spawn(function() task.cancel(main) sleep(50) end)",
    ],
)
async def test_a_task_that_cancels_itself_as_the_last_one_ends_the_run(engine, source):
    record, took, _ = await run_timed(engine, source)
    assert record.state == "COMPLETE"
    assert took < 5


async def test_results_are_valid_json_whatever_the_numbers(engine):
    source = 'return "BaNaNa", math.huge, -math.huge, 0/0, {x = math.huge, list = {1, 0/0, "NaN"}}, "Inf"'
    record, _, _ = await run_timed(engine, source)
    assert record.state == "COMPLETE"
    assert record.results == ["BaNaNa", None, None, None, {"x": None, "list": [1, None, "NaN"]}, "Inf"]
    json.loads(json.dumps(record.to_dict(), allow_nan=False))
