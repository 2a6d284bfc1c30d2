"""ConsoleBuffer: bounded, monotonic seq, ``after`` reads, clear, long lines cut."""

from __future__ import annotations

import threading

from seraph_kernel.engine.console_buffer import ConsoleBuffer


def test_keeps_the_newest_lines_with_growing_seq():
    console = ConsoleBuffer(max_lines=3)
    for i in range(5):
        console.append("info", f"line {i}")
    lines = console.lines()
    assert [line["text"] for line in lines] == ["line 2", "line 3", "line 4"]
    assert [line["seq"] for line in lines] == [3, 4, 5]
    assert set(lines[0]) == {"ts_ms", "level", "text", "seq"}


def test_after_returns_only_newer_lines_and_clear_keeps_seq_growing():
    console = ConsoleBuffer()
    first = console.append("warn", "a")
    console.append("error", "b")
    assert [line["text"] for line in console.lines(after=first["seq"])] == ["b"]
    console.clear()
    assert console.lines() == []
    assert console.append("info", "c")["seq"] == 3


def test_unknown_levels_become_info_and_long_lines_are_cut():
    console = ConsoleBuffer()
    assert console.append("debug", "x")["level"] == "info"
    text = console.append("info", "é" * 20000)["text"]
    assert len(text.encode()) < 16 * 1024 + 64
    assert text.endswith("bytes]")


def test_listener_sees_every_line_and_appends_are_thread_safe():
    seen = []
    console = ConsoleBuffer(max_lines=10_000, listener=seen.append)
    threads = [
        threading.Thread(target=lambda: [console.append("info", "x") for _ in range(500)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(console) == 2000 and len(seen) == 2000
    assert sorted(line["seq"] for line in console.lines()) == list(range(1, 2001))


def test_a_buffer_that_holds_no_line_is_small_and_works_once_lines_come():
    """Most scripts of a farm never print: their buffers must not pay for columns of lines
    (four empty deques were 3 KB each buffer), before the first line or after ``clear``."""
    import tracemalloc

    from seraph_kernel.engine.console_buffer import ConsoleBudget

    budget = ConsoleBudget()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        buffers = [ConsoleBuffer(budget=budget) for _ in range(200)]
        per_buffer = (tracemalloc.get_traced_memory()[0] - before) / len(buffers)
    finally:
        tracemalloc.stop()
    assert per_buffer < 1500
    console = buffers[0]
    assert len(console) == 0 and console.lines() == [] and console.bytes == 0
    console.append_many([("info", "a"), ("warn", "b")])
    console.clear()
    assert len(console) == 0 and console.lines() == [] and console.bytes == 0
    assert console.append("info", "c")["seq"] == 3
    assert [line["text"] for line in console.lines()] == ["c"]
