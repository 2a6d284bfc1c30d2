"""Authentication, sessions and the simulated hosts: who may connect, and where a world lives."""

from __future__ import annotations

import pytest

from .helpers import RawClient


async def hello(server, username, **extra):
    client = await RawClient().open(server.hosts["game-lava.sim"])
    return client, await client.req("hello", username=username, device_id="dev", **extra)


async def test_hello_gives_a_stable_user_id_and_a_token(make_server):
    server = await make_server()
    client, reply = await hello(server, "P71710199")
    assert reply["t"] == "auth_ok"
    assert len(reply["user_id"]) == 24 and reply["host"] == "game-lava.sim"
    assert reply["token"].count(".") == 2
    assert reply["me"]["inventory"] == [[1041, 1]]
    await client.link.close()
    again, second = await hello(server, "P71710199", token=reply["token"])
    assert second["user_id"] == reply["user_id"]
    await again.link.close()


@pytest.mark.parametrize("username", ["", "ab", "bad name", "x" * 25, 42])
async def test_bad_usernames_fail_auth_and_are_disconnected(make_server, username):
    server = await make_server()
    client, reply = await hello(server, username)
    assert (reply["t"], reply["code"]) == ("error", "AUTH_FAILED")
    await client.wait_closed()


async def test_a_forged_token_fails_auth(make_server):
    server = await make_server()
    client, reply = await hello(server, "P1234", token="a.b.c")
    assert reply["code"] == "AUTH_FAILED"
    await client.wait_closed()


async def test_banned_accounts_are_refused(make_server):
    server = await make_server(ban_list=["Cheater"])
    client, reply = await hello(server, "Cheater")
    assert reply["code"] == "BANNED"
    await client.wait_closed()


async def test_one_connection_per_account(make_server):
    server = await make_server()
    first, _ = await hello(server, "P1234")
    second, reply = await hello(server, "P1234")
    assert reply["code"] == "ALREADY_CONNECTED"
    await second.wait_closed()
    await first.link.close()
    third, reply = await hello(server, "P1234")
    assert reply["t"] == "auth_ok"  # the slot was released when the first one left
    await third.link.close()


async def test_each_host_listens_on_its_own_port(make_server):
    server = await make_server()
    assert set(server.hosts) == {"game-lava.sim", "game-ice.sim", "lobby-eu.sim", "lobby-us.sim"}
    assert len({port for _, port in server.hosts.values()}) == 4
    assert server.address == f"127.0.0.1:{server.hosts['game-lava.sim'][1]}"


async def test_joining_a_world_of_another_host_redirects_there(make_server, connect):
    server = await make_server()
    world = next(w for w in ("MINEWORLD", "FOO", "BAR", "BAZ") if server.host_of(w) == "game-ice.sim")
    client = await connect(server, "P1234")
    reply = await client.req("join", world=world)
    assert reply["t"] == "redirect"
    assert (reply["host"], reply["port"]) == ("game-ice.sim", server.hosts["game-ice.sim"][1])
    await client.wait_closed()
    there = await connect(server, "P1234", host="game-ice.sim")
    assert (await there.req("join", world=world))["t"] == "world"


async def test_world_placement_is_deterministic(make_server):
    a, b = await make_server(), await make_server()
    names = [f"W{i}" for i in range(20)]
    assert [a.host_of(n) for n in names] == [b.host_of(n) for n in names]
    assert {a.host_of(n) for n in names} == {"game-lava.sim", "game-ice.sim"}


async def test_ping_answers_pong(make_server, connect):
    server = await make_server()
    client = await connect(server, "P1234")
    assert (await client.req("ping"))["t"] == "pong"
