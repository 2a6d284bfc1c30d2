"""ConsoleBuffer byte bounds and the total cap shared by every console of a process."""

from __future__ import annotations

import asyncio
import gc
import pickle
import threading

from seraph_kernel.engine.console_buffer import (
    MAX_LINE_BYTES,
    ConsoleBudget,
    ConsoleBuffer,
    line_cost,
    process_budget,
)
from seraph_kernel.engine.registry import RunRegistry

from .conftest import make_limits

KB_LINE = "x" * 1000
KB_COST = line_cost(KB_LINE)


def fill(console: ConsoleBuffer, count: int, tag: str = "") -> None:
    for i in range(count):
        console.append("info", f"{tag}{i:06d}" + KB_LINE)


def test_a_buffer_keeps_its_newest_lines_within_its_bytes():
    console = ConsoleBuffer(max_lines=5000, max_bytes=20 * KB_COST, budget=ConsoleBudget())
    fill(console, 500)
    lines = console.lines()
    assert console.bytes <= 20 * KB_COST
    assert len(lines) == 19  # each line's text is a few bytes longer than KB_LINE
    assert [line["seq"] for line in lines] == list(range(482, 501))
    assert lines[-1]["text"].startswith("000499")
    assert console.bytes == sum(line_cost(line["text"]) for line in lines)


def test_lines_whose_text_grows_in_memory_later_keep_the_buffer_bounded():
    """``getsizeof`` of a non-ASCII text grows once its UTF-8 is asked for, and the fleet
    process pickles every console line it sends the server. A line gives back what it counted
    for when it came (before, the larger size: the buffer forgot bytes it held and kept
    thousands of lines past its bound)."""
    budget = ConsoleBudget()
    line = "\u2026" + KB_LINE
    console = ConsoleBuffer(max_lines=5000, max_bytes=20 * line_cost(line), budget=budget)
    for i in range(500):
        pickle.dumps(console.append("info", f"{i:06d}{line}"))  # caches the text's UTF-8
    assert len(console) == 19
    assert budget.used_bytes == console.bytes <= 20 * line_cost(line)


def test_the_newest_line_is_kept_even_when_it_is_bigger_than_the_buffer():
    budget = ConsoleBudget()
    console = ConsoleBuffer(max_bytes=100, budget=budget)
    console.append("info", "small")
    console.append("info", "y" * 5000)
    assert [line["text"] for line in console.lines()] == ["y" * 5000]
    assert budget.used_bytes == console.bytes == line_cost("y" * 5000)


def test_long_lines_are_still_clipped_and_counted_after_clipping():
    console = ConsoleBuffer(budget=ConsoleBudget())
    text = console.append("info", "z" * (10 * MAX_LINE_BYTES))["text"]
    assert text.endswith("bytes]") and len(text) < MAX_LINE_BYTES + 64
    assert console.bytes == line_cost(text)


def test_the_total_cap_holds_across_buffers_and_evicts_the_biggest():
    budget = ConsoleBudget(limit_bytes=100 * KB_COST)
    consoles = [ConsoleBuffer(max_bytes=1 << 20, budget=budget) for _ in range(8)]
    for n, console in enumerate(consoles):
        fill(console, 60, tag=f"c{n}-")
        assert budget.used_bytes <= budget.limit_bytes
    assert budget.used_bytes == sum(c.bytes for c in consoles)
    for n, console in enumerate(consoles):
        # every console still has its newest line; none was starved by the ones before it
        assert console.lines()[-1]["text"].startswith(f"c{n}-000059")
    # the first console wrote alone and was the biggest, so it paid for the later ones
    assert consoles[0].bytes < 30 * KB_COST
    assert consoles[-1].bytes >= 10 * KB_COST


def test_a_chatty_buffer_pays_for_its_own_output():
    budget = ConsoleBudget(limit_bytes=40 * KB_COST)
    quiet = ConsoleBuffer(budget=budget)
    fill(quiet, 5, tag="quiet")
    chatty = ConsoleBuffer(budget=budget)
    fill(chatty, 1000, tag="chatty")
    assert len(quiet) == 5
    assert budget.used_bytes <= budget.limit_bytes
    assert chatty.lines()[-1]["text"].startswith("chatty000999")


