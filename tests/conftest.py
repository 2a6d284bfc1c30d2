"""Fixtures shared by every test package: a real sim world server over TCP and a LocalFleet
on a real SQLite file. Packages add their own fixtures in their own conftest.py."""

from __future__ import annotations

import pytest

SEED = 42


@pytest.fixture
async def sim_server():
    """An embedded simulated world (several hosts) on loopback ephemeral ports."""
    from seraph_kernel.sim.server import SimWorldServer

    server = SimWorldServer(seed=SEED, host="127.0.0.1")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "seraph.sqlite"


@pytest.fixture
async def fleet(sim_server, db_path):
    """A LocalFleet connected to ``sim_server``, persisting to ``db_path``."""
    from seraph_kernel.config import FleetConfig
    from seraph_kernel.fleet.local import LocalFleet

    fleet = LocalFleet(FleetConfig(sim_address=sim_server.address, db_path=db_path, seed=SEED))
    await fleet.start()
    try:
        yield fleet
    finally:
        await fleet.close()


@pytest.fixture
async def make_fleet(sim_server, db_path):
    """``await make_fleet(**config)``: another started LocalFleet on ``sim_server`` and
    ``db_path`` (unless overridden), e.g. to restart on the same SQLite file. Every fleet made
    is closed at the end (closing twice is harmless)."""
    from seraph_kernel.config import FleetConfig
    from seraph_kernel.fleet.local import LocalFleet

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


@pytest.fixture
async def remote_fleet(sim_server, db_path):
    """A RemoteFleet on a real Jupyter server (in this process, seraph_ext only) whose
    LocalFleet plays on ``sim_server`` and stores in ``db_path``."""
    from seraph_ext.testing import serve
    from seraph_kernel.fleet.remote import RemoteFleet

    async with serve(sim_address=sim_server.address, db_path=db_path) as server:
        fleet = RemoteFleet(server.url, server.token)
        await fleet.start()
        try:
            yield fleet
        finally:
            await fleet.close()
