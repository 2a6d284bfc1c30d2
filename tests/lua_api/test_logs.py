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


async def test_console_of_another_bot_says_which_to_use(fleet, bot):
    await fleet.create_bot("bot-2")
    out = await run_lua(fleet, 'local x = getClient("bot-2"):console()')
    expected = "console: bot-2 is not this script's bot; use its own script's getConsole()"
    assert out.error == f"executor:1: {expected}"
