"""Workspaces of one LocalFleet (docs/workspaces.md): each has its own bots with short ids, its
own sim world, its own globalStorage and events; the fleet itself still lists every bot."""

import pytest
from waiting import next_event, wait_ended

from seraph_kernel.errors import BotExists, InvalidArgument, UnknownBot


async def test_two_workspaces_each_get_bot_1_with_the_same_username(fleet):
    one, two = fleet.workspace("nb-one"), fleet.workspace("nb-two")
    first, second = await one.create_bot(), await two.create_bot()
    assert (first["id"], second["id"]) == ("bot-1", "bot-1")
    assert first["username"] == second["username"]
    assert (first["workspace"], second["workspace"]) == ("nb-one", "nb-two")
    assert [bot["id"] for bot in await one.list_bots()] == ["bot-1"]
    everyone = {bot["id"]: bot["workspace"] for bot in await fleet.list_bots()}
    assert everyone == {"nb-one~bot-1": "nb-one", "nb-two~bot-1": "nb-two"}
    listed = await fleet.invoke("list_bots", {"workspace": "nb-two"})
    assert [bot["id"] for bot in listed["bots"]] == ["nb-two~bot-1"]


async def test_ids_collide_only_inside_one_workspace_and_errors_name_short_ids(fleet):
    one = fleet.workspace("nb-one")
    await one.create_bot("rookie")
    await fleet.workspace("nb-two").create_bot("rookie")
    await fleet.create_bot("rookie")
    with pytest.raises(BotExists, match=r"^bot already exists: rookie$"):
        await one.create_bot("rookie")
    with pytest.raises(UnknownBot, match=r"^unknown bot: bot-9$"):
        await one.get_bot("bot-9")
    with pytest.raises(InvalidArgument, match="workspace"):
        await fleet.invoke("list_bots", {"workspace": "Bad Name"})


async def test_each_workspace_plays_in_its_own_world(fleet):
    one, two = fleet.workspace("nb-one"), fleet.workspace("nb-two")
    for ws in (one, two):
        await ws.create_bot()
        assert await ws.connect("bot-1", wait=True) is None
        assert await ws.warp("bot-1", "MINEWORLD", wait=True) is None
    assert (await one.minimap("bot-1"))["other_players"] == []  # nb-two's bot-1 is elsewhere
    ore, spot = await _reachable_block(one, "bot-1")
    assert await one.walk_to("bot-1", *spot) is None
    world = await one.world("bot-1")
    index = ore[1] * world.width + ore[0]
    block = world.foreground[index]
    for _ in range(20):
        if (await one.world("bot-1")).foreground[index] == 0:
            break
        assert await one.hit("bot-1", *ore) is None
    assert (await one.world("bot-1")).foreground[index] == 0
    assert (await two.world("bot-1")).foreground[index] == block


async def _reachable_block(fleet, bot_id):
    """A breakable block with air above it that the bot can walk to: ``(block, spot)``."""
    world = await fleet.world(bot_id)
    breakable = {int(b["id"]) for b in await fleet.block_infos() if b["hits"] and b["collision"] == "solid"}
    position = (await fleet.get_bot(bot_id))["player_position"]
    here = (int(position["map_x"]), int(position["map_y"]))
    tiles = sorted(
        ((x, y) for y in range(1, world.height) for x in range(world.width)),
        key=lambda t: abs(t[0] - here[0]) + abs(t[1] - here[1]),
    )
    for x, y in tiles:
        if (
            world.foreground[y * world.width + x] in breakable
            and world.foreground[(y - 1) * world.width + x] == 0
        ) and await fleet.get_path(bot_id, x, y - 1):
            return (x, y), (x, y - 1)
    raise AssertionError("no reachable block")


async def test_global_storage_is_the_workspace_scope(fleet):
    one, two = fleet.workspace("nb-one"), fleet.workspace("nb-two")
    await one.storage_set("global", "claim", "mine")
    assert await two.storage_get("global", "claim") is None
    assert await fleet.storage_get("global", "claim") is None
    assert await fleet.storage_get("workspace:nb-one", "claim") == "mine"
    assert await one.storage_keys("global") == ["claim"]


