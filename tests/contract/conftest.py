"""The Fleet contract suite runs every test against each fleet implementation.

``contract_fleet`` is parametrised over ``FLEET_KINDS``; each kind ``k`` is provided by a
fixture named ``<k>_fleet`` that yields a started fleet whose bots live on the shared
``sim_server`` (and whose store is ``db_path``), with no bots yet. ``local_fleet`` and
``remote_fleet`` (a RemoteFleet on a real Jupyter server over that sim server) come from
tests/conftest.py.
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
