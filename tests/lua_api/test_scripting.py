"""The child-script engine (``getScripting()`` / ``client:scripting()``) on a real LocalFleet:
each call, bad input, and the bounds of a script family (nesting, deadlines, stops, size)."""

from __future__ import annotations

import time

from waiting import wait_ended, wait_for

from seraph_kernel.commands.scripting import ENGINE_SCRIPT_ID, MAX_CHILD_DEPTH, MAX_CHILD_SOURCE_CHARS

from .conftest import run_lua

SLEEPER = "while true do sleep(20) end"


async def engine_status(fleet, bot_id: str = "bot-1") -> dict:
    return await fleet.status(bot_id, ENGINE_SCRIPT_ID)


async def test_execute_starts_a_child_run_that_shows_in_jobs_and_status(fleet):
    await fleet.create_bot("bot-1")
    out = await run_lua(
        fleet,
        f"""
local e = getScripting()
local before = e:get()
local t = now()
e:execute({SLEEPER!r})
local took = now() - t
return before, e:running(), e:get(), took, e:error(), tostring(e)
""",
    )
    before, running, source, took, error, name = out.ok
    assert (before, running, source, error) == ("", True, SLEEPER, None)
    assert took < 5000 and name == "ScriptEngine(bot-1)"
    jobs = {(j["client_id"], j["script_id"]): j for j in await fleet.jobs()}
    assert jobs[("bot-1", ENGINE_SCRIPT_ID)]["running"] is True
    await fleet.stop("bot-1", ENGINE_SCRIPT_ID)
    assert (await engine_status(fleet))["state"] == "CANCELLED"


async def test_two_scripts_asking_for_one_bot_drive_the_same_engine(fleet):
    await fleet.create_bot("bot-1")
    await fleet.create_bot("bot-2")
    started = await run_lua(
        fleet,
        f"""
assert(rawequal(getScripting(), getClient():scripting()))
getClient("bot-2"):scripting():execute({SLEEPER!r})
return getClient("bot-2"):scripting():running()
""",
    )
    assert started.ok == [True]
    seen = await run_lua(
        fleet,
        """
local e = getScripting()
local err = select(2, pcall(e.execute, e, "return 1"))
local running, source = e:running(), e:get()
e:stop()
e:stop()
return running, source, err, e:running()
""",
        client_id="bot-2",
    )
    running, source, err, after = seen.ok
    assert (running, source, after) == (True, SLEEPER, False)
    assert "execute: script already running: bot-2/scripting" in err


async def test_a_child_reports_its_results_its_error_and_runs_luau(fleet):
    await fleet.create_bot("bot-1")
    out = await run_lua(
        fleet,
        """
local e = getScripting()
e:execute("local x: number = 40\\nx += 2\\nreturn x, getClient().id")
while e:running() do sleep(10) end
local ok_error = e:error()
e:execute("error('boom')")
while e:running() do sleep(10) end
return ok_error, e:error(), e:get()
""",
    )
    ok_error, failed, source = out.ok
    assert ok_error is None and "boom" in failed and source == "error('boom')"
    status = await engine_status(fleet)
    assert status["state"] == "FAILED" and "boom" in status["last_error"]
    history = [j for j in await fleet.jobs("bot-1") if j["script_id"] == ENGINE_SCRIPT_ID]
    assert len(history) == 1 and history[0]["state"] == "FAILED"


async def test_the_first_luau_child_returns_its_values(fleet):
    await fleet.create_bot("bot-1")
    await run_lua(fleet, 'getScripting():execute("local x: number = 40\\nx += 2\\nreturn x, getClient().id")')
    status = await wait_ended(fleet, "bot-1", ENGINE_SCRIPT_ID)
    assert status["state"] == "COMPLETE" and status["results"] == [42, "bot-1"]


async def test_bad_input_names_the_call_and_changes_nothing(fleet):
    await fleet.create_bot("bot-1")
    out = await run_lua(
        fleet,
        f"""
local e = getScripting()
local function err(f, ...) return select(2, pcall(f, ...)) end
local huge = string.rep("-", {MAX_CHILD_SOURCE_CHARS + 1})
return err(e.execute, e, 42), err(e.execute, e, "x = = 1"), err(e.execute, e, huge),
  err(e.execute, {{}}, "return 1"), err(function() e.x = 1 end), err(e.running, "bot-1"),
  e:get(), e:running(), getmetatable(e)
""",
    )
    wrong_type, compile_error, huge, wrong_self, read_only, bad_self, source, running, meta = out.ok
    assert "execute: expected string source, got number" in wrong_type
    assert "execute: lua compile:" in compile_error
    assert f"execute: source: longer than {MAX_CHILD_SOURCE_CHARS} characters" in huge
    assert "execute: expected a script engine, got table" in wrong_self
    assert "a script engine is read-only" in read_only
    assert "running: expected a script engine, got string" in bad_self
    assert (source, running, meta) == ("", False, "ScriptEngine")


