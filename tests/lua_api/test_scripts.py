"""End-to-end detached scripts a user would paste, run through the fleet, each checked against
the world and the inventory afterwards."""

import asyncio
import time

import pytest
from waiting import wait_ended, wait_for

from seraph_kernel.errors import UnknownScript

from .conftest import bot_in, run_lua
from .mining import MINING_LUA

COPPER_ORE = 20
ROUNDS = 3

AUTO_MINE = (
    MINING_LUA
    + """
local c = getClient()
local total, gems, mined = {}, 0, {}
for round = 1, ROUNDS do
  local block, picked, g = mineNearest(c, COPPER_ORE)
  if not block then error("round " .. round .. ": " .. picked) end
  mined[#mined + 1] = {block.x, block.y}
  for key, n in pairs(picked) do total[key] = (total[key] or 0) + n end
  gems = gems + g
end
local lines = {}
for key, n in pairs(total) do lines[#lines + 1] = getInfo(key & 0xFFFF).name .. " x" .. n end
table.sort(lines)
print("mined {} ores: {}, {} gems", #mined, table.concat(lines, ", "), gems)
local picked = {}
for key, n in pairs(total) do picked[tostring(key)] = n end
return mined, picked, gems
"""
)


def inventory_amounts(inventory: dict) -> dict[int, int]:
    return {(row["inventory_type"] << 16) | row["block_id"]: row["amount"] for row in inventory["items"]}


async def test_auto_mine_collects_exactly_what_it_reports(fleet, miner):
    before = inventory_amounts(await fleet.inventory(miner))
    gems_before = (await fleet.get_bot(miner))["gems"]
    source = f"local ROUNDS, COPPER_ORE = {ROUNDS}, {COPPER_ORE}\n" + AUTO_MINE
    out = await run_lua(fleet, source, timeout_s=60)
    mined, picked, gems = out.ok
    assert len(mined) == ROUNDS and len({tuple(p) for p in mined}) == ROUNDS
    view = await fleet.world(miner)
    assert all(view.foreground[y * view.width + x] == 0 for x, y in mined)
    after = inventory_amounts(await fleet.inventory(miner))
    grown = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    assert grown == {int(key): n for key, n in picked.items()} and grown
    assert (await fleet.get_bot(miner))["gems"] - gems_before == gems
    assert out.console[-1].startswith(f"mined {ROUNDS} ores: CopperNugget x")
    assert out.console[-1].endswith(f", {gems} gems")


async def test_warp_to_a_full_world_tries_the_next_one(fleet, bot, sim_server):
    sim_server.admin.set_world_cap("PACKED", 0)
    source = """
local c = getClient()
for _, name in ipairs({"PACKED", "NOTFOUNDHERE", "QUIETWORLD"}) do
  local err = c:warp(name)
  if err == nil then
    print("joined {}", name)
    return name
  elseif err == Errors.WORLD_FULL or err == Errors.WORLD_NOT_FOUND then
    warn("{} is {}; trying the next world", name, err)
  else
    error("cannot warp to " .. name .. ": " .. err)
  end
end
"""
    out = await run_lua(fleet, source)
    assert out.ok == ["QUIETWORLD"]
    assert out.console == [
        "PACKED is WORLD_FULL; trying the next world",
        "NOTFOUNDHERE is WORLD_NOT_FOUND; trying the next world",
        "joined QUIETWORLD",
    ]
    snapshot = await fleet.get_bot(bot)
    assert (snapshot["status"], snapshot["current_world"]) == ("in_world", "QUIETWORLD")
    assert (await fleet.world(bot)).name == "QUIETWORLD"


CLAIMER = (
    MINING_LUA
    + """
local c = getClient()
local claimed = {}
for i, ore in ipairs(nearestBlocks(c, 20)) do
  if #claimed == 2 then break end
  if standingSpot(c, ore) then
    globalStorage:set("claim:" .. ore.x .. "," .. ore.y, c.id)
    claimed[#claimed + 1] = ore
  end
end
globalStorage:set("claims-ready", true)
local mined = {}
for _, ore in ipairs(claimed) do
  assert(mineAt(c, ore))
  mined[#mined + 1] = {ore.x, ore.y}
end
return mined
"""
)

SKIPPER = (
    MINING_LUA
    + """
local c = getClient()
while not globalStorage:get("claims-ready") do sleep(5) end
local function claimedByOthers(p)
  local owner = globalStorage:get("claim:" .. p.x .. "," .. p.y)
  return owner ~= nil and owner ~= c.id
end
local mined, skipped = {}, 0
for _, ore in ipairs(c:world():findTiles(20)) do
  if claimedByOthers(ore) then skipped = skipped + 1 end
end
for round = 1, 2 do
  local ore = mineNearest(c, 20, claimedByOthers)
  assert(ore, "nothing left to mine")
  globalStorage:set("claim:" .. ore.x .. "," .. ore.y, c.id)
  mined[#mined + 1] = {ore.x, ore.y}
end
return mined, skipped
"""
)


