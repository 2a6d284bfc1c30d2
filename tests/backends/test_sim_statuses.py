"""Every status of spec 003 reached by a SimBot against the real server, and what each one
means for the bot's other fields."""

from __future__ import annotations

import asyncio
import socket

from seraph_kernel.vocab import STATUSES

from .conftest import wait_until

JOIN = ["joining_world", "loading_world", "awaiting_ready", "in_world"]


def other_host_world(server) -> str:
    return next(w for w in ("MINEWORLD", "FOO", "BAR", "BAZ") if server.host_of(w) != server.host_names[0])


def entry_host_world(server) -> str:
    return next(w for w in ("PIXELSTATION", "FOO", "BAR", "BAZ") if server.host_of(w) == server.host_names[0])


async def test_connect_and_join_walk_the_status_machine(server, make_bot):
    bot, events = make_bot(server, "Walker")
    assert bot.status == "disconnected"
    assert await bot.connect() is None
    assert events.statuses() == ["connecting", "authenticating", "menu_ready"]
    assert bot.connected_since is not None and bot.current_host == "game-lava.sim"
    world = entry_host_world(server)
    assert await bot.warp(world) is None
    assert events.statuses()[3:] == JOIN
    assert bot.current_world == world and bot.pending_world is None


async def test_a_world_on_another_host_passes_through_redirecting(server, make_bot):
    bot, events = make_bot(server, "Traveller")
    await bot.connect()
    world = other_host_world(server)
    assert await bot.warp(world) is None
    assert events.statuses()[3:] == ["joining_world", "redirecting", *JOIN]
    assert (bot.current_host, bot.current_port) == ("game-ice.sim", server.hosts["game-ice.sim"][1])
    assert [p.account.username for p in server.worlds[world].players.values()] == ["Traveller"]
    assert any("redirected to game-ice.sim" in m for m in events.logs())


async def test_disconnect_is_clean_and_idempotent(server, make_bot):
    bot, events = make_bot(server, "Leaver")
    await bot.connect()
    await bot.warp("PIXELSTATION")
    await bot.disconnect()
    await bot.disconnect()
    assert bot.status == "disconnected" and events.statuses()[-1] == "disconnected"
    assert bot.snapshot()["current_world"] is None and bot.connected_since is None
    assert bot.restore_hint == {"connected": False, "world": None}
    await wait_until(lambda: "Leaver" not in server.sessions, what="the server to release the slot")
    assert events.bot("disconnect")


async def test_already_connected(server, make_bot):
    first, _ = make_bot(server, "Twin")
    second, events = make_bot(server, "Twin")
    assert await first.connect() is None
    assert await second.connect() == "ALREADY_CONNECTED"
    assert second.status == "already_connected" and "already connected" in second.last_error
    assert events.statuses() == ["connecting", "authenticating", "already_connected"]


async def test_banned_at_connect_and_while_connected(make_server, make_bot):
    server = await make_server(ban_list=["Cheater"])
    cheater, _ = make_bot(server, "Cheater")
    assert await cheater.connect() == "BANNED"
    assert cheater.status == "banned"
    other, events = make_bot(server, "Later")
    await other.connect()
    await other.warp("PIXELSTATION")
    server.admin.ban("Later")
    await wait_until(lambda: other.status == "banned", what="banned")
    assert events.bot("kicked")[0]["reason"] == "account Later is banned"
    assert other.current_world is None


async def test_kicked_bots_stay_kicked(server, make_bot):
    bot, events = make_bot(server, "Rude")
    await bot.connect()
    await bot.warp("PIXELSTATION")
    server.admin.kick("Rude", "be nice")
    await wait_until(lambda: bot.status == "kicked", what="kicked")
    assert bot.last_error == "be nice" and events.bot("kicked") == [{"type": "kicked", "reason": "be nice"}]
    await wait_until(lambda: not server.sessions, what="the server to forget the bot")
    assert bot.status == "kicked"  # no reconnect after a kick
    assert await bot.connect() is None  # but the user may connect again


async def test_spam_gets_a_bot_kicked(make_server, make_bot):
    server = await make_server()
    bot, _ = make_bot(server, "Spammer")
    await bot.connect()
    await bot.warp("PIXELSTATION")
    for i in range(5):
        assert await bot.say(f"buy gems {i}") is None
    await bot.say("buy gems now")
    await wait_until(lambda: bot.status == "kicked", what="kicked")
    assert "spam" in bot.last_error


