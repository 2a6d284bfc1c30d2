"""Every bot action of LocalFleet reaches the real sim server and comes back with the result or
the documented failure code."""

import pytest

from seraph_kernel.errors import ActionError, InvalidArgument
from seraph_kernel.fleet.base import WorldView


async def nearby_reachable(fleet, bot_id, steps=2):
    """A tile a few steps away that the planner can reach, and its route."""
    view = await fleet.world(bot_id)
    pos = (await fleet.get_bot(bot_id))["player_position"]
    here = (int(pos["map_x"]), int(pos["map_y"]))
    for dy in range(-6, 7):
        for dx in range(-6, 7):
            target = (here[0] + dx, here[1] + dy)
            if not (0 <= target[0] < view.width and 0 <= target[1] < view.height):
                continue
            route = await fleet.get_path(bot_id, *target)
            if len(route) == steps:
                return target, route
    raise AssertionError("no reachable tile near the bot")


async def test_connect_reaches_the_menu_and_is_idempotent(fleet):
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    snapshot = await fleet.get_bot("bot-1")
    assert snapshot["status"] == "menu_ready"
    assert snapshot["connected_since"] is not None
    assert await fleet.connect("bot-1", wait=True) is None
    assert (await fleet.get_bot("bot-1"))["connected_since"] == snapshot["connected_since"]


async def test_a_second_session_of_one_account_is_already_connected(fleet):
    first = await fleet.create_bot()
    await fleet.create_bot("twin", username=first["username"])
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.connect("twin", wait=True) == "ALREADY_CONNECTED"
    assert (await fleet.get_bot("twin"))["status"] == "already_connected"
    assert (await fleet.get_bot("bot-1"))["status"] == "menu_ready"


async def test_world_actions_outside_a_world_fail_with_codes(fleet):
    await fleet.create_bot()
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) == "NOT_CONNECTED"
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.walk_to("bot-1", 3, 3) == "NOT_IN_WORLD"
    with pytest.raises(ActionError) as info:
        await fleet.minimap("bot-1")
    assert info.value.code == "NOT_IN_WORLD"
    assert await fleet.world("bot-1") is None
    assert await fleet.collectables("bot-1") == []
    assert await fleet.get_path("bot-1", 3, 3) == []


async def test_warp_puts_the_bot_in_the_world(fleet, in_world):
    snapshot = await fleet.get_bot(in_world)
    assert snapshot["status"] == "in_world"
    assert snapshot["current_world"] == "MINEWORLD"
    assert snapshot["world"]["world_name"] == "MINEWORLD"
    view = await fleet.world(in_world)
    assert isinstance(view, WorldView)
    assert len(view.foreground) == view.width * view.height
    minimap = await fleet.minimap(in_world)
    assert (minimap["width"], minimap["height"]) == (view.width, view.height)
    assert len(minimap["foreground_tiles"]) == view.width * view.height


@pytest.mark.parametrize(
    ("world", "code"), [("bad name!", "INVALID_WORLD"), ("NOTFOUNDX", "WORLD_NOT_FOUND")]
)
async def test_bad_worlds_fail_with_codes(fleet, in_world, world, code):
    assert await fleet.warp(in_world, world, wait=True) == code


async def test_walk_to_follows_the_planned_route(fleet, in_world):
    target, route = await nearby_reachable(fleet, in_world)
    assert route[-1] == target
    assert await fleet.walk_to(in_world, *target) is None
    pos = (await fleet.get_bot(in_world))["player_position"]
    assert (int(pos["map_x"]), int(pos["map_y"])) == target


async def test_walk_to_an_unreachable_tile_is_other(fleet, in_world):
    view = await fleet.world(in_world)
    assert await fleet.walk_to(in_world, view.width + 5, 0) == "OTHER"


async def test_leave_and_disconnect(fleet, in_world):
    assert await fleet.leave(in_world) is None
    assert (await fleet.get_bot(in_world))["status"] == "menu_ready"
    await fleet.disconnect(in_world)
    await fleet.disconnect(in_world)
    assert (await fleet.get_bot(in_world))["status"] == "disconnected"


async def test_reads_and_small_actions(fleet, in_world):
    assert await fleet.say(in_world, "hello") is None
    assert isinstance(await fleet.collect(in_world), int)
    inventory = await fleet.inventory(in_world)
    assert isinstance(inventory["slots"], int) and isinstance(inventory["items"], list)
    for enemy in await fleet.enemies(in_world):
        assert {"ai_id", "x", "y", "ai_kind", "hp", "max_hp"} <= enemy.keys()
    info = await fleet.world_info(in_world, "MINEWORLD")
    assert info["name"] == "MINEWORLD" and info["player_count"] >= 1
    assert any(row["name"] == "MINEWORLD" for row in await fleet.active_worlds(in_world))
    assert any(row["name"] == "MINEWORLD" for row in await fleet.recent_worlds(in_world))


async def test_hit_far_away_is_refused_by_the_game(fleet, in_world):
    assert await fleet.hit(in_world, 0, 0) is not None


async def test_block_catalog(fleet):
    types = await fleet.block_types()
    infos = await fleet.block_infos()
    assert types["0"]
    assert {str(b["id"]) for b in infos} == set(types)
    assert all({"id", "name", "flags", "collision", "hits", "drops"} <= b.keys() for b in infos)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda f: f.walk_to("bot-1", "3", 4), "x"),
        (lambda f: f.walk_to("bot-1", 3, True), "y"),
        (lambda f: f.place("bot-1", 1, 1, None), "block_id"),
        (lambda f: f.warp("bot-1", ""), "world"),
        (lambda f: f.say("bot-1", 5), "text"),
        (lambda f: f.recent_worlds("bot-1", timeout_ms=0), "timeout_ms"),
        (lambda f: f.collect("bot-1", "all"), "collectable_id"),
    ],
)
async def test_bad_arguments_are_refused_before_reaching_the_bot(fleet, call, field):
    await fleet.create_bot()
    with pytest.raises(InvalidArgument, match=f"^{field}: "):
        await call(fleet)
    assert (await fleet.get_bot("bot-1"))["status"] == "disconnected"


async def test_tutorial_starts_in_the_background_and_refuses_a_second_run(fleet):
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.tutorial("bot-1") is None
    assert (await fleet.get_bot("bot-1"))["tutorial_running"] is True
    assert await fleet.tutorial("bot-1", wait=True) == "TUTORIAL_BUSY"


async def test_move_steps_one_tile(fleet, in_world):
    _, route = await nearby_reachable(fleet, in_world, steps=1)
    pos = (await fleet.get_bot(in_world))["player_position"]
    step = (route[0][0] - int(pos["map_x"]), route[0][1] - int(pos["map_y"]))
    assert await fleet.move(in_world, *step) is None
    pos = (await fleet.get_bot(in_world))["player_position"]
    assert (int(pos["map_x"]), int(pos["map_y"])) == route[0]
    with pytest.raises(InvalidArgument):
        await fleet.move(in_world, 5, 0)


async def test_placing_a_block_the_bot_does_not_own_fails(fleet, in_world):
    target, _ = await nearby_reachable(fleet, in_world, steps=1)
    owned = {item["block_id"] for item in (await fleet.inventory(in_world))["items"]}
    missing = next(int(i) for i in await fleet.block_types() if int(i) and int(i) not in owned)
    assert await fleet.place(in_world, *target, missing) == "OTHER"