async def test_the_engine_of_a_deleted_bot_answers_unknown_bot(fleet):
    await fleet.create_bot("bot-1")
    await fleet.create_bot("bot-2")
    source = """
local e = getClient("bot-1"):scripting()
globalStorage:set("holding", true)
while not globalStorage:get("deleted") do sleep(10) end
local function err(f, ...) return select(2, pcall(f, ...)) end
return err(e.execute, e, "return 1"), err(e.running, e)
"""
    await fleet.execute("bot-2", "holder", source)
    await wait_for(lambda: _stored(fleet, "holding"), what="the holder")
    await fleet.delete_bot("bot-1")
    await fleet.storage_set("global", "deleted", True)
    status = await wait_ended(fleet, "bot-2", "holder")
    assert status["results"] == ["execute: unknown bot: bot-1", "running: unknown bot: bot-1"], status


async def _has_engine_run(fleet, client_id: str) -> bool:
    return any(j["script_id"] == ENGINE_SCRIPT_ID for j in await fleet.jobs(client_id))


async def _stored(fleet, key: str) -> bool:
    return await fleet.storage_get("global", key) is not None


async def test_a_child_cannot_restart_itself(fleet):
    await fleet.create_bot("bot-1")
    source = "local e = getScripting()\\nreturn select(2, pcall(e.execute, e, 'return 1'))"
    await run_lua(fleet, f'getScripting():execute("{source}")')
    status = await wait_ended(fleet, "bot-1", ENGINE_SCRIPT_ID)
    assert "script already running: bot-1/scripting" in status["results"][0]


CHAIN = """
local me = tonumber(string.match(getClient().id, "%d+"))
local ok, err = pcall(function()
  getClient("bot-" .. (me + 1)):scripting():execute(globalStorage:get("chain"))
end)
if not ok then globalStorage:set("refused", {depth = me - 1, error = err}) end
while true do sleep(20) end
"""


async def test_children_that_start_children_stop_at_the_depth_limit(fleet):
    bots = [f"bot-{i}" for i in range(1, MAX_CHILD_DEPTH + 3)]
    for bot_id in bots:
        await fleet.create_bot(bot_id)
    await fleet.storage_set("global", "chain", CHAIN)
    await fleet.execute("bot-1", "root", CHAIN)

    await wait_for(lambda: _stored(fleet, "refused"), timeout=20, what="the refused child")
    refusal = await fleet.storage_get("global", "refused")
    assert refusal["depth"] == MAX_CHILD_DEPTH
    assert f"nest at most {MAX_CHILD_DEPTH} deep" in refusal["error"]
    jobs = await fleet.jobs()
    running = {j["client_id"] for j in jobs if j["running"] and j["script_id"] == ENGINE_SCRIPT_ID}
    assert running == {f"bot-{i}" for i in range(2, MAX_CHILD_DEPTH + 2)}
    # stopping the root stops the whole family
    await fleet.stop("bot-1", "root")

    async def family_stopped() -> bool:
        return not any(j["running"] for j in await fleet.jobs())

    await wait_for(family_stopped, timeout=10, what="the family to stop")
    for bot_id in bots[1 : MAX_CHILD_DEPTH + 1]:
        assert (await engine_status(fleet, bot_id))["state"] == "CANCELLED"


async def test_a_child_gets_no_more_time_than_its_parent(fleet):
    await fleet.create_bot("bot-1")
    await fleet.create_bot("bot-2")
    parent = f"""
getClient("bot-2"):scripting():execute({SLEEPER!r})
while true do sleep(20) end
"""
    started = time.monotonic()
    await fleet.execute("bot-1", "parent", parent, timeout_ms=1500)
    await wait_for(lambda: _has_engine_run(fleet, "bot-2"), what="the child")
    child = await wait_ended(fleet, "bot-2", ENGINE_SCRIPT_ID, timeout=20)
    assert child["state"] == "FAILED" and child["error"]["code"] == "DEADLINE_EXCEEDED"
    assert 0 < child["timeout_ms"] <= 1500
    assert time.monotonic() - started < 15
    parent_status = await wait_ended(fleet, "bot-1", "parent")
    assert parent_status["error"]["code"] == "DEADLINE_EXCEEDED"


async def test_a_child_outlives_a_parent_that_ended_normally(fleet):
    await fleet.create_bot("bot-1")
    await run_lua(fleet, f"getScripting():execute({SLEEPER!r})")
    assert (await engine_status(fleet))["running"] is True
    await fleet.stop("bot-1", ENGINE_SCRIPT_ID)


async def test_a_child_stopping_its_own_engine_ends_cleanly(fleet):
    await fleet.create_bot("bot-1")
    child = "cleanup(function() globalStorage:set('cleaned', true) end)\ngetScripting():stop()\nsleep(5000)"
    await run_lua(fleet, f"getScripting():execute({child!r})")
    status = await wait_ended(fleet, "bot-1", ENGINE_SCRIPT_ID, timeout=10)
    assert status["state"] == "CANCELLED"
    assert await fleet.storage_get("global", "cleaned") is True
