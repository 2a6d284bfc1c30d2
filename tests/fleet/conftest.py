"""Fixtures of the LocalFleet tests: fleets that can be restarted on the same SQLite file, and
bots already connected or standing in a world of the real sim server."""

from __future__ import annotations

import pytest

from seraph_kernel.config import FleetConfig
from seraph_kernel.fleet.local import LocalFleet

SEED = 42


@pytest.fixture
async def make_fleet(sim_server, db_path):
    """``await make_fleet(**config)``: a started LocalFleet on ``sim_server`` and ``db_path``
    (unless overridden). Every fleet made is closed at the end (closing twice is harmless)."""
    made: list[LocalFleet] = []

    async def make(**overrides) -> LocalFleet:
        options = {"sim_address": sim_server.address, "db_path": db_path, "seed": SEED, **overrides}
        fleet = LocalFleet(FleetConfig(**options))
        made.append(fleet)
        await fleet.start()
        return fleet

    yield make
    for fleet in reversed(made):
        await fleet.close()


@pytest.fixture
async def in_world(fleet):
    """``bot-1`` standing in MINEWORLD."""
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    return "bot-1"
