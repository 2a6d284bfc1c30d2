"""Seraph's ``getLogs()`` / ``client:logger()`` (a Logger over the script's console buffer:
``entries`` are the message strings) and ``client:console()`` (the ``getConsole()`` object)."""

from .conftest import run_lua


async def test_logs_and_console_share_the_script_buffer(fleet, bot):
    source = """
local c, logs = getClient(), getLogs()
print("mined", 3)
logs:add("from the logger")
getConsole():add("from the console")
local seen = logs.entries
local same = c:console() == getConsole() and c:logger() == logs and getLogs() == logs
local first = getConsole().entries[1]
return seen, #seen, same, type(first.timestamp), first.type, first.content, getmetatable(logs)
"""
    out = await run_lua(fleet, source)
    seen, count, same, stamp, kind, content, meta = out.ok
    assert seen == ["mined\t3", "from the logger", "from the console"] and count == 3
    assert (same, stamp, kind, content, meta) == (True, "number", "info", "mined\t3", "Logger")
    assert out.console == seen  # the REST console shows the lines the logger added


async def test_logs_clear_empties_the_console_and_logs_are_read_only(fleet, bot):
    source = """
print("one")
getLogs():clear()
print("two")
local ok, err = pcall(function() getLogs().entries = {} end)
return getLogs().entries, #getConsole().entries, ok, err
"""
    out = await run_lua(fleet, source)
    assert out.ok == [["two"], 1, False, "executor:5: the logger is read-only"]
    assert out.console == ["two"]


async def test_another_bots_console_is_its_newest_scripts_console(fleet, bot):
    """Seraph's client:console() of a sibling bot: the console its script sees as getConsole()."""
    await fleet.create_bot("bot-2")
    empty = await run_lua(fleet, 'print("none yet: " .. #getClient("bot-2"):logger().entries)')
    assert empty.console == ["none yet: 0"]
    worker = await run_lua(fleet, 'print("working")', client_id="bot-2")
    assert worker.console == ["working"]
    source = """
local other = getClient("bot-2")
local console, logs = other:console(), other:logger()
logs:add("a note from bot-1")
local seen, first = logs.entries, console.entries[1]
local same = other:console() == console and other:logger() == logs and console ~= getConsole()
return seen, first.content, first.type, same
"""
    assert (await run_lua(fleet, source)).ok == [["working", "a note from bot-1"], "working", "info", True]
    jobs = await fleet.jobs("bot-2")
    lines = (await fleet.console("bot-2", jobs[0]["script_id"]))["lines"]
    assert [line["text"] for line in lines] == ["working", "a note from bot-1"]
    assert (await run_lua(fleet, 'getClient("bot-2"):console():clear()')).ok == []
    assert (await fleet.console("bot-2", jobs[0]["script_id"]))["lines"] == []


async def test_a_bot_without_scripts_has_no_console_to_write(fleet, bot):
    await fleet.create_bot("bot-2")
    out = await run_lua(fleet, 'getClient("bot-2"):logger():add("hello")')
    assert out.error.endswith("console:add: bot-2 has no script, so no console")
