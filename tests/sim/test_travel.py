"""The sim's travel mechanics at the protocol level: lobby hosts, instanced worlds and their
owners, portals and entries, world items, exact positions and teleports, the random world
draw and the recent-world counts with their ``WorldCount`` sentinels."""

from __future__ import annotations

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.instances import instance_name, parse_instance, special_target
from seraph_kernel.sim.world import TELEPORT_RANGE
from seraph_kernel.sim.worldgen import generate
from seraph_kernel.vocab import WORLD_COUNTS

HUB = "PIXELSTATION"


async def in_world(server, connect, username, world=HUB, **join_fields):
    client = await connect(server, username, host=server.host_of(world))
    reply = await client.req("join", world=world, **join_fields)
    assert reply["t"] == "world", reply
    spawned = await client.req("ready")
    return client, reply, (spawned["x"], spawned["y"])


async def test_lobbies_are_listed_before_hello_and_host_no_world(make_server, connect):
    server = await make_server()
    client = await connect(server)
    lobbies = (await client.req("lobbies"))["lobbies"]
    assert set(lobbies) == {"lobby-eu.sim", "lobby-us.sim"}
    assert lobbies["lobby-us.sim"] == list(server.hosts["lobby-us.sim"])
    on_lobby = await connect(server, "Lobbyist", host="lobby-us.sim")
    assert (await on_lobby.req("ping"))["t"] == "pong"
    for world in ("PIXELSTATION", "MINEWORLD", "ANYWHERE"):
        assert (await on_lobby.req("join", world=world))["t"] == "redirect"
        on_lobby = await connect(server, "Lobbyist", host="lobby-us.sim")


async def test_an_instance_is_its_owners_alone_and_the_same_for_the_same_owner(make_server, connect):
    server = await make_server()
    owner = server.accounts.get("Owner").user_id
    name = instance_name("NETHER", 3, owner)
    assert parse_instance(name) == ("NETHER", 3, owner[:8].upper())
    assert special_target("MINEWORLD") == ("MINES", 0) and special_target("MINES-5") is None
    mine = generate(42, name)
    assert (mine.kind, mine.level) == ("nether", 3)
    assert generate(42, name).foreground == mine.foreground
    other = instance_name("NETHER", 3, server.accounts.get("Other").user_id)
    assert generate(42, other).foreground != mine.foreground
    stranger = await connect(server, "Other", host=server.host_of(name))
    refused = await stranger.req("join", world=name)
    assert (refused["t"], refused["code"]) == ("error", "WORLD_NOT_FOUND")
    client, reply, _ = await in_world(server, connect, "Owner", name)
    assert reply["flags"] == ["nether"] and name in server.worlds
    await client.req("leave")
    assert name not in server.worlds  # unloaded with its last player


async def test_recent_rows_carry_ids_counts_and_sentinels(make_server, connect):
    server = await make_server()
    owner = server.accounts.get("Counter").user_id
    instance = instance_name("MINES", 1, owner)
    client, _, _ = await in_world(server, connect, "Counter", instance)
    await client.req("bye")
    client, _, _ = await in_world(server, connect, "Counter", HUB)
    rows = {row["name"]: row for row in (await client.req("recent_worlds"))["worlds"]}
    assert rows[HUB] == {"name": HUB, "id": HUB, "count": 1, "visits": 1}
    assert rows[instance] == {"name": instance, "id": instance, "count": WORLD_COUNTS["UNKNOWN"], "visits": 1}
    server.admin.set_world_cap(HUB, 1)
    rows = {row["name"]: row for row in (await client.req("recent_worlds"))["worlds"]}
    assert rows[HUB]["count"] == WORLD_COUNTS["FULL"]