def test_dropped_and_cleared_buffers_give_their_bytes_back():
    budget = ConsoleBudget()
    kept, dropped = ConsoleBuffer(budget=budget), ConsoleBuffer(budget=budget)
    fill(kept, 10)
    fill(dropped, 10)
    assert budget.used_bytes == 20 * line_cost("000000" + KB_LINE)
    del dropped
    gc.collect()
    assert budget.used_bytes == kept.bytes == 10 * line_cost("000000" + KB_LINE)
    assert len(budget) == 1
    kept.clear()
    assert budget.used_bytes == 0 and kept.append("info", "after")["seq"] == 11


def test_a_buffer_collected_while_its_budget_is_busy_does_not_deadlock():
    budget = ConsoleBudget()
    cyclic = ConsoleBuffer(budget=budget)
    cyclic.append("info", "held by a reference cycle")
    cyclic.cycle = cyclic  # VMs, contexts and consoles refer to each other the same way
    del cyclic

    def collect_inside_the_budget() -> None:
        with budget._lock:  # as when an allocation inside the budget runs the collector
            gc.collect()

    thread = threading.Thread(target=collect_inside_the_budget, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the finalizer deadlocked on the budget's lock"
    assert budget.used_bytes == 0


def test_buffers_use_the_process_budget_by_default():
    before = process_budget().used_bytes
    console = ConsoleBuffer()
    console.append("info", "hello")
    assert process_budget().used_bytes == before + line_cost("hello")
    console.clear()
    assert process_budget().used_bytes == before


def test_concurrent_appends_and_reads_keep_the_accounting_exact():
    budget = ConsoleBudget(limit_bytes=200 * KB_COST)
    consoles = [ConsoleBuffer(max_bytes=64 * KB_COST, budget=budget) for _ in range(8)]
    stop = threading.Event()

    def write(console: ConsoleBuffer) -> None:
        fill(console, 2000)

    def read() -> None:
        while not stop.is_set():
            for console in consoles:
                console.lines()

    writers = [threading.Thread(target=write, args=(c,)) for c in consoles]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    stop.set()
    reader.join(timeout=10)
    assert not any(t.is_alive() for t in [*writers, reader]), "an append or read deadlocked"
    assert budget.used_bytes == sum(c.bytes for c in consoles)
    assert budget.used_bytes <= budget.limit_bytes
    for console in consoles:
        assert console.bytes == sum(line_cost(line["text"]) for line in console.lines())
        assert console.lines()[-1]["text"].startswith("001999")


async def test_a_script_printing_huge_lines_stays_within_its_console_bytes(engine):
    engine.limits = make_limits(console_bytes=256 * 1024)
    registry = RunRegistry(engine, lambda bot: bot == "bot-1")
    await registry.execute(
        "bot-1", "flood", "local s = string.rep('x', 100000) for i = 1, 2000 do print(i, s) end"
    )

    async def ended() -> None:
        while registry.status("bot-1", "flood")["running"]:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(ended(), 30)
    assert registry.status("bot-1", "flood")["state"] == "COMPLETE"
    lines = registry.console("bot-1", "flood")["lines"]
    assert 0 < len(lines) < 20
    assert sum(line_cost(line["text"]) for line in lines) <= 256 * 1024
    assert lines[-1]["text"].startswith("2000\t")


async def test_forgetting_a_bot_gives_its_console_bytes_back(engine):
    registry = RunRegistry(engine, lambda bot: bot == "bot-1")
    gc.collect()  # the consoles earlier tests dropped
    before = process_budget().used_bytes
    await registry.execute("bot-1", "chatty", "for i = 1, 50 do print(string.rep('y', 1000)) end")

    async def ended() -> None:
        while registry.status("bot-1", "chatty")["running"]:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(ended(), 30)
    assert process_budget().used_bytes >= before + 50 * line_cost("y" * 1000)
    registry.forget_client("bot-1")
    for _ in range(100):  # the closed VM (and its console) is dropped once a worker freed it
        gc.collect()
        if process_budget().used_bytes == before:
            break
        await asyncio.sleep(0.05)
    assert process_budget().used_bytes == before
