"""Fixtures of the Lua bot API tests: the real sim server at a fast move pace (so walks take
milliseconds), a LocalFleet on it, bots standing in worlds, and a helper that runs a detached
script through the fleet and returns how it ended."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from waiting import wait_ended

from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.sim.server import SimWorldServer

SEED = 42
FAST_PACE_MS = 20
_script_ids = itertools.count(1)


@pytest.fixture
async def sim_server():
    """Overrides the shared fixture: the same world, but one tile per 20 ms."""
    server = SimWorldServer(seed=SEED, host="127.0.0.1", move_interval_ms=FAST_PACE_MS)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def bot_in(fleet: LocalFleet, world: str | None, bot_id: str = "bot-1") -> str:
    """Create ``bot_id``, connect it and (unless ``world`` is None) warp it into ``world``."""
    await fleet.create_bot(bot_id)
    assert await fleet.connect(bot_id, wait=True) is None
    if world is not None:
        assert await fleet.warp(bot_id, world, wait=True) is None
    return bot_id


@pytest.fixture
async def bot(fleet):
    """``bot-1`` connected, in the menu (no world)."""
    return await bot_in(fleet, None)


@pytest.fixture
async def miner(fleet):
    """``bot-1`` standing at the spawn of MINEWORLD."""
    return await bot_in(fleet, "MINEWORLD")


class KernelServices:
    """What a notebook kernel hands its VM: the fleet and the ``%use`` bot."""

    def __init__(self, fleet: Any, client_id: str | None) -> None:
        self.fleet = fleet
        self._client_id = client_id
        self.lines: list[str] = []

    def client_id(self) -> str | None:
        return self._client_id

    def emit(self, level: str, text: str) -> None:
        self.lines.append(text)

    def display(self, value: Any) -> None:
        self.lines.append(str(value))


@dataclass
class Outcome:
    state: str
    results: list[Any]
    error: str | None
    console: list[str]

    @property
    def ok(self) -> list[Any]:
        """The results of a run that must have completed."""
        assert self.state == "COMPLETE", f"{self.state}: {self.error}\n" + "\n".join(self.console)
        return self.results


async def run_lua(fleet: Any, source: str, client_id: str = "bot-1", timeout_s: float = 20.0) -> Outcome:
    """Run ``source`` as a detached script of ``client_id`` and wait for it to end."""
    script_id = f"t{next(_script_ids)}"
    await fleet.execute(client_id, script_id, source)
    status = await wait_ended(fleet, client_id, script_id, timeout_s)
    lines = (await fleet.console(client_id, script_id))["lines"]
    return Outcome(status["state"], status["results"], status["last_error"], [line["text"] for line in lines])
