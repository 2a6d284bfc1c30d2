"""Several shards on one node (``SERAPH_RAY_SHARDS_PER_NODE``): one machine's scripts use as
many processes, hence cores, as it has shards. A real ``jupyter server`` that starts its own
Ray (``SERAPH_RAY_ADDRESS=local``) with two shards on its one node; only its REST API from here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import server_process
from ray_cluster import RAY_ENV, RAY_STARTUP_TIMEOUT_S
from server_process import ServerProcess, jupyter_env, start_server
from test_shards import create, info, run

from seraph_ext.app import ENV_RAY_SHARDS_PER_NODE, SeraphExtension
from seraph_kernel.config import FleetConfig
from seraph_kernel.shards.router import RayFleet

pytestmark = pytest.mark.timeout(600)
BOTS = ["p1", "p2", "p3", "p4"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, monkeypatch_module) -> Iterator[ServerProcess]:
    """A Jupyter server running a local Ray of its own, two shards on its node."""
    monkeypatch_module.setattr(server_process, "STARTUP_TIMEOUT_S", RAY_STARTUP_TIMEOUT_S)
    root = tmp_path_factory.mktemp("ray-local")
    env = jupyter_env(root, SERAPH_RAY_ADDRESS="local", **{ENV_RAY_SHARDS_PER_NODE: "2"}, **RAY_ENV)
    proc = start_server(root, env=env)
    try:
        yield proc
    finally:
        proc.stop(timeout=60)


async def test_two_shards_on_one_node_share_its_bots(api):
    for bot_id in BOTS:
        await create(api, bot_id)
    shards = (await info(api))["shards"]
    assert len(shards) == 2
    assert len({shard["node_id"] for shard in shards}) == 1
    assert [len([b for b in shard["bots"] if b in BOTS]) for shard in shards] == [2, 2]


async def test_a_script_reaches_the_other_shards_bot_and_storage(api):
    shards = (await info(api))["shards"]
    mine, theirs = shards[0]["bots"][0], shards[1]["bots"][0]
    source = f'local c = getClient("{theirs}") globalStorage:set("pair", c.id) return c.id, c:status()'
    status = await run(api, mine, "reach", source)
    assert status["state"] == "COMPLETE", status
    snapshot = (await api.get(f"api/bots/{theirs}")).json()
    assert status["results"] == [theirs, snapshot["status"].upper()]
    status = await run(api, theirs, "read", 'return globalStorage:get("pair")')
    assert status["results"] == [theirs], status


def test_shards_per_node_must_be_a_whole_number_of_at_least_one(monkeypatch):
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="shards per node must be a whole number of at least 1"):
            RayFleet(FleetConfig(), "local", bad)
    monkeypatch.setenv(ENV_RAY_SHARDS_PER_NODE, "two")
    with pytest.raises(ValueError, match=f"{ENV_RAY_SHARDS_PER_NODE} must be a whole number, not 'two'"):
        SeraphExtension()._shards_per_node()
    monkeypatch.setenv(ENV_RAY_SHARDS_PER_NODE, "3")
    assert SeraphExtension()._shards_per_node() == 3
    assert SeraphExtension(ray_shards_per_node=2)._shards_per_node() == 2
