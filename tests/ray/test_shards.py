"""Shards as Ray actors (issue 14 part B), end to end: a real three-node Ray cluster on this
machine, a real ``jupyter server`` with ``SERAPH_RAY_ADDRESS`` pointing at it, and only the
server's REST API and event stream from here. The node-kill test runs last: it takes a node
away from the module's cluster."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from rest_helpers import EventStream, key, wait_run_ended, wait_snapshot
from test_ray_off import RAY_CORE, mapped_files

pytestmark = pytest.mark.timeout(600)

LOOP = 'while true do print("{tag} " .. getClient().id) sleep(200) end'


async def info(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("api/seraph/info")
    assert response.status_code == 200, response.text
    return response.json()


async def node_of(api: httpx.AsyncClient, bot_id: str) -> str:
    """The Ray node of the shard that owns ``bot_id``."""
    for shard in (await info(api))["shards"]:
        if bot_id in shard["bots"]:
            return shard["node_id"]
    raise AssertionError(f"no shard owns {bot_id}")


async def create(api: httpx.AsyncClient, bot_id: str) -> None:
    response = await api.post("api/bots", json={"id": bot_id})
    assert response.status_code == 201, response.text


async def run(api: httpx.AsyncClient, bot_id: str, script_id: str, source: str, **extra: Any) -> dict:
    """Execute a script and wait for its end: its status."""
    body = {**key(bot_id, script_id), "source": source, **extra}
    response = await api.post("api/scripts/execute", json=body)
    assert response.status_code == 200, response.text
    return await wait_run_ended(api, bot_id, script_id, timeout=30)


@pytest.fixture(scope="module")
def trio(server) -> list[str]:
    """Three bots made one after the other on the fresh farm: one per shard."""

    async def make() -> None:
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
            for bot_id in ("n1", "n2", "n3"):
                await create(api, bot_id)

    asyncio.run(make())
    return ["n1", "n2", "n3"]


async def test_bots_land_on_three_nodes(api, cluster, server, trio):
    farm = await info(api)
    assert farm["kind"] == "ray"
    assert RAY_CORE in mapped_files(server.process.pid)
    cluster_nodes = {node.node_id for node in cluster.list_all_nodes()}
    assert {shard["node_id"] for shard in farm["shards"]} == cluster_nodes
    nodes = {bot_id: await node_of(api, bot_id) for bot_id in trio}
    assert len(set(nodes.values())) == 3, nodes
    listed = (await api.get("api/bots")).json()["bots"]
    assert [bot["id"] for bot in listed if bot["id"] in trio] == trio


async def test_scripts_run_on_each_node(api, trio):
    for bot_id in trio:
        status = await run(api, bot_id, "hello", 'print("hi") return getClient().id, 6 * 7')
        assert status["state"] == "COMPLETE", status
        assert status["results"] == [bot_id, 42]
        console = (await api.get("api/scripts/console", params=key(bot_id, "hello"))).json()
        assert [line["text"] for line in console["lines"]] == ["hi"]
    jobs = (await api.get("api/jobs")).json()["jobs"]
    assert {job["client_id"] for job in jobs if job["script_id"] == "hello"} == set(trio)


async def test_lua_reaches_a_bot_on_another_node(api, trio):
    first, other = trio[0], trio[2]
    assert await node_of(api, first) != await node_of(api, other)
    snapshot = (await api.get(f"api/bots/{other}")).json()
    source = f'local c = getClient("{other}") return c and c.username, c and c:status()'
    status = await run(api, first, "reach", source)
    assert status["state"] == "COMPLETE", status
    assert status["results"] == [snapshot["username"], snapshot["status"].upper()], status


async def test_global_storage_is_shared_across_nodes(api, trio):
    writer, reader = trio[0], trio[1]
    assert await node_of(api, writer) != await node_of(api, reader)
    status = await run(api, writer, "write", 'globalStorage:set("farm", {node = getClient().id, n = 7})')
    assert status["state"] == "COMPLETE", status
    status = await run(api, reader, "read", 'local v = globalStorage:get("farm") return v.node, v.n')
    assert status["results"] == [writer, 7], status
    stored = (await api.get("api/storage/global/farm")).json()
    assert stored["value"] == {"node": writer, "n": 7}


async def test_the_event_stream_carries_every_node(api, trio):
    async with api.stream("GET", "api/seraph/events", timeout=httpx.Timeout(60, read=None)) as response:
        stream = EventStream(response)
        await stream.wait_connected()
        for bot_id in trio:
            source = f'print("sse-{bot_id}")'
            body = {**key(bot_id, "sse"), "source": source}
            assert (await api.post("api/scripts/execute", json=body)).status_code == 200
        seen: set[str] = set()
        deadline = time.monotonic() + 30
        while seen != set(trio):
            event, data = await stream.next_frame(max(deadline - time.monotonic(), 0.01))
            if event == "log" and data["message"].startswith("sse-"):
                assert data["message"] == f"sse-{data['session_id']}"
                seen.add(data["session_id"])


async def test_a_script_that_requires_a_live_stream_sees_the_front_doors(api, trio):
    """The live streams are the front door's: they go with every call to a shard, so
    ``require_sessions`` is refused without one and runs with one. (The library lives on the
    primary shard, with the farm's first bot.)"""
    bot_id = trio[0]
    body = {"name": "needs-a-stream", "script": "return 1", "require_sessions": True}
    script = (await api.post("api/library/scripts", json=body)).json()["script"]
    refused = await api.post(f"api/library/scripts/{script['id']}/execute", json={"client_id": bot_id})
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == "script requires a live event stream"
    params = {"client_id": bot_id}
    async with api.stream("GET", "api/seraph/events", params=params, timeout=30) as response:
        # Held until the end: a dropped reader's line iterator is finalized, which closes the
        # stream (the server then has no live stream by the time the call arrives).
        stream = EventStream(response)
        await stream.wait_connected()
        ran = await api.post(f"api/library/scripts/{script['id']}/execute", json={"client_id": bot_id})
        assert ran.status_code == 200, ran.text
        assert not stream.response.is_closed


async def test_a_kernels_workspace_works_on_the_farm(api, server):
    """Kernels work in workspaces of their own (docs/workspaces.md), through the same routes
    with the ``X-Seraph-Workspace`` header: short ids inside, the workspace's own world."""
    made = await api.post("api/workspaces", json={"name": "nb-ray", "seed": 7})
    assert made.status_code in (200, 201), made.text
    inside = {**server.headers, "X-Seraph-Workspace": "nb-ray"}
    async with httpx.AsyncClient(base_url=server.url, headers=inside, timeout=60) as kernel:
        assert (await kernel.post("api/bots", json={"id": "bot-1"})).status_code == 201
        status = await run(kernel, "bot-1", "hello", "return getClient().id")
        assert status["state"] == "COMPLETE" and status["results"] == ["bot-1"], status
        assert [bot["id"] for bot in (await kernel.get("api/bots")).json()["bots"]] == ["bot-1"]
    listed = [bot["id"] for bot in (await api.get("api/bots")).json()["bots"]]
    assert "nb-ray~bot-1" in listed
    assert (await api.delete("api/workspaces/nb-ray")).status_code == 200
    assert "nb-ray~bot-1" not in [bot["id"] for bot in (await api.get("api/bots")).json()["bots"]]


async def test_a_lost_node_rehomes_its_bots_and_ends_its_runs(api, cluster, server, trio):
    farm = await info(api)
    driver = farm["ray_node_id"]
    victim = next(n for n in cluster.worker_nodes if n.node_id != driver)
    lost = next(s for s in farm["shards"] if s["node_id"] == victim.node_id)
    bot_id = lost["bots"][0]
    connect = await api.post(f"api/bots/{bot_id}/connect", params={"wait": "true"})
    assert connect.status_code == 200, connect.text
    warp = await api.post(f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": "MINEWORLD"})
    assert warp.status_code == 200, warp.text
    for script_id, extra in (("plain", {}), ("again", {"restart": "on-failure"})):
        body = {**key(bot_id, script_id), "source": LOOP.format(tag=script_id), **extra}
        assert (await api.post("api/scripts/execute", json=body)).status_code == 200
    first_start = (await api.get("api/scripts/status", params=key(bot_id, "again"))).json()["started_at"]

    cluster.remove_node(victim, allow_graceful=False)

    plain = await wait_run_ended(api, bot_id, "plain", timeout=120)
    assert plain["state"] == "FAILED", plain
    assert plain["error"] == {"code": "INTERNAL_ERROR", "message": "node lost"}
    snapshot = await wait_snapshot(api, bot_id, lambda s: s["status"] == "in_world", timeout=60)
    assert snapshot["world"]["world_name"] == "MINEWORLD"
    new_node = await node_of(api, bot_id)
    assert new_node != victim.node_id
    assert victim.node_id not in {s["node_id"] for s in (await info(api))["shards"]}

    again = (await api.get("api/scripts/status", params=key(bot_id, "again"))).json()
    assert again["running"] and again["started_at"] > first_start, again
    deadline = time.monotonic() + 30
    while True:
        console = (await api.get("api/scripts/console", params=key(bot_id, "again"))).json()
        if any(line["text"] == f"again {bot_id}" for line in console["lines"]):
            break
        assert time.monotonic() < deadline, console
        await asyncio.sleep(0.2)
    jobs = {(j["client_id"], j["script_id"]): j for j in (await api.get("api/jobs")).json()["jobs"]}
    assert jobs[(bot_id, "plain")]["state"] == "FAILED"
    assert jobs[(bot_id, "plain")]["last_error"] == "node lost"
    assert jobs[(bot_id, "again")]["running"]
    await api.post("api/scripts/stop", json=key(bot_id, "again"))
    others = [b for b in trio if b != bot_id]
    for other in others:
        status = await run(api, other, "after", "return 1")
        assert status["results"] == [1]
