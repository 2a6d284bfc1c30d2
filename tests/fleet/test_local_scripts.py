"""Detached scripts through LocalFleet: the run registry bound to the fleet's bots, console,
stop with cleanups, jobs, and run records kept in the store."""

import asyncio

import pytest
from waiting import wait_ended

from seraph_kernel.errors import (
    InvalidArgument,
    LuaCompileError,
    ScriptAlreadyRunning,
    UnknownBot,
    UnknownScript,
)

SPIN = "while true do sleep(10) end"


@pytest.fixture
async def bot(fleet):
    return (await fleet.create_bot())["id"]


async def test_a_script_runs_bound_to_its_bot(fleet, bot):
    await fleet.execute(bot, "hello", 'print("hi from", getClient().id)\nreturn 1, "two"')
    status = await wait_ended(fleet, bot, "hello")
    assert (status["state"], status["last_error"], status["results"]) == ("COMPLETE", None, [1, "two"])
    lines = (await fleet.console(bot, "hello"))["lines"]
    assert [(line["level"], line["text"]) for line in lines] == [("info", f"hi from\t{bot}")]


async def test_scripts_use_the_fleet_storage(fleet, bot):
    source = 'storage:set("mined", 12)\nglobalStorage:set("runs", 1)\nreturn storage:get("mined")'
    await fleet.execute(bot, "store", source)
    assert (await wait_ended(fleet, bot, "store"))["results"] == [12]
    assert await fleet.storage_get(f"bot:{bot}", "mined") == 12
    assert await fleet.storage_get("global", "runs") == 1


async def test_execute_refuses_unknown_bots_syntax_errors_and_duplicates(fleet, bot):
    with pytest.raises(UnknownBot, match="unknown bot: bot-99"):
        await fleet.execute("bot-99", "s", "print(1)")
    with pytest.raises(LuaCompileError, match=r"^lua compile: 1:"):
        await fleet.execute(bot, "s", "this is not lua")
    assert await fleet.jobs() == []
    await fleet.execute(bot, "s", SPIN)
    with pytest.raises(ScriptAlreadyRunning):
        await fleet.execute(bot, "s", "print(2)")
    assert (await fleet.status(bot, "s"))["running"] is True
    with pytest.raises(UnknownScript):
        await fleet.status(bot, "never")


async def test_stop_runs_cleanups_and_is_idempotent(fleet, bot):
    source = 'cleanup(function() globalStorage:set("cleaned", true) end)\n' + SPIN
    await fleet.execute(bot, "loop", source)
    await asyncio.sleep(0.05)
    await fleet.stop(bot, "loop")
    await fleet.stop(bot, "loop")
    status = await wait_ended(fleet, bot, "loop")
    assert status["state"] == "CANCELLED"
    assert await fleet.storage_get("global", "cleaned") is True


async def test_errors_end_the_run_with_the_message(fleet, bot):
    await fleet.execute(bot, "bad", 'error("boom")')
    status = await wait_ended(fleet, bot, "bad")
    assert status["state"] == "FAILED"
    assert "boom" in status["last_error"]
    assert status["error"]["code"] == "SCRIPT_ERROR"


async def test_console_paging_and_clear(fleet, bot):
    await fleet.execute(bot, "count", 'for i = 1, 3 do print("line", i) end')
    await wait_ended(fleet, bot, "count")
    lines = (await fleet.console(bot, "count"))["lines"]
    assert [line["text"] for line in lines] == ["line\t1", "line\t2", "line\t3"]
    later = (await fleet.console(bot, "count", after=lines[0]["seq"]))["lines"]
    assert [line["text"] for line in later] == ["line\t2", "line\t3"]
    await fleet.console_clear(bot, "count")
    assert (await fleet.console(bot, "count"))["lines"] == []


async def test_jobs_and_stop_all(fleet, bot):
    other = (await fleet.create_bot())["id"]
    await fleet.execute(bot, "a", SPIN)
    await fleet.execute(other, "b", SPIN)
    await fleet.execute(other, "done", "return 1")
    await wait_ended(fleet, other, "done")
    jobs = {(j["client_id"], j["script_id"]): j for j in await fleet.jobs()}
    assert jobs[(bot, "a")]["running"] and jobs[(other, "b")]["running"]
    assert jobs[(other, "done")]["state"] == "COMPLETE"
    assert {j["script_id"] for j in await fleet.jobs(other)} == {"b", "done"}
    assert await fleet.stop_all() == 2
    assert not any(j["running"] for j in await fleet.jobs())


async def test_deleting_a_bot_stops_its_scripts(fleet, bot):
    keep = (await fleet.create_bot())["id"]
    await fleet.execute(bot, "a", 'cleanup(function() globalStorage:set("a-cleaned", 1) end)\n' + SPIN)
    await fleet.execute(keep, "b", SPIN)
    await asyncio.sleep(0.05)
    await fleet.delete_bot(bot)
    assert await fleet.storage_get("global", "a-cleaned") == 1
    assert [(j["client_id"], j["running"]) for j in await fleet.jobs()] == [(keep, True)]


async def test_no_script_starts_on_a_bot_while_it_is_being_deleted(fleet, bot):
    """A cleanup keeps the deletion waiting; a start in that window is refused, so no run
    outlives the bot."""
    await fleet.execute(bot, "slow", "cleanup(function() sleep(300) end)\n" + SPIN)
    await asyncio.sleep(0.05)
    deleting = asyncio.create_task(fleet.delete_bot(bot))
    await asyncio.sleep(0.1)
    assert not deleting.done()
    with pytest.raises(UnknownBot):
        await fleet.execute(bot, "late", SPIN)
    with pytest.raises(UnknownBot):
        await fleet.delete_bot(bot)
    await asyncio.wait_for(deleting, 10)
    assert await fleet.jobs() == []


@pytest.mark.parametrize(
    "script_id", [".", "..", "a/b", "a\\b", "a?b", "a#b", "100%", "a\x00", "\ud800", " s", "s\n"]
)
async def test_script_ids_urls_cannot_carry_are_refused_at_start(fleet, bot, script_id):
    with pytest.raises(InvalidArgument, match=r"^script_id: .*\(allowed: "):
        await fleet.execute(bot, script_id, "return 1")
    assert await fleet.jobs() == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "print(1)"), "script_id"),
        ((None, "print(1)"), "script_id"),
        (("s", b"print(1)"), "source"),
        (("s", "print(1)", 0), "timeout_ms"),
        (("s", "print(1)", "5"), "timeout_ms"),
    ],
)
async def test_bad_execute_arguments_start_nothing(fleet, bot, args, field):
    with pytest.raises(InvalidArgument, match=f"^{field}: "):
        await fleet.execute(bot, *args)
    assert await fleet.jobs() == []


async def test_a_timeout_ends_the_run(fleet, bot):
    await fleet.execute(bot, "slow", SPIN, timeout_ms=100)
    status = await wait_ended(fleet, bot, "slow")
    assert (status["state"], status["error"]["code"], status["timeout_ms"]) == (
        "FAILED",
        "DEADLINE_EXCEEDED",
        100,
    )
