"""The admin API (in-process and over admin frames), world queries and the tutorial's steps."""

from __future__ import annotations

import asyncio

import pytest

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.server import SimWorldServer

from .helpers import RawClient, join


async def test_kick_and_ban(make_server, connect):
    server = await make_server()
    alice = await connect(server, "Alice")
    assert server.admin.kick("Alice", "be nice") is True
    assert (await alice.wait_push("kicked"))["reason"] == "be nice"
    await alice.wait_closed()
    assert server.admin.kick("Alice") is False
    alice = await connect(server, "Alice")
    server.admin.ban("Alice")
    kicked = await alice.wait_push("kicked")
    assert kicked["code"] == "BANNED"
    refused = await RawClient().open(server.hosts["game-lava.sim"])
    assert (await refused.req("hello", username="Alice", device_id="d"))["code"] == "BANNED"
    server.admin.unban("Alice")
    await connect(server, "Alice")


async def test_drop_all_and_pause(make_server, connect):
    server = await make_server()
    clients = [await connect(server, f"Bot{i}") for i in range(3)]
    assert server.admin.drop_all() == 3
    for client in clients:
        await client.wait_closed()
    assert server.sessions == {}
    server.admin.pause()
    refused = await RawClient().open(server.hosts["game-lava.sim"])
    await refused.wait_closed()
    server.admin.resume()
    await connect(server, "Bot0")


async def test_admin_frames_need_the_token(make_server, connect):
    server = await make_server(admin_token="secret")
    player = await connect(server, "Player")
    intruder = await RawClient().open(server.hosts["game-lava.sim"])
    assert (await intruder.req("admin_hello", token="guess"))["code"] == "AUTH_FAILED"
    admin = await RawClient().open(server.hosts["game-lava.sim"])
    assert (await admin.req("admin_hello", token="secret"))["t"] == "ok"
    stats = await admin.req("admin", op="stats")
    assert {"ticks", "tick_p50_ms", "tick_p99_ms", "connections", "players", "worlds"} <= set(stats)
    assert (await admin.req("admin", op="ban", username="Mallory"))["t"] == "ok"
    assert "Mallory" in server.banned
    assert (await admin.req("admin", op="set_world_cap", world="foo", cap=3))["t"] == "ok"
    assert server.worlds["FOO"].cap == 3
    bad = await admin.req("admin", op="explode")
    assert bad["t"] == "error" and "unknown admin op" in bad["message"]
    assert (await admin.req("admin", op="drop_all"))["dropped"] == 1  # the player, not the admin
    await player.wait_closed()
    assert (await admin.req("admin", op="stats"))["connections"] == 0
    await admin.link.close()


async def test_recent_active_and_world_info(make_server, connect):
    server = await make_server()
    host = server.host_of("PIXELSTATION")
    client = await connect(server, "Alice", host=host)
    await join(client, server, "PIXELSTATION")
    await join(client, server, "PIXELSTATION")
    second = next(w for w in ("A1", "A2", "A3", "A4") if server.host_of(w) == host)
    await join(client, server, second)
    recent = (await client.req("recent_worlds"))["worlds"]
    assert recent == [
        {"name": second, "id": second, "count": 1, "visits": 1},
        {"name": "PIXELSTATION", "id": "PIXELSTATION", "count": 0, "visits": 2},
    ]
    assert (await client.req("active_worlds"))["worlds"] == [{"name": second, "count": 1}]
    info = await client.req("world_info", world=second.lower())
    assert (info["name"], info["player_count"], info["flags"]) == (second, 1, [])
    mine = await client.req("world_info", world="MINEWORLD-3")
    assert (mine["player_count"], mine["flags"]) == (0, ["mine"])
    assert (await client.req("world_info", world="no way"))["code"] == "INVALID_WORLD"
    assert (await client.req("world_info", world="NOTFOUND2"))["code"] == "WORLD_NOT_FOUND"
    assert (await client.req("join", world="NOTFOUND2"))["code"] == "WORLD_NOT_FOUND"


async def test_tutorial_steps_advance_the_state_in_order(make_server, connect):
    server = await make_server(move_interval_ms=0)
    client = await connect(server, "Newbie", host=server.host_of("TUTORIAL2"))
    assert (await client.req("tutorial", step="create_character"))["code"] == "NOT_IN_WORLD"
    reply = await join(client, server, "TUTORIAL2")
    assert client.pushes("me")[-1]["tutorial_state"] == 1
    assert "exit in state 1" in (await client.req("tutorial", step="exit"))["message"]
    done = await client.req("tutorial", step="create_character", nick="Hero")
    assert done["tutorial_state"] == 2 and server.accounts.get("Newbie").nick == "Hero"
    assert "spawn pod" in (await client.req("tutorial", step="exit"))["message"]
    world = server.worlds["TUTORIAL2"]
    pod = world.fg.index(c.SPAWN_POD)
    player = world.players[server.accounts.get("Newbie").user_id]
    player.x, player.y = pod % world.width, pod // world.width  # stand on the pod
    assert (await client.req("tutorial", step="exit"))["tutorial_state"] == 3
    assert reply["spawn"] == [3, 10]


async def test_stop_closes_clients_and_ports(make_server, connect):
    server = await make_server()
    client = await connect(server, "Alice")
    await server.stop()
    await client.wait_closed()
    try:
        await asyncio.open_connection(*server.hosts["game-lava.sim"])
    except OSError:
        pass
    else:
        raise AssertionError("the port still accepts connections")


async def test_a_taken_port_fails_start_and_leaves_nothing_open(make_server):
    first = await make_server()
    entry_port = first.hosts["game-ice.sim"][1] - 1  # the second host of a new server collides
    clash = SimWorldServer(seed=42, port=entry_port)
    with pytest.raises(OSError):
        await clash.start()
    assert clash._servers == []
