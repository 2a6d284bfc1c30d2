"""Walking: ``setPoint``, ``getPath``, ``findPath`` / ``pathfinding`` / ``clearPath`` and
``movePoint`` in LUAWALK (open floor around the spawn at 66,35), at the sim's fast test pace
and once at the default pace of 250 ms per tile."""

import asyncio
import time

import pytest
from waiting import wait_ended

from seraph_kernel.config import FleetConfig
from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.sim.server import SimWorldServer

from .conftest import SEED, bot_in, run_lua

SPAWN = (66, 35)
SOLID = (60, 38)  # a dirt block near the spawn


@pytest.fixture
async def walker(fleet):
    return await bot_in(fleet, "LUAWALK")


async def position(fleet, bot_id):
    pos = (await fleet.get_bot(bot_id))["player_position"]
    return int(pos["map_x"]), int(pos["map_y"])


async def test_set_point_walks_to_the_tile(fleet, walker):
    assert await position(fleet, walker) == SPAWN
    source = """
local c = getClient()
local err = c:setPoint(Vector2i.new(71, 35))
return err == nil, c:point().x, c:point().y
"""
    assert (await run_lua(fleet, source)).ok == [True, 71, 35]
    assert await position(fleet, walker) == (71, 35)


async def test_set_point_returns_game_errors(fleet, walker):
    source = f"""
local c = getClient()
local solid, outside = c:setPoint(Vector2i.new({SOLID[0]}, {SOLID[1]})), c:setPoint(Vector2i.new(500, 500))
c:leave()
return solid, outside, c:setPoint(Vector2i.new(70, 35))
"""
    assert (await run_lua(fleet, source)).ok == ["OTHER", "OTHER", "NOT_IN_WORLD"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('c:setPoint("71,35")', "setPoint: expected Vector2i, got string"),
        ("c:setPoint(Vector2.new(71, 35))", "setPoint: expected Vector2i, got Vector2"),
        ("c:setPoint({x = 71, y = 35})", "setPoint: expected Vector2i, got table"),
        ('c:setPoint(Vector2i.new(71, 35), "yes")', "setPoint: expected boolean teleport, got string"),
        ("c:getPath()", "getPath: expected Vector2i, got nil"),
        ("c:findPath(7)", "findPath: expected Vector2i, got number"),
        ("c:movePoint(Vector2.new(1, 0))", "movePoint: expected Vector2i delta, got Vector2"),
        (
            "c:movePoint(Vector2i.new(0, -100))",
            "movePoint: move: a step is one tile up, down, left or right, got (0,-100)",
        ),
    ],
)
async def test_walking_misuse_raises_naming_the_call(fleet, walker, call, message):
    out = await run_lua(fleet, f"local c = getClient()\nlocal r = {call}")
    assert (out.state, out.error) == ("FAILED", f"executor:2: {message}")
    assert await position(fleet, walker) == SPAWN


async def test_set_point_with_teleport_walks_too(fleet, walker):
    source = "local c = getClient()\nreturn c:setPoint(Vector2i.new(68, 35), true) == nil, c:point().x"
    assert (await run_lua(fleet, source)).ok == [True, 68]


async def test_get_path_is_the_planned_route(fleet, walker):
    expected = await fleet.get_path(walker, 71, 35)
    source = """
local route, out = getClient():getPath(Vector2i.new(71, 35)), {}
for i, p in ipairs(route) do out[i] = {p.x, p.y, tostring(p)} end
return out, #getClient():getPath(Vector2i.new(60, 38))
"""
    route, unreachable = (await run_lua(fleet, source)).ok
    assert route == [[x, y, f"Vector2i({x}, {y})"] for x, y in expected]
    assert route[-1][:2] == [71, 35] and unreachable == 0
    assert await position(fleet, walker) == SPAWN


async def test_find_path_returns_at_once_and_walks_in_the_background(fleet, walker):
    """Seraph's findPath: ``true`` once the walk is launched; the script polls pathfinding()."""
    source = """
local c = getClient()
if not c:findPath(Vector2i.new(76, 35)) then error("findPath did not launch the walk") end
local walking, x_on_return = c:pathfinding(), c:point().x
while c:pathfinding() do sleep(5) end
return walking, x_on_return < 76, c:point().x
"""
    assert len(await fleet.get_path(walker, 76, 35)) >= 10
    assert (await run_lua(fleet, source)).ok == [True, True, 76]


