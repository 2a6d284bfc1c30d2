"""RunRegistry: detached scripts keyed by ``(client_id, script_id)`` (spec 001).

Each execution compiles into a fresh VM and becomes a :class:`~seraph_kernel.engine.engine.Run`;
the registry keeps the latest run of every key and its console across re-executions.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seraph_kernel.dialect import LuauSyntaxError, Translation, translate_chunk
from seraph_kernel.engine.console_buffer import ConsoleBuffer
from seraph_kernel.engine.contract import ScriptServices
from seraph_kernel.engine.engine import LuaEngine
from seraph_kernel.engine.records import RunRecord
from seraph_kernel.engine.run import Run
from seraph_kernel.errors import LuaCompileError, ScriptAlreadyRunning, UnknownBot, UnknownScript

Emit = Callable[[str, str], None]
ServicesFactory = Callable[[str, str, "Emit | ConsoleBuffer"], ScriptServices]
LineListener = Callable[[str, str, dict[str, Any]], None]
#: Told of a batch of a script's new console lines: ``(client_id, script_id, lines)``.
LinesListener = Callable[[str, str, list[dict[str, Any]]], None]
#: Told of a run's start and of its end (on the event loop): ``(client_id, script_id, record)``.
RunListener = Callable[[str, str, RunRecord], None]


OFF_LOOP_SOURCE_CHARS = 64 * 1024
"""Sources longer than this are translated on a worker thread (:func:`translate_off_loop`):
translating Luau costs ~10-20 ms per 1,000 lines, so a 2 MB source would hold the event loop
for seconds."""


async def translate_off_loop(source: str) -> Translation | LuaCompileError | None:
    """For a long source, its translation (or its compile error, returned so the caller can
    check other things first) made on a worker thread (translating also bounds the parser's
    time, so a source it needs seconds for never reaches the event loop); ``None`` for a
    short one, which ``LuaVM.compile`` translates itself (no await then: the caller does not
    yield)."""
    if not isinstance(source, str) or len(source) <= OFF_LOOP_SOURCE_CHARS:
        return None
    try:
        return await asyncio.to_thread(translate_chunk, source)
    except LuauSyntaxError as exc:
        return LuaCompileError(f"lua compile: {exc}")


class DetachedServices:
    """The default :class:`ScriptServices` of a detached script: no fleet, lines to the console.
    ``emit``: the run's :class:`ConsoleBuffer` (a batch of printed lines is one append there),
    or a callable taking one line. ``script_id``: the run's key with ``client_id`` (a child
    script started by it names it as its parent)."""

    def __init__(
        self, client_id: str, emit: Emit | ConsoleBuffer, fleet: Any = None, script_id: str | None = None
    ):
        self.fleet = fleet
        self.script_id = script_id
        self._client_id = client_id
        if isinstance(emit, ConsoleBuffer):
            self._emit: Emit = emit.append
            self._emit_many: Callable[[list[tuple[str, str]]], Any] | None = emit.append_many
        else:
            self._emit, self._emit_many = emit, None

    def client_id(self) -> str | None:
        return self._client_id

    def emit(self, level: str, text: str) -> None:
        self._emit(level, text)

    def emit_many(self, lines: list[tuple[str, str]]) -> None:
        """Lines the script printed, in order (``ScriptServices.emit`` of each, in one go)."""
        if self._emit_many is not None:
            self._emit_many(lines)
            return
        for level, text in lines:
            self._emit(level, text)

    def display(self, value: Any) -> None:
        self._emit("info", value if isinstance(value, str) else json.dumps(value, default=str))


@dataclass
class ScriptEntry:
    """What the registry knows about one key: its console, latest run and record."""

    console: ConsoleBuffer
    run: Run | None = None
    record: RunRecord = field(default_factory=RunRecord)


class RunRegistry:
    """Execute / stop / status / console of detached scripts."""

    def __init__(
        self,
        engine: LuaEngine,
        bot_exists: Callable[[str], bool],
        services_factory: ServicesFactory | None = None,
        on_line: LineListener | None = None,
        on_start: RunListener | None = None,
        on_end: RunListener | None = None,
        on_lines: LinesListener | None = None,
    ):
        self.engine = engine
        self._bot_exists = bot_exists
        self._services_factory = services_factory or (lambda c, _s, emit: DetachedServices(c, emit))
        self._on_line = on_line
        self._on_lines = on_lines
        self._on_start = on_start
        self._on_end = on_end
        self._entries: dict[tuple[str, str], ScriptEntry] = {}
        self._starting: set[tuple[str, str]] = set()

    async def execute(
        self, client_id: str, script_id: str, source: str, timeout_ms: int | None = None
    ) -> None:
        """Compile and start; returns once the run is accepted (it runs detached)."""
        translation = await translate_off_loop(source)
        key = (client_id, script_id)
        self._check_startable(key)
        if isinstance(translation, LuaCompileError):
            raise translation
        entry = self._entries.get(key)
        console = entry.console if entry is not None else self._new_console(client_id, script_id)
        services = self._services_factory(client_id, script_id, console)
        self._starting.add(key)
        try:
            vm, compiled = await asyncio.to_thread(self._prepare, services, console, source, translation)
        finally:
            self._starting.discard(key)
        try:
            if isinstance(compiled, BaseException):
                raise compiled
            self._check_startable(key)  # the bot may have gone while its VM was made
            run = self.engine.run(vm, compiled, timeout_ms=timeout_ms)
        except BaseException:
            vm.close()
            raise
        entry = self._entries.get(key)
        loop = self.engine.loop
        run.on_done.append(lambda _run: loop.call_soon_threadsafe(self._ended, key, vm, run.record))
        if entry is None:
            entry = self._entries[key] = ScriptEntry(console)
        entry.run, entry.record = run, run.record
        if self._on_start is not None:
            self._on_start(client_id, script_id, run.record)

    def _check_startable(self, key: tuple[str, str]) -> None:
        if not self._bot_exists(key[0]):
            raise UnknownBot(key[0])
        entry = self._entries.get(key)
        if key in self._starting or (entry is not None and entry.record.running):
            raise ScriptAlreadyRunning(*key)

    def _prepare(
        self, services: ScriptServices, console: ConsoleBuffer, source: str, translation: Translation | None
    ) -> tuple[Any, Any]:
        """On a worker thread: a new VM and the compiled chunk (or the compile error). Making a
        VM takes hundreds of calls into lupa, each of which gives the GIL up and waits to get it
        back: on the event loop, with busy workers, that held REST answers for seconds."""
        vm = self.engine.new_vm(services, console=console)
        try:
            return vm, vm.compile(source, translation=translation)
        except Exception as exc:
            return vm, exc

    def _ended(self, key: tuple[str, str], vm: Any, record: RunRecord) -> None:
        vm.close()
        if self._on_end is not None:
            self._on_end(*key, record)

    def _new_console(self, client_id: str, script_id: str) -> ConsoleBuffer:
        limits = self.engine.limits
        console = ConsoleBuffer(limits.console_lines, max_bytes=limits.console_bytes)
        if self._on_lines is not None:
            on_lines = self._on_lines
            console.batch_listener = lambda lines: on_lines(client_id, script_id, lines)
        elif self._on_line is not None:
            on_line = self._on_line
            console.listener = lambda line: on_line(client_id, script_id, line)
        return console

    def _entry(self, client_id: str, script_id: str) -> ScriptEntry:
        entry = self._entries.get((client_id, script_id))
        if entry is None:
            raise UnknownScript(client_id, script_id)
        return entry

    async def stop(self, client_id: str, script_id: str) -> None:
        """Stop the key's run and wait for its cleanups; no error for unknown keys."""
        entry = self._entries.get((client_id, script_id))
        if entry is not None and entry.run is not None and entry.record.running:
            await entry.run.stop()

    def status(self, client_id: str, script_id: str) -> dict[str, Any]:
        return self._entry(client_id, script_id).record.to_dict()

    def console(self, client_id: str, script_id: str, after: int | None = None) -> dict[str, Any]:
        return {"lines": self._entry(client_id, script_id).console.lines(after)}

    def console_clear(self, client_id: str, script_id: str) -> None:
        self._entry(client_id, script_id).console.clear()

    def console_add(self, client_id: str, script_id: str, text: str) -> None:
        self._entry(client_id, script_id).console.append("info", text)

    def jobs(self, client_id: str | None = None) -> list[dict[str, Any]]:
        out = []
        for (cid, sid), entry in sorted(self._entries.items()):
            if client_id is not None and cid != client_id:
                continue
            record = entry.record
            out.append(
                {
                    "client_id": cid,
                    "script_id": sid,
                    "running": record.running,
                    "state": record.state,
                    "last_error": record.last_error,
                    "started_at": record.started_at,
                    "ended_at": record.ended_at,
                }
            )
        return out

    async def _stop_where(self, match: Callable[[str], bool]) -> int:
        runs = [
            entry.run
            for (cid, _), entry in self._entries.items()
            if match(cid) and entry.run is not None and entry.record.running
        ]
        for run in runs:
            run.request_kill("stop")
        for run in runs:
            await run.wait()
        return len(runs)

    async def stop_all(self) -> int:
        """Stop every running script; the number stopped."""
        return await self._stop_where(lambda _cid: True)

    async def stop_client(self, client_id: str) -> int:
        """Stop the scripts of one bot (it is being deleted); the number stopped."""
        return await self._stop_where(lambda cid: cid == client_id)

    def forget_client(self, client_id: str) -> None:
        """Drop every key of one bot (it was deleted): statuses, records and consoles. Its
        runs must have ended (:meth:`stop_client`); one still running keeps its key."""
        ended = [k for k, entry in self._entries.items() if k[0] == client_id and not entry.record.running]
        for key in ended:
            del self._entries[key]
