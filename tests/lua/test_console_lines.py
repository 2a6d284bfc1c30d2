"""Console lines in batches (issue 14): ``print``/``warn`` wait in the VM and reach the console
on the task's next yield, before a binding call, when the batch is full or old, and before any
line the runtime adds itself (a killed script's error comes after what it printed)."""

from __future__ import annotations

import asyncio
import time

from attack_sources import FILL
from waiting import wait_for

from seraph_kernel.engine.console_buffer import ConsoleBuffer
from seraph_kernel.engine.engine import LuaEngine
from seraph_kernel.engine.registry import DetachedServices

from .conftest import finish, make_limits, new_vm

SPIN = "while true do end"


async def test_a_killed_spinner_keeps_its_line_before_its_error(engine, start_lua):
    run, vm = start_lua(f"print('once') warn('careful') {SPIN}", timeout_ms=300)
    record = await finish(run)
    assert record.state == "FAILED" and record.error["code"] == "DEADLINE_EXCEEDED"
    lines = vm.console.lines()
    assert [(line["level"], line["text"]) for line in lines] == [
        ("info", "once"),
        ("warn", "careful"),
        ("error", "script exceeded its timeout of 300 ms"),
    ]
    assert [line["seq"] for line in lines] == [1, 2, 3]


async def test_a_stopped_spinner_keeps_its_line(engine, start_lua):
    run, vm = start_lua(f"print('working') {SPIN}")
    await asyncio.sleep(0.2)
    record = await asyncio.wait_for(run.stop(), 10)
    assert record.state == "CANCELLED"
    assert [line["text"] for line in vm.console.lines()] == ["working"]


async def test_a_script_error_comes_after_its_lines(run_lua):
    outcome = await run_lua("for i = 1, 100 do print(i) end error('boom')")
    assert outcome.texts == [str(i) for i in range(1, 101)] + ["executor:1: boom"]
    assert outcome.levels[-1] == "error"


async def test_lines_keep_their_order_with_what_a_binding_adds(run_lua):
    outcome = await run_lua("print('a') getConsole():add('b') print('c') sleep(1) print('d')")
    assert outcome.texts == ["a", "b", "c", "d"]


async def test_cleanups_and_close_handlers_print_in_order(run_lua):
    source = """
cleanup(function() print('cleanup') end)
local guard <close> = setmetatable({}, { __close = function() print('closed') end })
print('main')
error('failed')
"""
    outcome = await run_lua(source)
    assert outcome.texts == ["main", "closed", "executor:5: failed", "cleanup"]


async def test_a_long_computation_shows_its_progress_while_it_runs(engine, start_lua):
    # one line, then no print and no yield: only the watchdog-armed hook can hand it over
    run, vm = start_lua(f"print('started') {SPIN}")
    started = time.monotonic()

    async def shown() -> bool:
        return [line["text"] for line in vm.console.lines()] == ["started"]

    await wait_for(shown, timeout=5, what="the line of a script still computing")
    assert run.running
    assert time.monotonic() - started < 5
    await asyncio.wait_for(run.stop(), 10)


async def test_a_loop_printing_without_yielding_is_seen_in_batches(engine, start_lua):
    run, vm = start_lua("local i = 0 while true do i = i + 1 print(i) end")

    async def some() -> bool:
        return len(vm.console.lines()) >= 10

    await wait_for(some, timeout=5, what="lines of a script printing in a loop")
    assert run.running
    await asyncio.wait_for(run.stop(), 10)
    texts = [line["text"] for line in vm.console.lines()]
    assert texts == [str(i) for i in range(int(texts[0]), int(texts[0]) + len(texts))]


async def test_a_flood_of_prints_keeps_the_newest_lines_and_loses_none_below_the_trim():
    limits = make_limits(memory_bytes=2 << 20)  # pending lines live in this small VM
    engine = LuaEngine(limits)
    await engine.start()
    try:
        batches: list[int] = []
        console = ConsoleBuffer(limits.console_lines)
        console.batch_listener = lambda lines: batches.append(len(lines))
        vm = engine.new_vm(DetachedServices("bot-1", console), console=console)
        source = "local s = string.rep('x', 900) for i = 1, 20000 do print(i, s) end return 1"
        record = await finish(engine.run(vm, vm.compile(source)), timeout=60)
        assert record.state == "COMPLETE", record.error
        lines = console.lines()
        kept = len(lines)  # the newest within the console's lines and bytes
        assert kept > 500 and console.bytes <= console.max_bytes
        assert [int(line["text"].split("\t")[0]) for line in lines] == list(range(20001 - kept, 20001))
        assert lines[-1]["seq"] == 20000
        assert sum(batches) == 20000 and max(batches) <= 64
        assert len(batches) < 20000 // 8, "lines were not batched"
        vm.close()
    finally:
        await engine.close()


