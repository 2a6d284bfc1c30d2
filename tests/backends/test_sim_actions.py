"""Hitting, collecting, placing, chatting, warping and the world queries through a SimBot."""

from __future__ import annotations

import pytest

from seraph_kernel.errors import ActionError, InvalidArgument
from seraph_kernel.sim import catalog as c

from .conftest import wait_until

HUB = "PIXELSTATION"  # spawn (50, 30)


async def test_hit_breaks_a_block_and_collect_picks_up_the_drops(make_server, bot_in):
    server = await make_server(seed=3)
    server.world(HUB).fg[30 * 100 + 51] = c.GOLD_ORE
    bot, events = await bot_in(server, HUB)
    before = bot.snapshot()
    for _ in range(c.BLOCKS[c.GOLD_ORE].hits):
        assert await bot.hit(51, 30) is None
    assert bot.world().foreground[30 * 100 + 51] == c.AIR
    dropped = events.bot("collectable")
    assert dropped and all(d["pos_x"] == pytest.approx(51 * 0.32) for d in dropped)
    assert {d["id"] for d in dropped} <= {k["id"] for k in bot.collectables()}
    count = await bot.collect()
    assert count == len(dropped)
    after = bot.snapshot()
    gems = sum(d["amount"] for d in dropped if d["is_gem"])
    assert after["gems"] == before["gems"] + gems
    assert after["experience"] == before["experience"] + c.BLOCKS[c.GOLD_ORE].xp
    assert sorted((d["block_type"], d["amount"]) for d in dropped) == [(0, 10), (c.GOLD_NUGGET, 1)]  # seed 3
    assert bot.inventory()["items"][0] == {
        "block_id": c.GOLD_NUGGET,
        "inventory_type": 2,
        "amount": 1,
        "name": "GoldNugget",
        "category": "material",
    }
    assert not ({d["id"] for d in dropped} & {k["id"] for k in bot.collectables()})


async def test_failed_hits_and_collects_say_why(server, bot_in):
    bot, _ = await bot_in(server, HUB)
    assert await bot.hit(52, 30) == "OTHER" and "not adjacent" in bot.last_error
    assert await bot.hit(51, 30) == "OTHER" and "nothing to hit" in bot.last_error
    assert await bot.collect(999) == "OTHER" and "no collectable 999" in bot.last_error
    assert await bot.collect() == 0


async def test_place_uses_the_inventory(server, bot_in):
    bot, _ = await bot_in(server, HUB)
    server.accounts.get(bot.username).inventory[c.DIRT] = 2
    assert await bot.place(51, 30, c.DIRT) is None
    await wait_until(lambda: bot.world().foreground[30 * 100 + 51] == c.DIRT, what="the tile update")
    assert bot.inventory()["items"] == [
        {"block_id": c.DIRT, "inventory_type": 0, "amount": 1, "name": "SoilBlock", "category": "block"},
        {
            "block_id": 1041,
            "inventory_type": 49,
            "amount": 1,
            "name": "WeaponPickaxeBasic",
            "category": "tool",
        },
    ]
    assert await bot.place(51, 30, c.DIRT) == "OTHER" and "not empty" in bot.last_error
    with pytest.raises(InvalidArgument):
        await bot.place(51, 31, "dirt")


async def test_chat_reaches_the_other_players(server, bot_in):
    alice, _ = await bot_in(server, HUB, "Alice")
    bob, bob_events = await bot_in(server, HUB, "Bob")
    assert await alice.say("hi bob") is None
    await wait_until(lambda: bob_events.bot("chat"), what="chat")
    assert bob_events.bot("chat")[0] == {
        "type": "chat",
        "nick": "Alice",
        "text": "hi bob",
        "user_id": alice.user_id,
    }
    assert [p["nick"] for p in bob.players()] == ["Alice"]
    await alice.move(1, 0)
    await wait_until(lambda: bob.players()[0]["position"]["map_x"] == 51.0, what="Alice's move")
    with pytest.raises(InvalidArgument):
        await alice.say(42)


async def test_warp_failures(make_server, bot_in, make_bot):
    server = await make_server()
    bot, _ = await bot_in(server, HUB)
    assert await bot.warp("bad name!") == "INVALID_WORLD"
    assert await bot.warp("NOTFOUND-X") == "WORLD_NOT_FOUND"
    assert bot.status == "in_world" and bot.current_world == HUB  # a failed warp keeps the bot where it was
    server.admin.set_world_cap("CROWDED", 0)
    assert await bot.warp("CROWDED") == "WORLD_FULL"
    assert bot.last_error == "world CROWDED is full (0 players)"
    idle, _ = make_bot(server)
    assert await idle.warp(HUB) == "NOT_CONNECTED"
    with pytest.raises(InvalidArgument):
        await bot.warp(None)