async def test_find_path_is_false_without_a_start_tile(fleet, walker):
    """Not in a world (and mid-warp): the start tile is unknown, nothing is launched."""
    await fleet.create_bot("bot-2")
    assert await fleet.connect("bot-2", wait=True) is None
    source = """
local menu = getClient("bot-2")
local launched = menu:findPath(Vector2i.new(70, 35))
local after = menu:pathfinding()
getClient():leave()
return launched, after, getClient():findPath(Vector2i.new(70, 35)), getClient():pathfinding()
"""
    assert (await run_lua(fleet, source)).ok == [False, False, False, False]


async def test_clear_path_cancels_the_walk_and_the_walker_gets_cancelled(fleet, walker):
    assert len(await fleet.get_path(walker, 66, 50)) >= 15
    source = """
local c = getClient()
local result = "still walking"
task.spawn(function() result = c:setPoint(Vector2i.new(66, 50)) end)
sleep(80)
local walking = c:pathfinding()
c:clearPath()
sleep(60)
local stopped_at = c:point()
sleep(100)
return walking, result, c:pathfinding(), c:point() == stopped_at, stopped_at.y < 50
"""
    assert (await run_lua(fleet, source)).ok == [True, "CANCELLED", False, True, True]


async def test_move_point_steps_one_tile(fleet, walker):
    source = """
local c = getClient()
local right, down = c:movePoint(Vector2i.new(1, 0)), c:movePoint(Vector2i.new(0, 1))
local p = c:point()
return right, down, p.x, p.y
"""
    assert (await run_lua(fleet, source)).ok == [None, None, SPAWN[0] + 1, SPAWN[1] + 1]
    assert await position(fleet, walker) == (SPAWN[0] + 1, SPAWN[1] + 1)


async def test_move_point_into_a_block_is_refused(fleet, walker):
    source = f"""
local c = getClient()
assert(c:setPoint(Vector2i.new({SOLID[0]}, {SOLID[1] - 1})) == nil)
return c:movePoint(Vector2i.new(0, 1)), c:point().y
"""
    assert (await run_lua(fleet, source)).ok == ["OTHER", SOLID[1] - 1]


async def test_walking_at_the_default_pace_of_the_server(db_path, tmp_path):
    """The real pace (250 ms per tile): the walk is paced, not kicked, and lands."""
    server = SimWorldServer(seed=SEED, host="127.0.0.1")
    await server.start()
    fleet = LocalFleet(FleetConfig(sim_address=server.address, db_path=tmp_path / "slow.sqlite", seed=SEED))
    await fleet.start()
    try:
        await bot_in(fleet, "LUAWALK")
        started = time.monotonic()
        source = """
local c = getClient()
return c:setPoint(Vector2i.new(69, 35)) == nil, c:point().x, c:status()
"""
        assert (await run_lua(fleet, source)).ok == [True, 69, "IN_WORLD"]
        assert time.monotonic() - started >= 0.5  # three steps, each at least 250 ms after the last
    finally:
        await fleet.close()
        await server.stop()


TWO_WALKERS = """
local c = getClient()
local out = {}
for i = 1, 6 do
  local target = (i %% 2 == 0) and Vector2i.new(%d, 35) or Vector2i.new(%d, 35)
  out[#out + 1] = tostring(c:setPoint(target))
end
return table.concat(out, ",")
"""


async def test_two_scripts_walking_one_bot_never_hang(fleet, walker):
    """The newest walk wins: the older script's setPoint returns CANCELLED (documented in
    lua-api.md), even when its walk is replaced before it took a step."""
    await fleet.execute(walker, "walker-a", TWO_WALKERS % (62, 72))
    await asyncio.sleep(0.05)
    await fleet.execute(walker, "walker-b", TWO_WALKERS % (64, 70))
    first = await wait_ended(fleet, walker, "walker-a", 30)
    second = await wait_ended(fleet, walker, "walker-b", 30)
    assert first["state"] == second["state"] == "COMPLETE"
    outcomes = first["results"][0].split(",") + second["results"][0].split(",")
    assert set(outcomes) <= {"nil", "CANCELLED"}
    assert "CANCELLED" in outcomes
