"""Fixtures for the Lua runtime tests: a real engine (real lupa, real worker threads, the
test's own asyncio loop) and a helper that runs a chunk in a fresh VM."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from seraph_kernel.engine.console_buffer import ConsoleBuffer
from seraph_kernel.engine.engine import Limits, LuaEngine, Run, RunRecord
from seraph_kernel.engine.registry import DetachedServices
from seraph_kernel.engine.vm import CORE_MODULES, LuaVM

WAIT_S = 10.0


@dataclass
class Outcome:
    record: RunRecord
    run: Run
    vm: LuaVM
    console: ConsoleBuffer

    @property
    def texts(self) -> list[str]:
        return [line["text"] for line in self.console.lines()]

    @property
    def levels(self) -> list[str]:
        return [line["level"] for line in self.console.lines()]


def make_limits(**overrides: Any) -> Limits:
    values = {"budget_ms": 2000, "cleanup_deadline_ms": 1000, "memory_bytes": 16 << 20}
    values.update(overrides)
    return Limits(**values)


@pytest.fixture
async def engine():
    eng = LuaEngine(make_limits())
    await eng.start()
    try:
        yield eng
    finally:
        await eng.close()


def new_vm(engine: LuaEngine, modules: tuple[str, ...] = CORE_MODULES) -> LuaVM:
    console = ConsoleBuffer(engine.limits.console_lines)
    return engine.new_vm(DetachedServices("bot-1", console), console=console, modules=modules)


async def finish(run: Run, timeout: float = WAIT_S) -> RunRecord:
    import asyncio

    return await asyncio.wait_for(run.wait(), timeout)


@pytest.fixture
def run_lua(engine):
    """``await run_lua(source, timeout_ms=None)`` -> :class:`Outcome` once the run ended."""

    async def run(source: str, timeout_ms: int | None = None, vm: LuaVM | None = None) -> Outcome:
        vm = vm or new_vm(engine)
        started = engine.run(vm, vm.compile(source), timeout_ms=timeout_ms)
        record = await finish(started)
        return Outcome(record, started, vm, vm.console)

    return run


@pytest.fixture
def start_lua(engine):
    """``start_lua(source)`` -> (run, vm) without waiting."""

    def start(source: str, vm: LuaVM | None = None, timeout_ms: int | None = None) -> tuple[Run, LuaVM]:
        vm = vm or new_vm(engine)
        return engine.run(vm, vm.compile(source), timeout_ms=timeout_ms), vm

    return start
