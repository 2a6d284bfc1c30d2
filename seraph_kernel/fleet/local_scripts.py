"""The detached-script side of a LocalFleet: the Lua engine and run registry, what scripts are
given (``ScriptServices`` bound to the fleet and the run's bot), console lines turned into
``log`` events, and ended runs kept in the store so ``status``/``jobs`` survive a restart.

The registry has no end-of-run callback, so a sweep every second (and before anything that
would replace or drop a run) records the runs that ended."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from seraph_kernel.config import FleetConfig
from seraph_kernel.engine.contract import ScriptServices
from seraph_kernel.errors import UnknownScript
from seraph_kernel.fleet.base import JSON, FleetEvent
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.store import RunHistory, StoreError

if TYPE_CHECKING:
    from seraph_kernel.fleet.local import LocalFleet

logger = logging.getLogger(__name__)
SWEEP_INTERVAL_S = 1.0
JOB_FIELDS = ("client_id", "script_id", "running", "state", "last_error", "started_at", "ended_at")


class ScriptHost:
    """Runs of one fleet, keyed by ``(client_id, script_id)``."""

    def __init__(self, fleet: LocalFleet, config: FleetConfig, history: RunHistory, bus: EventBus) -> None:
        from seraph_kernel.engine.engine import Limits, LuaEngine
        from seraph_kernel.engine.registry import RunRegistry

        self._fleet = fleet
        self._history = history
        self._bus = bus
        limits = Limits(
            memory_bytes=config.script_memory_bytes,
            budget_ms=config.script_budget_ms,
            cleanup_deadline_ms=config.cleanup_deadline_ms,
            output_limit_bytes=config.output_limit_bytes,
        )
        self._engine = LuaEngine(limits=limits)
        self._registry = RunRegistry(
            self._engine, fleet.has_bot, services_factory=self._services, on_line=self._on_line
        )
        self._recorded: set[tuple[str, str, int | None, int | None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._engine.start()
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def execute(self, client_id: str, script_id: str, source: str, timeout_ms: int | None) -> None:
        self.sweep()  # the key's previous run is replaced by this one: record it first
        await self._registry.execute(client_id, script_id, source, timeout_ms=timeout_ms)

    async def stop(self, client_id: str, script_id: str) -> None:
        await self._registry.stop(client_id, script_id)

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

    def jobs(self, client_id: str | None) -> list[dict[str, JSON]]:
        live = [j for j in self._registry.jobs(client_id) if self._fleet.has_bot(j["client_id"])]
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
        self.sweep()

    async def close(self) -> None:
        """Stop every script (cleanups run), record every ended run, stop the engine."""
        await self._registry.stop_all()
        self.sweep()
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self._engine.close()

    def sweep(self) -> None:
        """Record in the store every run that ended since the last sweep."""
        for job in self._registry.jobs():
            key = (job["client_id"], job["script_id"], job["started_at"], job["ended_at"])
            if job["running"] or key in self._recorded:
                continue
            record = self._registry.status(job["client_id"], job["script_id"])
            self._history.record({**record, "client_id": job["client_id"], "script_id": job["script_id"]})
            self._recorded.add(key)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            try:
                self.sweep()
            except StoreError:
                logger.exception("could not record ended script runs")

    def _services(self, client_id: str, script_id: str, emit: Callable[[str, str], None]) -> ScriptServices:
        """A run's VM sees this fleet, and ``getClient()`` is the run's bot."""
        from seraph_kernel.engine.registry import DetachedServices

        return DetachedServices(client_id, emit, fleet=self._fleet)

    def _on_line(self, client_id: str, script_id: str, line: dict[str, JSON]) -> None:
        self._bus.publish(
            FleetEvent(
                "log",
                client_id,
                {
                    "timestamp_ms": line.get("ts_ms", int(time.time() * 1000)),
                    "level": line.get("level", "info"),
                    "scope": f"script:{script_id}",
                    "session_id": client_id,
                    "message": line.get("text", ""),
                },
            )
        )