async def test_warp_without_waiting_and_leave(server, make_bot):
    bot, events = make_bot(server)
    await bot.connect()
    assert await bot.warp("mineworld", wait=False) is None
    await wait_until(lambda: bot.status == "in_world", what="in_world")
    assert bot.current_world == "MINEWORLD"
    assert await bot.leave() is None
    assert bot.status == "menu_ready" and bot.world() is None and bot.snapshot()["player_position"] is None
    assert await bot.leave() == "NOT_IN_WORLD"
    assert [e["world"] for e in events.bot("world")] == ["MINEWORLD", None]


async def test_world_queries(server, bot_in, make_bot):
    bot, _ = await bot_in(server, HUB)
    await bot.warp("MINEWORLD")
    assert await bot.recent_worlds() == [
        {"name": "MINEWORLD", "id": "MINEWORLD", "count": 1, "visits": 1},
        {"name": HUB, "id": HUB, "count": 0, "visits": 1},
    ]
    assert await bot.active_worlds(timeout_ms=2000) == [{"name": "MINEWORLD", "count": 1}]
    assert await bot.world_info("mineworld") == {"name": "MINEWORLD", "player_count": 1, "flags": ["mine"]}
    with pytest.raises(ActionError) as err:
        await bot.world_info("NOTFOUND")
    assert err.value.code == "WORLD_NOT_FOUND"
    idle, _ = make_bot(server)
    with pytest.raises(ActionError) as err:
        await idle.recent_worlds()
    assert err.value.code == "NOT_CONNECTED"


async def test_reads_of_collectables_enemies_minimap_and_world(server, bot_in, make_bot):
    bot, _ = await bot_in(server, "MINEWORLD")
    assert bot.collectables() and set(bot.collectables()[0]) == {
        "id",
        "block_type",
        "amount",
        "inventory_type",
        "pos_x",
        "pos_y",
        "is_gem",
    }
    assert bot.enemies() and set(bot.enemies()[0]) == {"ai_id", "x", "y", "ai_kind", "hp", "max_hp"}
    minimap = bot.minimap()
    assert set(minimap) == {
        "width",
        "height",
        "foreground_tiles",
        "background_tiles",
        "water_tiles",
        "wiring_tiles",
        "player_position",
        "other_players",
    }
    assert len(minimap["foreground_tiles"]) == 100 * 60 == len(minimap["wiring_tiles"])
    assert minimap["foreground_tiles"] == list(server.worlds["MINEWORLD"].fg)
    view = bot.world()
    assert (view.name, view.width, view.height) == ("MINEWORLD", 100, 60)
    assert view.spawn == server.worlds["MINEWORLD"].spawn
    idle, _ = make_bot(server)
    with pytest.raises(ActionError):
        idle.minimap()
    assert idle.world() is None and idle.collectables() == [] and idle.enemies() == []


async def test_tutorial_flow(server, make_bot):
    bot, events = make_bot(server, "Newbie")
    assert await bot.tutorial() == "NOT_CONNECTED"
    await bot.connect()
    assert bot.snapshot()["tutorial_state"] == 0
    assert await bot.tutorial(wait=False) is None
    assert bot.snapshot()["tutorial_running"] is True
    assert await bot.tutorial() == "TUTORIAL_BUSY"
    assert await bot.warp("FOO") == "TUTORIAL_BUSY"
    await wait_until(lambda: not bot.tutorial_running, timeout=10, what="the tutorial")
    snap = bot.snapshot(full=True)
    assert (snap["tutorial_state"], snap["current_world"], snap["tutorial_stage"]) == (
        3,
        "PIXELSTATION",
        None,
    )
    stages = [m.removeprefix("tutorial: ") for m in events.logs() if m.startswith("tutorial: ")]
    assert stages == ["joining tutorial", "character creation", "spawn pod walk", "exit to PIXELSTATION"]
    assert await bot.tutorial() is None  # already done: straight to the hub


async def test_a_1000_by_1000_world(server, bot_in):
    bot, _ = await bot_in(server, "HUGE1")
    view = bot.world()
    assert (view.width, view.height, len(view.foreground)) == (1000, 1000, 1_000_000)
    assert view.foreground == server.worlds["HUGE1"].fg
    x, y = view.spawn
    far = next((x + d, y + d) for d in range(300, 400) if view.foreground[(y + d) * 1000 + x + d] == 0)
    path = await bot.get_path(*far)
    assert len(path) >= 2 * (far[0] - x) and path[-1] == far
    assert bot.snapshot(full=True)["world"]["width"] == 1000
