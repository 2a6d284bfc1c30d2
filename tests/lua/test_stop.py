"""Stop and interrupt end every runaway shape, even when user code tries to swallow the kill."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import finish

RUNAWAYS = {
    "plain loop": "while true do end",
    "loop in pcall": "pcall(function() while true do end end) while true do end",
    "pcall in a loop": "while true do pcall(function() while true do end end) end",
    "xpcall with a looping handler": (
        "while true do xpcall(function() while true do end end, function() while true do end end) end"
    ),
    "loop in a spawned task": "task.spawn(function() while true do end end) sleep(60000)",
    "spawned tasks swallowing in pcall": (
        "for i = 1, 3 do task.spawn(function() "
        "while true do pcall(function() while true do end end) end end) end "
        "while true do sleep(10) end"
    ),
    "loop in a nested coroutine": (
        "coroutine.wrap(function() coroutine.wrap(function() while true do end end)() end)()"
    ),
    "coroutine.wrap in a loop": "while true do pcall(coroutine.wrap(function() while true do end end)) end",
    "resume in a loop": (
        "while true do local co = coroutine.create(function() while true do end end) coroutine.resume(co) end"
    ),
    "loop in __close": (
        "local x <close> = setmetatable({}, {__close = function() while true do end end}) while true do end"
    ),
    "loop in __index": "local t = setmetatable({}, {__index = function() while true do end end}) return t.x",
    "loop in a sort comparator": "local t = {3, 2, 1} table.sort(t, function(a, b) while true do end end)",
    "loop in a gsub callback": "string.gsub('abc', '%w', function() while true do end end)",
    "sleeping": "while true do sleep(1000) end",
    "busy sleeping": "while true do sleep(0) end",
}


@pytest.mark.parametrize("source", RUNAWAYS.values(), ids=RUNAWAYS.keys())
async def test_stop_ends_the_runaway(start_lua, source):
    run, _ = start_lua(source)
    await asyncio.sleep(0.05)
    assert run.running
    record = await asyncio.wait_for(run.stop(), 5)
    assert record.state == "CANCELLED" and not record.running
    assert record.error is None


@pytest.mark.parametrize("name", ["plain loop", "pcall in a loop", "loop in a spawned task"])
async def test_interrupt_ends_the_runaway_and_the_vm_runs_again(engine, start_lua, name):
    run, vm = start_lua(RUNAWAYS[name])
    await asyncio.sleep(0.05)
    run.interrupt()
    record = await finish(run, 5)
    assert record.state == "CANCELLED"
    assert record.error == {"code": "SCRIPT_ERROR", "message": "KeyboardInterrupt"}
    again = engine.run(vm, vm.compile("local n = 0 for i = 1, 1e5 do n = n + 1 end sleep(1) return n"))
    assert (await finish(again)).results == [100000]


@pytest.fixture
def always_on_hooks(monkeypatch):
    """The fallback when lua_sethook cannot be reached: every coroutine keeps a count hook."""
    from seraph_kernel.engine import sandbox, vm

    monkeypatch.setattr(sandbox, "hook_armer", lambda: None)
    monkeypatch.setattr(vm, "hook_armer", lambda: None)


@pytest.mark.parametrize(
    "name", ["plain loop", "pcall in a loop", "loop in a nested coroutine", "loop in __index"]
)
async def test_stop_works_with_always_on_hooks(always_on_hooks, start_lua, name):
    run, _ = start_lua(RUNAWAYS[name])
    await asyncio.sleep(0.05)
    record = await asyncio.wait_for(run.stop(), 5)
    assert record.state == "CANCELLED"


async def test_budget_works_with_always_on_hooks(always_on_hooks, run_lua):
    out = await run_lua("while true do end")
    assert out.record.error["message"] == "script ran for more than 2000 ms without yielding"


async def test_a_kill_whose_arming_was_lost_is_armed_again(start_lua):
    """The race found by the soak: a hook armed for another reason sees no kill yet and
    disarms itself just as the watchdog arms it for the kill. The watchdog arms a killed run
    that still runs again on its next tick (before, it armed once and the run spun forever)."""
    run, vm = start_lua("while true do end")
    real_arm, lost = vm.arm_hooks, []

    def arm_losing_the_kill() -> None:
        if run.kill_message is not None and not lost:
            lost.append(run.kill_message)  # as if the hook had disarmed itself right after
            return
        real_arm()

    vm.arm_hooks = arm_losing_the_kill
    record = await asyncio.wait_for(finish(run), 10)
    assert lost == ["script ran for more than 2000 ms without yielding"]
    assert record.error["message"] == lost[0]
