"""RemoteFleet against a real Jupyter server (in this process): errors map back to the same
exceptions, action codes come back as codes, world() copies the server's world, the event
stream survives a dropped connection, and cancelling an awaiting task stops the action."""

from __future__ import annotations

import asyncio

import pytest

from seraph_ext.testing import serve
from seraph_kernel.errors import (
    ActionError,
    BotExists,
    InvalidArgument,
    LuaCompileError,
    RemoteError,
    ScriptAlreadyRunning,
    UnknownBot,
    UnknownScript,
)
from seraph_kernel.fleet.remote import RemoteFleet
from seraph_kernel.store import BotRecord, BotStore, Database


@pytest.fixture
async def server(sim_server, db_path):
    async with serve(sim_address=sim_server.address, db_path=db_path) as running:
        yield running


@pytest.fixture
async def remote(server):
    fleet = RemoteFleet(server.url, server.token)
    await fleet.start()
    yield fleet
    await fleet.close()


async def next_matching(subscription, match, timeout=10.0):
    async def scan():
        async for event in subscription:
            if match(event):
                return event
        raise AssertionError("subscription ended")

    return await asyncio.wait_for(scan(), timeout)


async def test_errors_map_back_to_the_fleet_exceptions(remote):
    with pytest.raises(UnknownBot, match="unknown bot: bot-99"):
        await remote.get_bot("bot-99")
    with pytest.raises(UnknownBot):
        await remote.get_bot("")
    await remote.create_bot("b1")
    with pytest.raises(BotExists, match="bot already exists: b1"):
        await remote.create_bot("b1")
    with pytest.raises(InvalidArgument) as bad:
        await remote.create_bot("has space")
    assert bad.value.field == "id"
    with pytest.raises(LuaCompileError, match=r"^lua compile: 1: "):
        await remote.execute("b1", "s", "while true do")
    await remote.execute("b1", "s", "while true do sleep(20) end")
    with pytest.raises(ScriptAlreadyRunning):
        await remote.execute("b1", "s", "print(1)")
    await remote.stop("b1", "s")
    with pytest.raises(UnknownScript):
        await remote.status("b1", "never")
    with pytest.raises(InvalidArgument) as scope:
        await remote.storage_get("nowhere", "k")
    assert scope.value.field == "scope"


async def test_action_codes_come_back_as_codes(remote):
    await remote.create_bot("b1")
    assert await remote.warp("b1", "MINEWORLD", wait=True) == "NOT_CONNECTED"
    assert await remote.connect("b1", wait=True) is None
    assert await remote.walk_to("b1", 3, 3) == "NOT_IN_WORLD"
    with pytest.raises(ActionError) as outside:
        await remote.minimap("b1")
    assert outside.value.code == "NOT_IN_WORLD"
    assert await remote.world("b1") is None
    assert await remote.warp("b1", "bad name!", wait=True) == "INVALID_WORLD"


async def test_world_is_a_copy_of_the_servers_world(remote, server):
    await remote.create_bot("b1")
    await remote.connect("b1", wait=True)
    assert await remote.warp("b1", "MINEWORLD", wait=True) is None
    view = await remote.world("b1")
    local = await server.extension.fleet.world("b1")
    assert (view.name, view.width, view.height, view.spawn) == (
        local.name,
        local.width,
        local.height,
        local.spawn,
    )
    assert list(view.foreground) == list(local.foreground)
    assert list(view.wiring) == list(local.wiring)
    assert view.foreground[view.spawn[1] * view.width + view.spawn[0]] is not None


async def test_storage_scripts_and_jobs_round_trip(remote):
    await remote.create_bot("b1")
    await remote.storage_set("bot:b1", "k", {"n": [1, 2]})
    assert await remote.storage_get("bot:b1", "k") == {"n": [1, 2]}
    assert await remote.storage_keys("bot:b1") == ["k"]
    assert await remote.storage_delete("bot:b1", "k") is True
    await remote.execute("b1", "s", 'print("a") print("b") return 3', timeout_ms=5000)
    for _ in range(200):
        status = await remote.status("b1", "s")
        if not status["running"]:
            break
        await asyncio.sleep(0.02)
    assert status["results"] == [3] and status["timeout_ms"] == 5000
    lines = (await remote.console("b1", "s"))["lines"]
    assert [line["text"] for line in (await remote.console("b1", "s", after=lines[0]["seq"]))["lines"]] == [
        "b"
    ]
    assert [job["script_id"] for job in await remote.jobs("b1")] == ["s"]
    assert await remote.stop_all() == 0