async def test_two_bots_share_the_work_through_global_storage(fleet, miner):
    await bot_in(fleet, "MINEWORLD", "bot-2")
    await fleet.execute("bot-1", "claim", CLAIMER)
    await fleet.execute("bot-2", "skip", SKIPPER)
    first = await wait_ended(fleet, "bot-1", "claim", 60)
    second = await wait_ended(fleet, "bot-2", "skip", 60)
    assert first["state"] == second["state"] == "COMPLETE", (first, second)
    claimed = {tuple(p) for p in first["results"][0]}
    taken, skipped = {tuple(p) for p in second["results"][0]}, second["results"][1]
    assert len(claimed) == len(taken) == 2 and skipped == 2
    assert not claimed & taken
    for x, y in claimed:
        assert await fleet.storage_get("global", f"claim:{x},{y}") == "bot-1"
    for x, y in taken:
        assert await fleet.storage_get("global", f"claim:{x},{y}") == "bot-2"
    view = await fleet.world("bot-1")
    assert all(view.foreground[y * view.width + x] == 0 for x, y in claimed | taken)


LONG_WALK = """
cleanup(function() globalStorage:set("cleaned", true) end)
local err = getClient():setPoint(Vector2i.new(66, 50))
globalStorage:set("walk", err or "arrived")
return err
"""


async def walking_started(fleet, bot_id: str) -> None:
    async def moved() -> bool:
        pos = (await fleet.get_bot(bot_id))["player_position"]
        return pos is not None and pos["map_y"] > 36

    await wait_for(moved, what="the walk to start")


async def test_a_bot_kicked_mid_walk_gets_disconnected_and_cleanup_runs(fleet, sim_server):
    walker = await bot_in(fleet, "LUAWALK")
    await fleet.execute(walker, "walk", LONG_WALK)
    await walking_started(fleet, walker)
    assert sim_server.admin.kick((await fleet.get_bot(walker))["username"], "moving like a bot")
    status = await wait_ended(fleet, walker, "walk", 5)
    assert (status["state"], status["results"]) == ("COMPLETE", ["DISCONNECTED"])
    assert await fleet.storage_get("global", "walk") == "DISCONNECTED"
    assert await fleet.storage_get("global", "cleaned") is True
    assert (await fleet.get_bot(walker))["status"] == "kicked"


async def test_a_bot_disconnected_mid_walk_returns_disconnected(fleet):
    walker = await bot_in(fleet, "LUAWALK")
    await fleet.execute(walker, "walk", LONG_WALK)
    await walking_started(fleet, walker)
    await fleet.disconnect(walker)
    status = await wait_ended(fleet, walker, "walk", 5)
    assert (status["state"], status["results"]) == ("COMPLETE", ["DISCONNECTED"])
    assert await fleet.storage_get("global", "cleaned") is True


async def test_a_bot_deleted_under_a_script_never_hangs_it(fleet):
    """bot-1's script drives bot-2; bot-2 is deleted mid-walk: the pending walk and every later
    call read as DISCONNECTED."""
    await bot_in(fleet, "LUAWALK", "bot-1")
    await bot_in(fleet, "LUAWALK", "bot-2")
    source = """
local other = getClient("bot-2")
local walk = other:setPoint(Vector2i.new(66, 50))
local step = other:movePoint(Vector2i.new(1, 0))
return walk, step, other:status(), other:world() == nil, getClient("bot-2") == nil
"""
    await fleet.execute("bot-1", "drive", source)
    await walking_started(fleet, "bot-2")
    await fleet.delete_bot("bot-2")
    status = await wait_ended(fleet, "bot-1", "drive", 5)
    assert (status["state"], status["results"]) == (
        "COMPLETE",
        ["DISCONNECTED", "DISCONNECTED", "DISCONNECTED", True, True],
    )


async def test_deleting_the_bound_bot_cancels_its_script_and_runs_cleanup(fleet):
    walker = await bot_in(fleet, "LUAWALK")
    await fleet.execute(walker, "walk", LONG_WALK)
    await walking_started(fleet, walker)
    await fleet.delete_bot(walker)
    assert await fleet.storage_get("global", "cleaned") is True
    assert await fleet.jobs() == []  # stopped, then forgotten with the bot
    with pytest.raises(UnknownScript):
        await fleet.status(walker, "walk")


async def test_stopping_a_script_mid_walk_ends_the_walk(fleet):
    walker = await bot_in(fleet, "LUAWALK")
    await fleet.execute(walker, "walk", LONG_WALK)
    await walking_started(fleet, walker)
    started = time.monotonic()
    await fleet.stop(walker, "walk")
    status = await wait_ended(fleet, walker, "walk", 5)
    elapsed = time.monotonic() - started
    stopped_at = (await fleet.get_bot(walker))["player_position"]
    await asyncio.sleep(0.2)  # ten more steps' worth at the test pace
    assert (await fleet.get_bot(walker))["player_position"] == stopped_at
    assert stopped_at["map_y"] < 50
    assert status["state"] == "CANCELLED"
    assert await fleet.storage_get("global", "walk") is None  # the walker saw nothing more
    assert await fleet.storage_get("global", "cleaned") is True
    assert elapsed < 1.0  # behaviour bound; bench/lua_actions.py reports the real figure
