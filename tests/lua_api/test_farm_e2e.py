"""End to end on the real sim: a farmer plants seeds, tills soil while the trees grow, waits for
them with ``tree:ready()``, harvests, and drops its soil for a second bot, whose detached script
walks over and collects it. The farmer keeps one world object for the whole run (more than 100
hits) and logs with ``print``; it runs detached, and from a notebook cell over a RemoteFleet."""

from waiting import wait_ended

from seraph_kernel.sim import catalog as c

from .conftest import bot_in
from .test_farming import give
from .test_remote_fleet import remote, run_cell  # noqa: F401 (fixtures)

WORLD = "FARME2E"
WAVES = 3

FARMER = f"""
local SEED, SOIL = {c.SOIL_SEED}, {c.DIRT}
local c = getClient()
local w = c:world()                      -- the one world object of the whole run
local here = c:point()
local beds, till = {{}}, {{}}
for dy = -1, 1 do
  for dx = -1, 1 do
    local p = here + Vector2i.new(dx, dy)
    if p ~= here and w:tile(p).foreground == 0 then
      if #beds < 4 then beds[#beds + 1] = p else till[#till + 1] = p end
    end
  end
end
assert(#beds >= 2 and #till >= 1, "room to farm around the spawn")
local hits, harvested = 0, 0
local function hit(p)
  hits = hits + 1
  return c:hit(p)
end
for wave = 1, {WAVES} do
  local trees = {{}}
  for _, p in ipairs(beds) do
    if c:inventory():count(SEED) > 0 and c:place(p, SEED) == nil then trees[#trees + 1] = w:tile(p):tree() end
  end
  print("wave {{}}: planted {{}} trees", wave, #trees)
  local function allReady()
    for _, t in ipairs(trees) do if not t:ready() then return false end end
    return true
  end
  while not allReady() do
    -- till while the trees grow: place soil and break it again
    for _, p in ipairs(till) do
      if c:inventory():count(SOIL) > 5 and c:place(p, SOIL) == nil then
        for _ = 1, getInfo(SOIL).hits do assert(hit(p) == nil) end
      end
    end
    c:collect()
    sleep(100)
  end
  for _, t in ipairs(trees) do
    while w:tile(t.point):tree() ~= nil do assert(hit(t.point) == nil) end
    harvested = harvested + 1
  end
  print("wave {{}}: harvested, picked up {{}} drops; {{}} hits so far", wave, c:collect(), hits)
end
local soil = c:inventory():count(SOIL)
assert(c:drop(SOIL, soil) == nil)
local spot = c:point()
globalStorage:set("farm:drop", {{x = spot.x, y = spot.y, amount = soil}})
print("dropped {{}} soil at {{}} for the partner", soil, spot)
return hits, harvested, soil, w.name
"""

PARTNER = """
local c = getClient()
local drop
repeat sleep(100); drop = globalStorage:get("farm:drop") until drop ~= nil
assert(c:setPoint(Vector2i.new(drop.x, drop.y)) == nil)
local picked = c:collect()
print("collected {} stacks", picked)
return picked, c:inventory():count(2), drop.amount
"""


async def test_a_farming_script_feeds_a_second_bot(fleet, sim_server):
    await bot_in(fleet, WORLD, "bot-1")
    await bot_in(fleet, WORLD, "bot-2")
    await give(fleet, sim_server, "bot-1", {c.SOIL_SEED: 8, c.DIRT: 30})
    await fleet.execute("bot-2", "partner", PARTNER)
    await fleet.execute("bot-1", "farm", FARMER)
    farmer = await wait_ended(fleet, "bot-1", "farm", 60)
    lines = [line["text"] for line in (await fleet.console("bot-1", "farm"))["lines"]]
    assert farmer["state"] == "COMPLETE", (farmer["last_error"], lines)
    partner = await wait_ended(fleet, "bot-2", "partner", 20)
    hits, harvested, soil, name = farmer["results"]
    assert hits > 100 and harvested >= WAVES * 2 and soil > 0 and name == WORLD
    assert lines[0].startswith("wave 1: planted") and lines[-1].startswith(f"dropped {soil} soil")
    assert partner["state"] == "COMPLETE", partner["last_error"]
    picked, partner_soil, dropped = partner["results"]
    assert picked >= 1 and partner_soil == dropped == soil
    snapshot = await fleet.get_bot("bot-1")
    assert {q["name"] for q in snapshot["quests"] if q["completed"]} >= {
        "PlantSeeds",
        "FirstHarvest",
        "Harvester",
    }
    assert {"GreenThumb", "Miner"} <= set(snapshot["achievements"])


async def test_the_farmer_runs_from_a_notebook_cell_over_a_remote_fleet(remote, run_cell, sim_server):  # noqa: F811
    for bot_id in ("bot-1", "bot-2"):
        await remote.create_bot(bot_id)
        assert await remote.connect(bot_id, wait=True) is None
        assert await remote.warp(bot_id, WORLD, wait=True) is None
    await give(remote, sim_server, "bot-1", {c.SOIL_SEED: 8, c.DIRT: 30})
    await remote.execute("bot-2", "partner", PARTNER)
    hits, harvested, soil, name = await run_cell(FARMER)
    assert hits > 100 and harvested >= WAVES * 2 and soil > 0 and name == WORLD
    partner = await wait_ended(remote, "bot-2", "partner", 20)
    assert partner["state"] == "COMPLETE", partner["last_error"]
    assert partner["results"][1:] == [soil, soil]
