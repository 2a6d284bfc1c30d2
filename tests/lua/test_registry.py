"""RunRegistry: the detached scripts of spec 001, keyed by (client_id, script_id)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from seraph_kernel.engine.registry import OFF_LOOP_SOURCE_CHARS, DetachedServices, RunRegistry
from seraph_kernel.errors import LuaCompileError, ScriptAlreadyRunning, UnknownBot, UnknownScript

BOTS = {"bot-1", "bot-2"}


@pytest.fixture
def registry(engine):
    return RunRegistry(engine, lambda bot: bot in BOTS)


async def ended(registry, client_id, script_id, timeout=10.0):
    async def poll():
        while registry.status(client_id, script_id)["running"]:
            await asyncio.sleep(0.01)
        return registry.status(client_id, script_id)

    return await asyncio.wait_for(poll(), timeout)


async def test_execute_runs_detached_and_status_follows(registry):
    await registry.execute("bot-1", "auto-mine", "for i = 1, 3 do sleep(20) print('tick') end return 'done'")
    status = registry.status("bot-1", "auto-mine")
    assert status["running"] is True and status["last_error"] is None
    status = await ended(registry, "bot-1", "auto-mine")
    assert status == {
        "running": False,
        "last_error": None,
        "state": "COMPLETE",
        "error": None,
        "results": ["done"],
        "started_at": status["started_at"],
        "ended_at": status["ended_at"],
        "timeout_ms": None,
    }
    lines = registry.console("bot-1", "auto-mine")["lines"]
    assert [(line["level"], line["text"]) for line in lines] == [("info", "tick")] * 3
    assert set(lines[0]) == {"ts_ms", "level", "text", "seq"}


async def test_runtime_error_sets_last_error_and_an_error_line(registry):
    await registry.execute("bot-1", "s", "local w = nil\nsleep(1)\nprint(w.name)")
    status = await ended(registry, "bot-1", "s")
    assert status["last_error"] == "executor:3: attempt to index a nil value (local 'w')"
    assert status["state"] == "FAILED"
    assert registry.console("bot-1", "s")["lines"][-1]["level"] == "error"


async def test_compile_error_starts_nothing(registry):
    with pytest.raises(LuaCompileError, match=r"^lua compile: 1: unexpected symbol near '='$"):
        await registry.execute("bot-1", "bad", "x = = end")
    with pytest.raises(UnknownScript):
        registry.status("bot-1", "bad")
    assert registry.jobs() == []


async def test_unknown_bot_and_already_running(registry):
    with pytest.raises(UnknownBot, match="unknown bot: bot-99"):
        await registry.execute("bot-99", "s", "print(1)")
    await registry.execute("bot-1", "s", "sleep(10000)")
    with pytest.raises(ScriptAlreadyRunning):
        await registry.execute("bot-1", "s", "print(2)")
    await registry.execute("bot-2", "s", "sleep(10000)")  # same script id, other bot: fine
    assert await registry.stop_all() == 2


async def test_stop_is_idempotent_and_reexecute_keeps_the_console(registry):
    await registry.stop("bot-1", "never-ran")
    await registry.execute("bot-1", "s", "print('one') while true do sleep(5) end")
    await asyncio.sleep(0.05)
    await registry.stop("bot-1", "s")
    await registry.stop("bot-1", "s")
    status = registry.status("bot-1", "s")
    assert status["running"] is False and status["state"] == "CANCELLED" and status["last_error"] is None
    await registry.execute("bot-1", "s", "print('two')")
    await ended(registry, "bot-1", "s")
    lines = registry.console("bot-1", "s")["lines"]
    assert [line["text"] for line in lines] == ["one", "two"]
    assert registry.console("bot-1", "s", after=lines[0]["seq"])["lines"] == [lines[1]]


async def test_console_clear_and_unknown_keys(registry):
    await registry.execute("bot-1", "s", "print('x')")
    await ended(registry, "bot-1", "s")
    registry.console_clear("bot-1", "s")
    assert registry.console("bot-1", "s") == {"lines": []}
    for call in (registry.console, registry.console_clear, registry.status):
        with pytest.raises(UnknownScript, match="unknown script: bot-1/nope"):
            call("bot-1", "nope")


async def test_jobs_and_stop_client(registry):
    await registry.execute("bot-1", "a", "sleep(10000)")
    await registry.execute("bot-1", "b", "return 1")
    await registry.execute("bot-2", "c", "sleep(10000)")
    await ended(registry, "bot-1", "b")
    jobs = registry.jobs()
    assert [(j["client_id"], j["script_id"], j["running"]) for j in jobs] == [
        ("bot-1", "a", True),
        ("bot-1", "b", False),
        ("bot-2", "c", True),
    ]
    assert set(jobs[0]) == {
        "client_id",
        "script_id",
        "running",
        "state",
        "last_error",
        "started_at",
        "ended_at",
    }
    assert [j["script_id"] for j in registry.jobs("bot-2")] == ["c"]
    assert await registry.stop_client("bot-1") == 1
    assert registry.status("bot-2", "c")["running"] is True
    assert await registry.stop_all() == 1


async def test_timeout_reaches_the_status(registry):
    await registry.execute("bot-1", "s", "sleep(10000)", timeout_ms=50)
    status = await ended(registry, "bot-1", "s")
    assert status["error"]["code"] == "DEADLINE_EXCEEDED" and status["timeout_ms"] == 50


async def test_on_line_and_services_factory(engine):
    seen = []
    made = []

    def factory(client_id, script_id, emit):
        made.append((client_id, script_id))
        return DetachedServices(client_id, emit, fleet="the fleet")

    registry = RunRegistry(
        engine,
        lambda bot: True,
        services_factory=factory,
        on_line=lambda c, s, line: seen.append(
            (c, s, line["level"], line["text"], threading.current_thread())
        ),
    )
    await registry.execute("bot-1", "s", "print('hello') warn('careful') error('bad')")
    await ended(registry, "bot-1", "s")
    assert made == [("bot-1", "s")]
    assert [entry[:4] for entry in seen] == [
        ("bot-1", "s", "info", "hello"),
        ("bot-1", "s", "warn", "careful"),
        ("bot-1", "s", "error", "executor:1: bad"),
    ]
    assert all(entry[4] is not threading.main_thread() for entry in seen)


async def test_console_keeps_the_newest_lines(engine):
    from seraph_kernel.engine.engine import Limits, LuaEngine

    small = LuaEngine(Limits(console_lines=100))
    await small.start()
    try:
        registry = RunRegistry(small, lambda bot: True)
        await registry.execute("bot-1", "s", "for i = 1, 250 do print(i) end")
        await ended(registry, "bot-1", "s")
        lines = registry.console("bot-1", "s")["lines"]
        assert len(lines) == 100
        assert lines[0]["text"] == "151" and lines[-1]["text"] == "250" and lines[-1]["seq"] == 250
    finally:
        await small.close()


def long_luau(lines: int, tail: str = "") -> str:
    """A Luau source past the off-loop threshold: interpolations are the costly part to translate."""
    body = "local s, n = '', 0\n" + "n += 1 s = `{n}{`{n}`}`\n" * lines
    return body + tail + "return n, s"


async def test_a_long_luau_source_is_translated_off_the_event_loop(registry):
    """While a long source is translated the loop keeps ticking (the REST API answers), and
    the script then runs with its lines kept."""
    source = long_luau(12_000)
    assert len(source) > OFF_LOOP_SOURCE_CHARS
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await registry.execute("bot-1", "long", source)
    finally:
        ticker.cancel()
    assert ticks >= 2
    status = await ended(registry, "bot-1", "long")
    assert status["state"] == "COMPLETE" and status["results"] == [12_000, "1200012000"]


async def test_a_long_luau_source_with_a_syntax_error_names_its_line(registry):
    with pytest.raises(LuaCompileError, match=r"^lua compile: 5002: malformed interpolated string"):
        await registry.execute("bot-1", "long-bad", long_luau(5_000, "local x = `{}`\n"))
    with pytest.raises(UnknownBot):
        await registry.execute("bot-9", "long-bad", long_luau(5_000, "local x = `{}`\n"))
    await registry.execute("bot-1", "busy", "while true do sleep(10) end")
    with pytest.raises(ScriptAlreadyRunning):
        await registry.execute("bot-1", "busy", long_luau(5_000, "local x = `{}`\n"))
    await registry.stop("bot-1", "busy")