async def test_a_workspace_script_sees_short_ids_its_bots_and_its_storage(fleet):
    one = fleet.workspace("nb-one")
    await fleet.create_bot()  # a shared bot-1 the script must not see
    await one.create_bot()
    await one.create_bot()
    await one.storage_set("global", "k", 7)
    source = "globalStorage:set('seen', true)\nreturn getClient().id, #getClients(), globalStorage:get('k')"
    await one.execute("bot-2", "s", source)
    status = await wait_ended(one, "bot-2", "s")
    assert (status["state"], status["results"]) == ("COMPLETE", ["bot-2", 2, 7])
    assert [(job["client_id"], job["script_id"]) for job in await one.jobs()] == [("bot-2", "s")]
    assert ("nb-one~bot-2", "s") in {(job["client_id"], job["script_id"]) for job in await fleet.jobs()}
    assert await fleet.storage_get("global", "seen") is None
    assert await one.storage_get("global", "seen") is True


async def test_stop_all_in_a_workspace_stops_only_its_scripts(fleet):
    one = fleet.workspace("nb-one")
    await fleet.create_bot()
    await one.create_bot()
    await fleet.execute("bot-1", "spin", "while true do sleep(10) end")
    await one.execute("bot-1", "spin", "while true do sleep(10) end")
    assert await one.stop_all() == 1
    assert (await fleet.status("bot-1", "spin"))["running"] is True
    assert (await one.status("bot-1", "spin"))["state"] == "CANCELLED"
    await fleet.stop_all()


async def test_workspace_events_hold_its_bots_only_with_short_ids(fleet):
    one = fleet.workspace("nb-one")
    mine, everyone = one.subscribe(), fleet.subscribe()
    try:
        await fleet.create_bot()
        await one.create_bot("rookie")
        event = await next_event(mine, lambda e: e.kind == "session")
        assert (event.client_id, event.data["snapshot"]["id"]) == ("rookie", "rookie")
        assert event.data["snapshot"]["workspace"] == "nb-one"
        seen = await next_event(everyone, lambda e: e.client_id == "nb-one~rookie")
        assert seen.data["snapshot"]["workspace"] == "nb-one"
    finally:
        mine.close()
        everyone.close()


async def test_deleting_a_workspace_forgets_its_bots_storage_and_library(fleet):
    one = fleet.workspace("nb-one")
    await one.create_bot()
    await fleet.create_bot()
    await one.storage_set("global", "k", 1)
    await one.invoke("library_create", {"name": "greeter", "script": "return 1"})
    assert [s["name"] for s in (await one.invoke("library_list"))["scripts"]] == ["greeter"]
    assert [s["name"] for s in (await fleet.invoke("library_list"))["scripts"]] == ["greeter"]
    assert (await fleet.invoke("delete_workspace", {"name": "nb-one"})) == {"deleted_bots": 1}
    assert [bot["id"] for bot in await fleet.list_bots()] == ["bot-1"]
    assert await fleet.storage_get("workspace:nb-one", "k") is None
    assert (await fleet.invoke("library_list"))["scripts"] == []
    names = [w["name"] for w in (await fleet.invoke("list_workspaces"))["workspaces"]]
    assert names == ["shared"]
    with pytest.raises(InvalidArgument, match="shared workspace cannot be deleted"):
        await fleet.invoke("delete_workspace", {"name": "shared"})


async def test_a_restarted_fleet_forgets_workspace_bots_and_keeps_shared_ones(make_fleet):
    fleet = await make_fleet()
    await fleet.create_bot()
    await fleet.workspace("nb-one").create_bot()
    await fleet.close()
    again = await make_fleet()
    assert [bot["id"] for bot in await again.list_bots()] == ["bot-1"]


async def test_a_workspace_plays_its_own_seed(fleet, make_fleet, tmp_path):
    """A kernel passes the seed it would play standalone: its worlds and usernames are those
    of a fleet with that seed, whatever seed the server's shared world has."""
    row = await fleet.invoke("create_workspace", {"name": "nb-seven", "seed": 7})
    assert (row["name"], row["seed"], row["own_world"]) == ("nb-seven", 7, True)
    seven, default = fleet.workspace("nb-seven"), fleet.workspace("nb-default")
    standalone = await make_fleet(db_path=tmp_path / "seven.sqlite", seed=7)
    names = [(await f.create_bot())["username"] for f in (seven, default, standalone)]
    assert names[0] == names[2] != names[1]
    assert (await seven.info())["seed"] == 7 and (await default.info())["seed"] == 42
    for ws in (seven, default):
        assert await ws.connect("bot-1", wait=True) is None
        assert await ws.warp("bot-1", "MINEWORLD", wait=True) is None
    assert list((await seven.world("bot-1")).foreground) != list((await default.world("bot-1")).foreground)
    with pytest.raises(InvalidArgument, match="already plays seed 7"):
        await fleet.invoke("create_workspace", {"name": "nb-seven", "seed": 8})
    assert (await fleet.invoke("create_workspace", {"name": "nb-seven", "seed": 7}))["bots"] == 1