async def test_printing_in_a_full_vm_is_the_scripts_error_and_keeps_the_lines(run_lua):
    source = f"""
local line = string.rep("p", 200)
local function shout() print(line) end
print("before")
{FILL}
local failures = 0
for i = 1, 2000 do
  if not pcall(shout) then failures = failures + 1 end
end
hog = nil
collectgarbage()
print("after", failures)
return failures
"""
    outcome = await run_lua(source)
    assert outcome.record.state == "COMPLETE", outcome.record.error
    texts = outcome.texts
    assert texts[0] == "before" and texts[-1] == f"after\t{outcome.record.results[0]}"
    assert texts.count("p" * 200) == 2000 - outcome.record.results[0]


async def test_a_task_yielding_many_values_does_not_crash_the_host(run_lua):
    outcome = await run_lua("coroutine.yield(table.unpack({}, 1, 300)) print('after') return 1")
    assert outcome.record.state == "COMPLETE" and outcome.texts == ["after"]


async def test_lines_of_a_vm_without_a_console_of_its_own_reach_services_emit(engine):
    seen: list[tuple[str, str]] = []
    vm = engine.new_vm(DetachedServices("bot-1", lambda level, text: seen.append((level, text))))
    record = await finish(engine.run(vm, vm.compile("print('a') warn('b') sleep(1) print('c')")))
    assert record.state == "COMPLETE"
    assert seen == [("info", "a"), ("warn", "b"), ("info", "c")]
    assert [line["text"] for line in vm.console.lines()] == ["a", "b", "c"]


async def test_invalid_utf8_lines_are_sanitized(run_lua):
    outcome = await run_lua("print('ok\\255') return 1")
    assert outcome.texts == ["ok?"]


def test_append_many_is_one_change():
    seen: list[list[dict]] = []
    console = ConsoleBuffer(max_lines=3)
    console.batch_listener = seen.append
    added = console.append_many([("info", "a"), ("nonsense", "b"), ("warn", "c"), ("error", "d")])
    assert [(line["level"], line["text"], line["seq"]) for line in added] == [
        ("info", "a", 1),
        ("info", "b", 2),
        ("warn", "c", 3),
        ("error", "d", 4),
    ]
    assert len({line["ts_ms"] for line in added}) == 1
    assert seen == [added]
    assert [line["text"] for line in console.lines()] == ["b", "c", "d"]
    console.append("info", "e")
    assert [line["seq"] for line in seen[-1]] == [5]


def test_lines_after_a_seq_once_old_lines_are_trimmed():
    console = ConsoleBuffer(max_lines=5)
    console.append_many([("info", str(i)) for i in range(1, 13)])
    assert [line["seq"] for line in console.lines()] == [8, 9, 10, 11, 12]
    assert [line["text"] for line in console.lines(after=10)] == ["11", "12"]
    assert [line["seq"] for line in console.lines(after=3)] == [8, 9, 10, 11, 12]
    assert console.lines(after=12) == [] and console.lines(after=99) == []
    console.clear()
    console.append("warn", "again")
    assert console.lines(after=12) == [
        {"ts_ms": console.lines()[0]["ts_ms"], "level": "warn", "text": "again", "seq": 13}
    ]


async def test_an_async_call_takes_at_most_16_arguments_and_comes_after_the_lines_before_it(engine, run_lua):
    vm = new_vm(engine)
    seen: list[int] = []

    async def count(*args):
        seen.append(len(vm.console.lines()))  # the lines printed before the call are there
        return len(args)

    vm.context.env.count = vm.context.async_function("count", count)
    source = """
print('a') print('b')
local n = count(table.unpack({}, 1, 16))
local ok, err = pcall(count, table.unpack({}, 1, 300))
return n, ok, err
"""
    outcome = await run_lua(source, vm=vm)
    assert outcome.record.state == "COMPLETE", outcome.record.error
    n, ok, err = outcome.record.results
    assert (n, ok) == (16, False) and "too many arguments (over 16)" in err
    assert seen == [2]