async def test_auth_failure_is_an_error_status(server, make_bot):
    bot, _ = make_bot(server, "Forger", token="not.a.token")
    assert await bot.connect() == "AUTH_FAILED"
    assert bot.status == "error" and bot.last_error == "invalid session token"


async def test_nothing_listening_is_an_error_status(server, make_bot):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot, _ = make_bot(server, "Lonely", address=f"127.0.0.1:{port}")
    assert await bot.connect() == "OTHER"
    assert bot.status == "error" and "refused" in bot.last_error.lower()


async def test_dropped_connection_reconnects_back_into_the_world(server, make_bot):
    bot, events = make_bot(server, "Phoenix")
    await bot.connect()
    world = other_host_world(server)
    await bot.warp(world)
    since = bot.connected_since
    events.clear()
    server.admin.drop_all()
    await wait_until(lambda: "reconnecting" in events.statuses(), what="reconnecting")
    await wait_until(lambda: bot.status == "in_world", what="back in the world")
    assert bot.current_world == world and bot.connected_since >= since
    assert events.statuses()[0] == "reconnecting" and events.statuses()[-1] == "in_world"
    assert "redirecting" in events.statuses()  # the world lives on the other host
    assert [p.account.username for p in server.worlds[world].players.values()] == ["Phoenix"]


async def test_reconnect_waits_while_the_server_is_down(server, make_bot):
    bot, events = make_bot(server, "Patient")
    await bot.connect()
    await bot.warp("PIXELSTATION")
    server.admin.pause()
    await wait_until(lambda: bot.status == "reconnecting", what="reconnecting")
    assert bot.restore_hint == {"connected": True, "world": "PIXELSTATION"}
    assert bot.snapshot()["player_position"] is None
    assert "connection lost; reconnecting (back to PIXELSTATION)" in events.logs()
    server.admin.resume()
    await wait_until(lambda: bot.status == "in_world", what="back in the world")
    assert bot.current_world == "PIXELSTATION"


async def test_reconnect_gives_up_after_its_attempts(server, make_bot):
    bot, _ = make_bot(server, "Quitter", reconnect_attempts=2)
    await bot.connect()
    server.admin.pause()
    await wait_until(lambda: bot.status == "error", what="giving up")
    assert bot.last_error.startswith("reconnect: gave up after 2 attempts")
    assert bot.restore_hint["connected"] is False


async def test_ping_is_measured(server, make_bot):
    bot, _ = make_bot(server, "Pinger")
    await bot.connect()
    await wait_until(lambda: bot.ping_ms is not None, what="a ping")
    assert isinstance(bot.ping_ms, int) and 0 <= bot.ping_ms < 1000


def test_every_status_is_covered_by_this_file():
    with open(__file__) as f:
        source = f.read()
    assert all(f'"{s}"' in source for s in STATUSES)


async def test_connect_twice_at_once_makes_one_session(server, make_bot):
    bot, events = make_bot(server, "Eager")
    first, second = await asyncio.gather(bot.connect(), bot.connect())
    assert (first, second) == (None, None)
    assert events.statuses() == ["connecting", "authenticating", "menu_ready"]


async def test_disconnect_while_connecting(server, make_bot):
    closed = asyncio.Event()

    async def silent(reader, writer):  # accepts, never answers hello
        await reader.read()
        closed.set()

    mute = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = mute.sockets[0].getsockname()[1]
    bot, _ = make_bot(server, "Hasty", address=f"127.0.0.1:{port}")
    connecting = asyncio.ensure_future(bot.connect())
    await wait_until(lambda: bot.status == "authenticating", what="authenticating")
    await bot.disconnect()
    assert await connecting == "DISCONNECTED" and bot.status == "disconnected"
    await asyncio.wait_for(closed.wait(), 5)  # the half-open socket was closed
    mute.close()


async def test_connect_while_reconnecting_goes_back_into_the_world(make_server, make_bot):
    server = await make_server(move_interval_ms=20)
    bot, _ = make_bot(server, "Impatient", reconnect_initial_ms=60_000)  # the loop would wait a minute
    await bot.connect()
    await bot.warp("PIXELSTATION")
    server.admin.drop_all()
    await wait_until(lambda: bot.status == "reconnecting", what="reconnecting")
    assert await bot.connect() is None
    assert (bot.status, bot.current_world) == ("in_world", "PIXELSTATION")
