"""The Fleet contract suite runs every test against each fleet implementation.

``contract_fleet`` is parametrised over ``FLEET_KINDS``; each kind ``k`` is provided by a
fixture named ``<k>_fleet`` that yields a started fleet whose bots live on the shared
``sim_server`` (and whose store is ``db_path``), with no bots yet. ``local_fleet`` and
``remote_fleet`` (a RemoteFleet on a real Jupyter server over that sim server) come from
tests/conftest.py. ``workspace`` and ``remote_workspace`` are the same two seen from inside a
workspace (docs/workspaces.md): a workspace is a whole Fleet to the kernel that works in it.
"""

from __future__ import annotations

import pytest

FLEET_KINDS = ["local", "remote", "workspace", "remote_workspace"]


@pytest.fixture
async def local_fleet(fleet):
    """The shared LocalFleet fixture (tests/conftest.py)."""
    return fleet


@pytest.fixture
async def workspace_fleet(fleet):
    """The LocalFleet as one workspace sees it."""
    return fleet.workspace("nb-contract")


@pytest.fixture
async def remote_workspace_fleet(remote_fleet):
    """A RemoteFleet acting inside a workspace it owns (deleted when it closes)."""
    inside = remote_fleet.workspace("nb-contract", owns_workspace=True)
    await inside.start()
    try:
        yield inside
    finally:
        await inside.close()


@pytest.fixture(params=FLEET_KINDS)
def contract_fleet(request):
    """A started fleet of each implementation in turn."""
    return request.getfixturevalue(f"{request.param}_fleet")
