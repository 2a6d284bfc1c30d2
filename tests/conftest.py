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