async def test_events_keep_flowing_after_the_stream_drops(remote, server):
    await remote.create_bot("b1")
    subscription = remote.subscribe("b1")
    await remote.connect("b1")
    await next_matching(
        subscription, lambda e: e.kind == "session" and e.data["snapshot"]["status"] == "menu_ready"
    )
    assert remote.stream_connects == 1
    for stream in list(server.extension.streams):
        stream.close()
    for _ in range(200):
        if remote.stream_connects == 2 and server.extension.streams:
            break
        await asyncio.sleep(0.02)
    assert remote.stream_connects == 2
    await remote.warp("b1", "MINEWORLD")
    event = await next_matching(
        subscription, lambda e: e.kind == "session" and e.data["snapshot"]["status"] == "in_world"
    )
    assert event.client_id == "b1"
    assert "client_id" not in event.data
    subscription.close()


async def test_cancelling_a_remote_walk_stops_the_bot(remote):
    await remote.create_bot("b1")
    await remote.connect("b1", wait=True)
    await remote.warp("b1", "MINEWORLD", wait=True)
    view = await remote.world("b1")
    target = None
    for x in range(view.width - 1, 0, -3):
        for y in range(view.height - 1, 0, -3):
            if len(await remote.get_path("b1", x, y)) >= 12:
                target = (x, y)
                break
        if target:
            break
    assert target
    walk = asyncio.create_task(remote.walk_to("b1", *target))
    await asyncio.sleep(1.0)
    walk.cancel()
    with pytest.raises(asyncio.CancelledError):
        await walk
    await asyncio.sleep(0.8)
    first = (await remote.get_bot("b1"))["player_position"]
    await asyncio.sleep(0.8)
    assert (await remote.get_bot("b1"))["player_position"] == first
    assert (first["map_x"], first["map_y"]) != target


async def test_from_env_and_a_refused_token(server):
    with pytest.raises(InvalidArgument, match="SERAPH_SERVER_URL"):
        RemoteFleet.from_env({})
    fleet = RemoteFleet.from_env({"SERAPH_SERVER_URL": server.url, "SERAPH_TOKEN": server.token})
    assert (fleet.url, fleet.token) == (server.url, server.token)
    info = await fleet.info()
    assert info["kind"] == "remote" and info["server_kind"] == "local" and info["server_url"] == server.url
    await fleet.close()
    wrong = RemoteFleet(server.url, "wrong-token")
    with pytest.raises(RemoteError) as refused:
        await wrong.start()
    assert refused.value.http_status == 403


async def test_an_unreachable_server_is_a_clear_error():
    from seraph_ext.testing import free_port

    fleet = RemoteFleet(f"http://127.0.0.1:{free_port()}/", "t")
    with pytest.raises(RemoteError, match="cannot reach"):
        await fleet.list_bots()
    await fleet.close()


async def test_bots_stored_with_ids_urls_cannot_carry_list_and_delete_through_invoke(sim_server, db_path):
    """A ``..`` bot from before the id rules: a RemoteFleet lists it, reads it (not Jupyter's
    ``/api/`` document) and deletes it, because it speaks ``/invoke``; a new one is refused."""
    db = Database(db_path)
    BotStore(db).save(BotRecord(id="..", username="Climber"))
    db.close()
    async with serve(sim_address=sim_server.address, db_path=db_path) as running:
        remote = RemoteFleet(running.url, running.token)
        try:
            assert [b["id"] for b in await remote.list_bots()] == [".."]
            assert (await remote.get_bot(".."))["username"] == "Climber"
            await remote.delete_bot("..")
            assert await remote.list_bots() == []
            with pytest.raises(InvalidArgument, match=r"^id: '\.\.' is a path step"):
                await remote.create_bot("..")
            assert await remote.list_bots() == []
        finally:
            await remote.close()
