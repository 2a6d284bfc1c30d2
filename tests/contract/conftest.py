"""The Fleet contract suite runs every test against each fleet implementation.

``contract_fleet`` is parametrised over ``FLEET_KINDS``; each kind ``k`` is provided by a
fixture named ``<k>_fleet`` that yields a started fleet whose bots live on the shared
``sim_server`` (and whose store is ``db_path``), with no bots yet. To add RemoteFleet, append
``"remote"`` to ``FLEET_KINDS`` and define a ``remote_fleet`` fixture here that starts a Jupyter
server with the extension over that sim server and yields a started RemoteFleet pointed at it.
"""

from __future__ import annotations

import pytest

FLEET_KINDS = ["local", "remote"]


@pytest.fixture
async def local_fleet(fleet):
    """The shared LocalFleet fixture (tests/conftest.py)."""
    return fleet


@pytest.fixture(params=FLEET_KINDS)
def contract_fleet(request):
    """A started fleet of each implementation in turn."""
    return request.getfixturevalue(f"{request.param}_fleet")


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
