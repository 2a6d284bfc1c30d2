"""The detached-script side of a LocalFleet: the Lua engine and run registry, what scripts are
given (``ScriptServices`` bound to the fleet and the run's bot), console lines turned into
``log`` events, and every run kept in the store from its start (``status``/``jobs`` survive a
restart, and a run the process died in is closed as ``FAILED`` on the next start-up)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future

from seraph_kernel.config import FleetConfig
from seraph_kernel.engine.console_buffer import ConsoleBuffer, process_budget
from seraph_kernel.engine.contract import ScriptServices
from seraph_kernel.engine.records import RunRecord
from seraph_kernel.errors import UnknownScript
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, log_data
from seraph_kernel.fleet.child_scripts import ChildScripts
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.store import RunHistory, StoreError
from seraph_kernel.store.storage_thread import StorageThread

logger = logging.getLogger(__name__)
JOB_FIELDS = ("client_id", "script_id", "running", "state", "last_error", "started_at", "ended_at")


class ScriptHost:
    """Runs of one fleet, keyed by ``(client_id, script_id)``."""

    def __init__(
        self,
        fleet: Fleet,
        has_bot: Callable[[str], bool],
        config: FleetConfig,
        history: RunHistory,
        bus: EventBus,
        store_io: StorageThread,
        view_of: Callable[[str], tuple[Fleet, str]] | None = None,
    ) -> None:
        """``store_io``: the fleet's one storage thread; run history is written there, in order,
        so the event loop never waits on the database while scripts write storage."""
        from seraph_kernel.engine.engine import Limits, LuaEngine
        from seraph_kernel.engine.registry import RunRegistry

        self._fleet = fleet
        self._view_of = view_of
        self._has_bot = has_bot
        self._history = history
        self._store_io = store_io
        self._bus = bus
        limits = Limits(
            memory_bytes=config.script_memory_bytes,
            budget_ms=config.script_budget_ms,
            cleanup_deadline_ms=config.cleanup_deadline_ms,
            end_phase_deadline_ms=config.end_phase_deadline_ms,
            output_limit_bytes=config.output_limit_bytes,
            console_bytes=config.console_bytes,
        )
        process_budget().limit_bytes = config.console_total_bytes
        self._engine = LuaEngine(limits=limits)
        self._engine.tick_hooks.append(bus.flush)  # console lines go out in batches (_on_lines)
        self._registry = RunRegistry(
            self._engine,
            has_bot,
            services_factory=self._services,
            on_lines=self._on_lines,
            on_start=self._run_started,
            on_end=self._run_ended,
        )
        #: id(record) -> (record, its history row); touched only where history is written.
        self._rows: dict[int, tuple[RunRecord, int]] = {}
        self._started_rows: dict[tuple[str, str], Future[int | None]] = {}
        #: Told ``(client_id, script_id, record)`` when any run ends (the library closes its
        #: session there).
        self.end_listeners: list[Callable[[str, str, RunRecord], None]] = []
        #: Every bot's child-script engine (``getScripting()``), over the runs of this host.
        self.children = ChildScripts(self)

    async def start(self) -> None:
        closed = self._history.close_unfinished()
        if closed:
            logger.warning("closed %d script run(s) left unfinished by the previous process", closed)
        await self._engine.start()

    async def execute(
        self, client_id: str, script_id: str, source: str, timeout_ms: int | None
    ) -> int | None:
        """Start a run; the id of its history row (``None`` if it could not be stored)."""
        await self._registry.execute(client_id, script_id, source, timeout_ms=timeout_ms)
        row = self._started_rows.pop((client_id, script_id), None)
        return None if row is None else await asyncio.wrap_future(row)

    def compile_check(self, source: str) -> None:
        """Compile ``source`` as a run would (same engine, same sandbox), run nothing;
        ``LuaCompileError`` when it is not valid."""
        from seraph_kernel.engine.registry import DetachedServices

        vm = self._engine.new_vm(DetachedServices(None, lambda _level, _text: None))
        try:
            vm.compile(source)
        finally:
            vm.close()

    async def stop(self, client_id: str, script_id: str) -> None:
        await self._registry.stop(client_id, script_id)

    def has_bot(self, client_id: str) -> bool:
        return self._has_bot(client_id)

    def status(self, client_id: str, script_id: str) -> dict[str, JSON]:
        try:
            return self._registry.status(client_id, script_id)
        except UnknownScript:
            run = self._history.latest(client_id, script_id)
            if run is None:
                raise
            return {k: v for k, v in run.items() if k not in ("client_id", "script_id")}

    def console(self, client_id: str, script_id: str, after: int | None) -> dict[str, JSON]:
        try:
            return self._registry.console(client_id, script_id, after=after)
        except UnknownScript:
            if self._history.latest(client_id, script_id) is None:
                raise
            return {"lines": []}

    def console_clear(self, client_id: str, script_id: str) -> None:
        try:
            self._registry.console_clear(client_id, script_id)
        except UnknownScript:
            if self._history.latest(client_id, script_id) is None:
                raise

    def console_add(self, client_id: str, script_id: str, text: str) -> None:
        """One info line in a known script's console (``UnknownScript`` otherwise)."""
        self._registry.console_add(client_id, script_id, text)

    def jobs(self, client_id: str | None) -> list[dict[str, JSON]]:
        live = [j for j in self._registry.jobs(client_id) if self._has_bot(j["client_id"])]
        known = {(j["client_id"], j["script_id"]) for j in live}
        past = [
            {k: run[k] for k in JOB_FIELDS}
            for run in self._history.latest_per_key(client_id)
            if (run["client_id"], run["script_id"]) not in known
        ]
        return past + live

    async def stop_all(self) -> int:
        return await self._registry.stop_all()

    async def stop_client(self, client_id: str) -> None:
        """Stop a bot's scripts and record how they ended (the bot is being deleted)."""
        await self._registry.stop_client(client_id)

    def forget_client(self, client_id: str) -> Future[None]:
        """Forget every run of a deleted bot: its registry entries (status, console) and its
        history, so a new bot with the same id starts with none. The history goes after every
        write queued before it; await the future before reading history again."""
        self._registry.forget_client(client_id)
        self.children.forget_client(client_id)
        return self._store_io.write_behind(self._history.forget_client, client_id)

    async def close(self) -> None:
        """Stop every script (cleanups run and every run's end is recorded), stop the engine."""
        await self._registry.stop_all()
        await asyncio.sleep(0)  # the end callbacks the stops scheduled on this loop
        await self._engine.close()

    def _run_started(self, client_id: str, script_id: str, record: RunRecord) -> None:
        run = {**record.to_dict(), "client_id": client_id, "script_id": script_id}
        self._started_rows[(client_id, script_id)] = self._store_io.write_behind(
            self._record_start, record, run
        )

    def _record_start(self, record: RunRecord, run: dict[str, JSON]) -> int | None:
        try:
            row = self._history.started(run)
        except StoreError:
            logger.exception("could not record the start of %s/%s", run["client_id"], run["script_id"])
            return None
        self._rows[id(record)] = (record, row)
        return row

    def _run_ended(self, client_id: str, script_id: str, record: RunRecord) -> None:
        for listener in self.end_listeners:
            try:
                listener(client_id, script_id, record)
            except Exception:
                logger.exception("a run-end listener failed for %s/%s", client_id, script_id)
        self._store_io.write_behind(self._record_end, client_id, script_id, record, record.to_dict())

    def _record_end(self, client_id: str, script_id: str, record: RunRecord, run: dict[str, JSON]) -> None:
        started = self._rows.pop(id(record), None)
        if started is None:
            return
        try:
            self._history.ended(started[1], run)
        except StoreError:
            logger.exception("could not record the end of %s/%s", client_id, script_id)

    def _services(
        self, client_id: str, script_id: str, emit: Callable[[str, str], None] | ConsoleBuffer
    ) -> ScriptServices:
        """A run's VM sees this fleet as the run's bot's workspace sees it, and ``getClient()``
        is the run's bot; ``script_id`` tells the child-script engine which run starts a child.
        ``emit``: the run's console (its lines go in batches) or a line callable."""
        from seraph_kernel.engine.registry import DetachedServices

        fleet, bot_id = self._view_of(client_id) if self._view_of else (self._fleet, client_id)
        return DetachedServices(bot_id, emit, fleet=fleet, script_id=script_id)

    def _on_lines(self, client_id: str, script_id: str, lines: list[dict[str, JSON]]) -> None:
        """A batch of console lines as ``log`` events; from a worker they wait for the engine's
        next tick, so the loop takes the lines of every script in one batch."""
        scope = f"script:{script_id}"
        events = [
            FleetEvent(
                "log", client_id, log_data(line["level"], scope, client_id, line["text"], line["ts_ms"])
            )
            for line in lines
        ]
        self._bus.publish_many(events, deferred=True)
