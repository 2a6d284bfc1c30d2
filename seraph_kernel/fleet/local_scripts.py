"""The detached-script side of a LocalFleet: the Lua engine and run registry, what scripts are
given (``ScriptServices`` bound to the fleet and the run's bot), console lines turned into
``log`` events, and ended runs kept in the store so ``status``/``jobs`` survive a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seraph_kernel.config import FleetConfig
from seraph_kernel.errors import UnknownScript
from seraph_kernel.fleet.base import JSON, FleetEvent
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.store import RunHistory

if TYPE_CHECKING:
    from seraph_kernel.fleet.local import LocalFleet

JOB_FIELDS = ("client_id", "script_id", "running", "state", "last_error", "started_at", "ended_at")


class RunServices:
    """What a detached script's VM is given: the fleet and the bot of its run."""

    def __init__(self, fleet: LocalFleet, client_id: str, emit: Callable[[str, str], None]) -> None:
        self.fleet = fleet
        self._client_id = client_id
        self._emit = emit

    def client_id(self) -> str | None:
        return self._client_id

    def emit(self, level: str, text: str) -> None:
        self._emit(level, text)

    def display(self, value: Any) -> None:
        self._emit("info", str(value))


class ScriptHost:
    """Runs of one fleet, keyed by ``(client_id, script_id)``."""

    def __init__(self, fleet: LocalFleet, config: FleetConfig, history: RunHistory, bus: EventBus) -> None:
        from seraph_kernel.lua.engine import LuaEngine
        from seraph_kernel.lua.runs import RunRegistry

        self._fleet = fleet
        self._history = history
        self._bus = bus
        self._engine = LuaEngine(
            memory_limit=config.script_memory_bytes,
            budget_ms=config.script_budget_ms,
            cleanup_deadline_ms=config.cleanup_deadline_ms,
            output_limit_bytes=config.output_limit_bytes,
        )
        self._registry = RunRegistry(
            self._engine,
            bot_exists=fleet.has_bot,
            services_factory=self._services,
            on_line=self._on_line,
            on_end=self._on_end,
        )

    async def execute(self, client_id: str, script_id: str, source: str, timeout_ms: int | None) -> None:
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
        live = self._registry.jobs(client_id)
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
        await self._registry.stop_client(client_id)

    async def close(self) -> None:
        await self._registry.stop_all()

    def _services(self, client_id: str, script_id: str, emit: Callable[[str, str], None]) -> RunServices:
        return RunServices(self._fleet, client_id, emit)

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

    def _on_end(self, client_id: str, script_id: str, record: dict[str, JSON]) -> None:
        self._history.record({**record, "client_id": client_id, "script_id": script_id})
