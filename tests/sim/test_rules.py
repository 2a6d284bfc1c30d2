"""The rules the server enforces: paced adjacent moves, hitting, drops, collecting, placing,
chat spam, world caps, and what other players see."""

from __future__ import annotations

import asyncio

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.world import world_pos

from .helpers import join

HUB = "PIXELSTATION"


async def in_world(server, connect, username, world=HUB):
    client = await connect(server, username, host=server.host_of(world))
    reply = await join(client, server, world)
    return client, reply


async def test_a_paced_adjacent_move_is_confirmed(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone")
    x, y = reply["spawn"]
    pos = await client.req("move", x=x + 1, y=y)
    assert (pos["ok"], pos["x"], pos["y"]) == (True, x + 1, y)
    assert server.worlds[HUB].players[server.accounts.get("Pone").user_id].x == x + 1


async def test_moving_faster_than_a_tile_per_250ms_is_rejected_and_snapped_back(make_server, connect):
    server = await make_server()  # the default pace: 250 ms
    client, reply = await in_world(server, connect, "Pone")
    x, y = reply["spawn"]
    assert (await client.req("move", x=x + 1, y=y))["ok"]
    too_fast = await client.req("move", x=x + 2, y=y)
    assert too_fast["ok"] is False and "too fast" in too_fast["reason"]
    assert (too_fast["x"], too_fast["y"]) == (x + 1, y)  # the real position
    await asyncio.sleep(0.26)
    assert (await client.req("move", x=x + 2, y=y))["ok"]


async def test_non_adjacent_and_solid_moves_are_rejected(make_server, connect):
    server = await make_server(move_interval_ms=0)
    client, reply = await in_world(server, connect, "Pone")
    x, y = reply["spawn"]
    jump = await client.req("move", x=x + 2, y=y)
    assert jump["ok"] is False and "not adjacent" in jump["reason"] and jump["x"] == x
    server.worlds[HUB].fg[y * 100 + x + 1] = c.STONE
    wall = await client.req("move", x=x + 1, y=y)
    assert wall["ok"] is False and "solid" in wall["reason"]


async def test_repeated_violations_kick_the_client(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone")
    x, y = reply["spawn"]
    for _ in range(4):
        assert (await client.req("move", x=x + 5, y=y))["ok"] is False
    client.send("move", rid=99, x=x + 5, y=y)
    kicked = await client.wait_push("kicked")
    assert "invalid moves" in kicked["reason"]
    await client.wait_closed()
    assert "Pone" not in server.sessions and not server.worlds[HUB].players


async def test_chat_is_broadcast_and_spam_kicks(make_server, connect):
    server = await make_server()
    alice, _ = await in_world(server, connect, "Alice")
    bob, _ = await in_world(server, connect, "Bob")
    assert (await alice.req("say", text="hello"))["t"] == "ok"
    chat = await bob.wait_push("chat")
    assert (chat["nick"], chat["text"]) == ("Alice", "hello")
    assert (await alice.req("say", text="   "))["code"] == "OTHER"
    for i in range(4):
        await alice.req("say", text=f"spam {i}")
    alice.send("say", rid=99, text="one too many")
    assert "spam" in (await alice.wait_push("kicked"))["reason"]
    await alice.wait_closed()


async def test_other_players_are_visible(fast_server, connect):
    server = fast_server
    alice, _ = await in_world(server, connect, "Alice")
    bob, reply = await in_world(server, connect, "Bob")
    alice_id = server.accounts.get("Alice").user_id
    assert [p["user_id"] for p in reply["players"]] == [alice_id]
    joined = await alice.wait_push("player_joined")
    assert joined["nick"] == "Bob"
    x, y = reply["spawn"]
    await alice.req("move", x=x, y=y + 1)
    tick = await bob.wait_push("tick")
    assert [alice_id, x, y + 1] in tick["players"]
    await bob.req("leave")
    assert (await alice.wait_push("player_left"))["user_id"] == server.accounts.get("Bob").user_id


async def hit_until_broken(client, x, y, hits):
    for i in range(hits - 1):
        reply = await client.req("hit", x=x, y=y)
        assert (reply["broken"], reply["hits_left"]) == (False, hits - 1 - i)
    reply = await client.req("hit", x=x, y=y)
    assert reply["broken"] is True
    return reply


async def test_a_block_breaks_after_its_hit_count_and_drops_deterministically(make_server, connect):
    drops = []
    for _ in range(2):  # two servers with one seed: the same drops with the same ids
        server = await make_server(seed=7)
        client, reply = await in_world(server, connect, "Pone", "FOO")
        x, y = reply["spawn"]
        server.worlds["FOO"].fg[y * 100 + x + 1] = c.GRANITE
        await hit_until_broken(client, x + 1, y, c.BLOCKS[c.GRANITE].hits)
        assert server.worlds["FOO"].fg[y * 100 + x + 1] == c.AIR
        tile = await client.wait_push("tile", x=x + 1, y=y)
        assert tile["id"] == c.AIR
        drops.append([f["collectable"] for f in client.pushes("collectable")])
        await client.link.close()
    assert drops[0] and drops[0] == drops[1]
    initial_ids = {k["id"] for k in reply["collectables"]}
    assert all(k["id"] not in initial_ids for k in drops[0])


async def test_hits_must_be_adjacent_and_breakable(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone")
    x, y = reply["spawn"]
    far = await client.req("hit", x=x + 2, y=y)
    assert far["t"] == "error" and "not adjacent" in far["message"]
    assert "nothing to hit" in (await client.req("hit", x=x + 1, y=y))["message"]
    server.worlds[HUB].fg[y * 100 + x + 1] = c.BEDROCK
    assert "cannot be broken" in (await client.req("hit", x=x + 1, y=y))["message"]


async def test_collect_only_in_range_adds_gems_and_items(fast_server, connect):
    server = fast_server
    client, reply = await in_world(server, connect, "Pone", "FOO")
    x, y = reply["spawn"]
    world = server.worlds["FOO"]
    world._spawn_collectable(x + 1, y, c.GEMS, 5)
    world._spawn_collectable(x - 1, y - 1, c.BYTE_COIN, 3)
    world._spawn_collectable(x, y + 1, c.COPPER_NUGGET, 2)
    far = world.collectables[max(world.collectables)]
    world._spawn_collectable(x + 2, y, c.GEMS, 50)
    out_of_range = max(world.collectables)
    refused = await client.req("collect", id=out_of_range)
    assert refused["t"] == "error" and "out of range" in refused["message"]
    taken = await client.req("collect")
    assert sorted(taken["ids"]) == [far.id - 2, far.id - 1, far.id]
    me = client.pushes("me")[-1]
    assert (me["gems"], me["byte_coins"]) == (5, 3) and [c.COPPER_NUGGET, 2] in me["inventory"]
    assert c.BYTE_COIN not in dict(me["inventory"])
    assert out_of_range in world.collectables
    assert (await client.req("collect", id=12345))["t"] == "error"


async def test_place_takes_a_block_from_the_inventory(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone")
    x, y = reply["spawn"]
    server.accounts.get("Pone").inventory[c.DIRT] = 1
    assert (await client.req("place", x=x + 1, y=y, block_id=c.DIRT))["t"] == "ok"
    assert server.worlds[HUB].fg[y * 100 + x + 1] == c.DIRT
    assert c.DIRT not in server.accounts.get("Pone").inventory
    again = await client.req("place", x=x - 1, y=y, block_id=c.DIRT)
    assert "no SoilBlock in the inventory" in again["message"]
    assert "not empty" in (await client.req("place", x=x + 1, y=y, block_id=c.DIRT))["message"]
    assert "not a placeable" in (await client.req("place", x=x - 1, y=y, block_id=c.PICKAXE_BASIC))["message"]


async def test_world_cap(make_server, connect):
    server = await make_server()
    server.admin.set_world_cap(HUB, 1)
    await in_world(server, connect, "Pone")
    other = await connect(server, "Ptwo", host=server.host_of(HUB))
    full = await other.req("join", world=HUB)
    assert (full["code"], full["message"]) == ("WORLD_FULL", "world PIXELSTATION is full (1 players)")


async def test_enemies_roam_on_the_tick(make_server, connect):
    server = await make_server(tick_hz=50)
    client, reply = await in_world(server, connect, "Pone", "MINEWORLD")
    assert reply["enemies"] and {"ai_id", "x", "y", "ai_kind", "hp", "max_hp"} == set(reply["enemies"][0])
    tick = await client.wait_push("tick", timeout=10)
    while not tick["enemies"]:
        client.frames.remove(tick)
        tick = await client.wait_push("tick", timeout=10)
    start = {e["ai_id"]: (e["x"], e["y"]) for e in reply["enemies"]}
    for ai_id, x, y, _hp in tick["enemies"]:  # the first moves: one tile from where they started
        x0, y0 = start[ai_id]
        assert abs(x - x0) + abs(y - y0) == 1
    assert server.admin.stats()["ticks"] > 0


async def test_two_servers_with_one_seed_serve_identical_worlds(make_server, connect):
    replies = []
    for _ in range(2):
        server = await make_server(seed=11)
        _, reply = await in_world(server, connect, "Twin", "MINEWORLD-4")
        replies.append({k: v for k, v in reply.items() if k != "rid"})
    assert replies[0] == replies[1]
    assert replies[0]["collectables"] and replies[0]["enemies"]
    other = await make_server(seed=12)
    _, reply = await in_world(other, connect, "Twin", "MINEWORLD-4")
    assert reply["layers"] != replies[0]["layers"]


async def test_drop_leaves_the_items_on_the_players_tile_for_anyone(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone")
    other, _ = await in_world(server, connect, "Ptwo")
    x, y = reply["spawn"]
    server.accounts.get("Pone").inventory[c.DIRT] = 5
    assert (await client.req("drop", block_id=c.DIRT, amount=3))["t"] == "ok"
    assert server.accounts.get("Pone").inventory[c.DIRT] == 2
    dropped = (await other.wait_push("collectable"))["collectable"]
    assert (dropped["block_type"], dropped["amount"]) == (c.DIRT, 3)
    assert world_pos(x, y) == {**world_pos(x, y), "world_x": dropped["pos_x"], "world_y": dropped["pos_y"]}
    too_many = await client.req("drop", block_id=c.DIRT, amount=3)
    assert too_many["t"] == "error" and "2 in the inventory, 3 asked" in too_many["message"]
    assert server.accounts.get("Pone").inventory[c.DIRT] == 2
    assert "at least 1" in (await client.req("drop", block_id=c.DIRT, amount=0))["message"]
