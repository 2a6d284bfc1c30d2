"""walk_to / get_path / move against the real server: paced, confirmed, cancellable, and
honest about unreachable targets and lost connections."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest

from seraph_kernel.errors import InvalidArgument
from seraph_kernel.sim import catalog as c

from .conftest import wait_until

HUB = "PIXELSTATION"  # spawn (50, 30), open floor


def server_pos(server, bot):
    world = server.worlds[bot.current_world]
    p = world.players[bot.user_id]
    return p.x, p.y


async def test_walk_to_arrives_where_the_server_says(server, bot_in):
    bot, events = await bot_in(server, HUB)
    path = await bot.get_path(56, 33)
    assert len(path) == 9 and path[-1] == (56, 33)
    assert await bot.walk_to(56, 33) is None
    assert bot.position == server_pos(server, bot) == (56, 33)
    positions = [e["player_position"] for e in events.bot("position")]
    assert len(positions) == 9 and positions[-1] == {
        "map_x": 56.0,
        "map_y": 33.0,
        "world_x": 17.92,
        "world_y": 10.56,
    }
    assert await bot.get_path(56, 33) == []


async def test_walk_to_goes_around_walls(server, bot_in):
    world = server.world(HUB)
    for y in range(20, 41):
        world.fg[y * 100 + 52] = c.STONE  # a wall from y=20 to y=40 at x=52
    bot, _ = await bot_in(server, HUB)
    path = await bot.get_path(54, 30)
    assert len(path) == 26 and all(x != 52 or not 20 <= y <= 40 for x, y in path)
    assert await bot.walk_to(54, 30) is None
    assert server_pos(server, bot) == (54, 30)


async def test_the_default_pace_is_kept_without_a_single_rejection(sim_server, bot_in):
    server = sim_server  # the shared fixture: 250 ms per tile
    bot, _ = await bot_in(server, HUB)
    started = time.monotonic()
    assert await bot.walk_to(53, 30) is None
    assert time.monotonic() - started >= 0.5  # three tiles, two waits of 250 ms
    assert server_pos(server, bot) == (53, 30)
    assert not server.sessions[bot.username]._violations


async def test_unreachable_targets_are_a_clear_error(server, bot_in):
    bot, _ = await bot_in(server, HUB)
    assert await bot.walk_to(0, 0) == "OTHER"  # bedrock
    assert bot.last_error == "walk_to: (0,0) is unreachable from (50, 30)"
    assert await bot.walk_to(500, 5) == "OTHER"
    assert await bot.get_path(0, 0) == []
    assert bot.position == (50, 30)


async def test_cancel_walk_stops_it_on_a_confirmed_tile(make_server, bot_in):
    server = await make_server(move_interval_ms=100)
    bot, _ = await bot_in(server, HUB)
    walk = asyncio.ensure_future(bot.walk_to(50, 50))
    await wait_until(lambda: bot.position != (50, 30), what="the first step")
    assert bot.walking and bot.cancel_walk() is True
    assert await walk == "CANCELLED"
    assert not bot.walking and bot.cancel_walk() is False
    # a move in flight is still confirmed: the bot ends where the server has it
    await wait_until(lambda: bot.position == server_pos(server, bot), what="the last confirmation")
    assert bot.position[1] < 50
    assert await bot.walk_to(50, 30) is None  # the bot can walk again


async def test_cancelling_the_caller_stops_the_walk_and_raises(make_server, bot_in):
    server = await make_server(move_interval_ms=100)
    bot, events = await bot_in(server, HUB)
    walk = asyncio.ensure_future(bot.walk_to(50, 50))
    await wait_until(lambda: bot.position != (50, 30), what="the first step")
    walk.cancel()
    with pytest.raises(asyncio.CancelledError):
        await walk
    await wait_until(lambda: not bot.walking, what="the walk to stop")
    await asyncio.sleep(0.2)  # a move already in flight is still confirmed
    steps = len(events.bot("position"))
    await asyncio.sleep(0.3)  # three move intervals: a walk still running would have stepped
    assert len(events.bot("position")) == steps
    assert bot.position == server_pos(server, bot) and bot.position[1] < 50


async def test_a_link_lost_under_a_cancelled_step_logs_no_unretrieved_error(server, bot_in):
    """A walk cancelled while its move is in flight, on a link that then closes, ends quietly:
    the server log of a live extension must not fill with "exception was never retrieved"."""
    bot, _ = await bot_in(server, HUB)
    loop = asyncio.get_running_loop()
    reported: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    link, send = bot._link, bot._link.send

    def send_then_lose(t, **fields):
        send(t, **fields)
        if t == "move":  # the step is in flight: its caller is cancelled, then the link goes
            walk.cancel()
            link.abort()

    link.send = send_then_lose
    walk = asyncio.ensure_future(bot.walk_to(50, 40))
    with pytest.raises(asyncio.CancelledError):
        await walk
    await asyncio.sleep(0.05)
    gc.collect()
    await asyncio.sleep(0)
    loop.set_exception_handler(None)
    assert [c.get("message") for c in reported] == []


async def test_a_new_walk_replaces_the_running_one(make_server, bot_in):
    server = await make_server(move_interval_ms=50)
    bot, _ = await bot_in(server, HUB)
    first = asyncio.ensure_future(bot.walk_to(50, 50))
    await wait_until(lambda: bot.position != (50, 30), what="the first step")
    assert await bot.walk_to(45, bot.position[1]) is None
    assert await first == "CANCELLED"
    assert server_pos(server, bot)[0] == 45


async def test_a_drop_mid_walk_is_disconnected_then_the_bot_comes_back(make_server, bot_in):
    server = await make_server(move_interval_ms=50)
    bot, events = await bot_in(server, HUB)
    walk = asyncio.ensure_future(bot.walk_to(50, 50))
    await wait_until(lambda: bot.position is not None and bot.position[1] > 31, what="walking")
    server.admin.drop_all()
    assert await walk == "DISCONNECTED"
    await wait_until(lambda: bot.status == "in_world", what="back in the world")
    assert "reconnecting" in events.statuses() and bot.current_world == HUB
    assert await bot.walk_to(51, 30) is None


async def test_move_steps_one_tile(server, bot_in):
    bot, _ = await bot_in(server, HUB)
    assert await bot.move(0, -1) is None
    assert bot.position == server_pos(server, bot) == (50, 29)
    server.worlds[HUB].fg[29 * 100 + 51] = c.STONE
    bot._world.foreground[29 * 100 + 51] = c.STONE
    assert await bot.move(1, 0) == "OTHER" and "blocked" in bot.last_error
    for bad in [(1, 1), (0, 0), (2, 0), ("a", 0), (0.5, 0)]:
        with pytest.raises(InvalidArgument):
            await bot.move(*bad)


async def test_in_world_actions_need_a_world_and_a_connection(server, make_bot):
    bot, _ = make_bot(server, "Idle")
    assert await bot.walk_to(1, 1) == "NOT_CONNECTED"
    assert await bot.move(1, 0) == "NOT_CONNECTED"
    await bot.connect()
    assert await bot.walk_to(1, 1) == "NOT_IN_WORLD"
    assert await bot.hit(1, 1) == "NOT_IN_WORLD"
    assert await bot.collect() == "NOT_IN_WORLD"
    assert await bot.get_path(1, 1) == []
    with pytest.raises(InvalidArgument):
        await bot.walk_to("x", 1)


async def test_retargeting_often_never_breaks_the_pace_rule(make_server, bot_in):
    server = await make_server(move_interval_ms=2)
    bot, _ = await bot_in(server, HUB)
    walks = []
    for i in range(30):  # a script changing its mind every 5 ms, mostly while a move is in flight
        walks.append(asyncio.ensure_future(bot.walk_to(45 + (i % 2) * 10, 25 + i)))
        await asyncio.sleep(0.005)
    assert await walks[-1] is None
    assert set(await asyncio.gather(*walks[:-1])) <= {"CANCELLED", None}
    assert bot.status == "in_world" and not server.sessions[bot.username]._violations