async def test_portals_lead_to_their_exit_or_into_another_world(make_server, connect):
    server = await make_server(move_interval_ms=0)
    client, reply, spawn = await in_world(server, connect, "Walker")
    items = {(i["x"], i["y"]): i for i in reply["items"]}
    west = next(i for i in items.values() if i["entry"] == "WEST")
    east = next(i for i in items.values() if i["entry"] == "EAST")
    mines = next(i for i in items.values() if i["entry"] == "MINES")
    assert (west["kind"], west["block_type"], west["target_world"], west["target_entry"]) == (
        "portal",
        c.PORTAL,
        None,
        "EAST",
    )
    away = await client.req("portal", x=west["x"], y=west["y"])
    assert away["code"] == "OTHER" and "stand on" in away["message"]
    assert (await client.req("portal", x=spawn[0], y=spawn[1]))["code"] == "OTHER"  # no portal there
    x = spawn[0]
    while x > west["x"]:
        x -= 1
        assert (await client.req("move", x=x, y=spawn[1]))["ok"]
    moved = await client.req("portal", x=west["x"], y=west["y"])
    assert (moved["t"], moved["x"], moved["y"]) == ("pos", east["x"], east["y"])
    back = await client.req("portal", x=east["x"], y=east["y"])
    assert (back["x"], back["y"]) == (west["x"], west["y"])
    for step in range(west["x"] + 1, mines["x"] + 1):
        assert (await client.req("move", x=step, y=spawn[1]))["ok"]
    away = await client.req("portal", x=mines["x"], y=mines["y"])
    assert away == {"t": "portal", "rid": away["rid"], "world": "MINEWORLD", "entry": "HUB"}


async def test_joining_through_an_entry_and_an_unknown_entry(make_server, connect):
    server = await make_server()
    portal = next(i for i in generate(42, "MINEWORLD").items if i.kind == "portal")
    client, reply, at = await in_world(server, connect, "Entrant", "MINEWORLD", entry="hub")
    assert at == (portal.x, portal.y) != tuple(reply["spawn"])
    bad = await client.req("join", world="MINEWORLD", entry="NOWHERE")
    assert (bad["t"], bad["code"]) == ("error", "INVALID_WORLD")


async def test_world_items_come_with_the_world_and_follow_placing_and_breaking(make_server, connect):
    server = await make_server()
    client, reply, (x, y) = await in_world(server, connect, "Signer", "ITEMWORLD")
    kinds = {i["kind"] for i in reply["items"]}
    assert {"entrance", "portal"} <= kinds
    signs = [i for i in reply["items"] if i["kind"] == "sign"]
    assert all(isinstance(s["text"], str) and s["text"] for s in signs)
    assert [i.row() for i in generate(42, "ITEMWORLD").items] == reply["items"]  # seeded
    server.accounts.get("Signer").add_item(c.SIGN, 1)
    target = (x, y - 1)
    assert server.worlds["ITEMWORLD"].fg[target[1] * 100 + target[0]] == c.AIR
    assert (await client.req("place", x=target[0], y=target[1], block_id=c.SIGN))["t"] == "ok"
    item = (await client.wait_push("item"))["item"]
    assert (item["kind"], item["block_type"], item["x"], item["y"], item["text"]) == (
        "sign",
        c.SIGN,
        *target,
        None,
    )
    while not (await client.req("hit", x=target[0], y=target[1]))["broken"]:
        pass
    assert await client.wait_push("item_removed", x=target[0], y=target[1])
    assert target not in server.worlds["ITEMWORLD"].items


async def test_exact_positions_and_teleports(make_server, connect):
    server = await make_server(move_interval_ms=0)
    client, _, (x, y) = await in_world(server, connect, "Exact")
    half = await client.req("position", mx=x + 0.5, my=y + 0.25)
    assert (half["ok"], half["x"], half["y"], half["mx"], half["my"]) == (True, x, y, x + 0.5, y + 0.25)
    far = await client.req("position", mx=x + 3.0, my=y)
    assert far["ok"] is False and "not adjacent" in far["reason"] and far["mx"] == x + 0.5
    jump = await client.req("position", mx=x + 4.5, my=y, teleport=True)
    assert (jump["ok"], jump["x"], jump["mx"]) == (True, x + 4, x + 4.5)
    too_far = await client.req("position", mx=x + 4 + TELEPORT_RANGE + 2, my=y, teleport=True)
    assert too_far["ok"] is False and "no walkable route" in too_far["reason"]
    assert (too_far["x"], too_far["mx"]) == (x + 4, x + 4.5)  # snapped back
    solid = await client.req("position", mx=0.5, my=0.5, teleport=True)
    assert solid["ok"] is False and "solid" in solid["reason"]
    nan = await client.req("position", mx="nan", my=1)
    assert nan["t"] == "error"


async def test_the_random_world_draw_is_seeded(make_server, connect):
    draws = []
    for _ in range(2):
        server = await make_server()
        client = await connect(server, "Roller")
        draws.append([(await client.req("random_world"))["world"] for _ in range(5)])
    assert draws[0] == draws[1]
    assert set(draws[0]) <= {HUB, "MINEWORLD"}
