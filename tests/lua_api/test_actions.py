"""Acting on the world: ``hit``, ``collect``, ``place``, against the real sim rules."""

import pytest

from .conftest import bot_in, run_lua
from .mining import MINING_LUA

STONE, DIRT = 3, 2


async def test_hit_breaks_a_block_after_its_hit_count_and_it_drops(fleet, miner):
    view = await fleet.world(miner)
    assert view.foreground[15 * view.width + 62] == STONE
    source = """
local c, w = getClient(), getWorld()
local stone = Vector2i.new(62, 15)
c:setPoint(Vector2i.new(61, 15))
local results = {}
for i = 1, 4 do results[i] = c:hit(stone) == nil and w:tile(stone).foreground end
local drops = 0
for _, k in ipairs(w:collectables()) do if k.position:point() == stone then drops = drops + 1 end end
return results, c:hit(stone), drops > 0, getInfo(3).hits
"""
    hits, again, dropped, catalog_hits = (await run_lua(fleet, source)).ok
    assert hits == [STONE, STONE, STONE, 0]
    assert catalog_hits == 4
    assert again == "OTHER"  # nothing left to hit
    assert dropped is True


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("c:hit()", "hit: expected Vector2i, got nil"),
        ('c:place(Vector2i.new(1, 1), "dirt")', "place: expected integer blockId, got string"),
        ("c:place(2, 2)", "place: expected Vector2i, got number"),
        ('c:collect("all")', "collect: expected integer id, got string"),
    ],
)
async def test_action_misuse_names_the_call(fleet, miner, call, message):
    out = await run_lua(fleet, f"local c = getClient()\nlocal r = {call}")
    assert out.error == f"executor:2: {message}"


async def test_hit_far_away_and_outside_a_world_are_errors(fleet, bot):
    await bot_in(fleet, "MINEWORLD", "bot-2")
    source = """
local far = getClient("bot-2"):hit(Vector2i.new(0, 0))
return far, getClient():hit(Vector2i.new(1, 1))
"""
    assert (await run_lua(fleet, source)).ok == ["OTHER", "NOT_IN_WORLD"]


async def test_collect_picks_up_drops_in_range_into_the_inventory(fleet, miner):
    source = (
        MINING_LUA
        + """
local c = getClient()
local before, gems_before = c:inventory(), c:snapshot().gems
local block, picked, gems = mineNearest(c, 20)
local gems_after = c:snapshot().gems
assert(block, picked)
local after = c:inventory()
local grew = {}
for key, item in pairs(after.items) do
  local had = before.items[key] and before.items[key].amount or 0
  if item.amount ~= had then grew[tostring(key)] = item.amount - had end
end
local wanted = {}
for key, n in pairs(picked) do wanted[tostring(key)] = n end
local all = c:collect()
return grew, wanted, gems_after - gems_before, gems, all, c:collect(), c:collect(424242)
"""
    )
    grew, wanted, gems_gained, gems, collected_all, nothing_left, unknown = (await run_lua(fleet, source)).ok
    assert grew == wanted and wanted  # copper ore drops nuggets (seeded)
    assert gems_gained == gems
    assert collected_all >= 0 and nothing_left == 0
    assert unknown == "OTHER"


async def test_place_puts_a_block_from_the_inventory(fleet, miner):
    source = (
        MINING_LUA
        + """
local c = getClient()
for i = 1, 12 do
  if c:inventory():count(2) > 0 then break end
  assert(mineNearest(c, 2))
end
local have = c:inventory():count(2)
assert(have > 0, "no dirt dropped")
local me, w = c:point(), c:world()
local spot
for _, d in ipairs({Vector2i.new(1, 0), Vector2i.new(-1, 0), Vector2i.new(0, -1), Vector2i.new(0, 1)}) do
  if w:tile(me + d).foreground == 0 then spot = me + d break end
end
local err = c:place(spot, 2)
return err, w:tile(spot).foreground, have - c:inventory():count(2), c:place(spot, 2), c:place(me, 1041)
"""
    )
    err, placed, used, occupied, not_a_block = (await run_lua(fleet, source)).ok
    assert (err, placed, used) == (None, DIRT, 1)
    assert occupied == "OTHER" and not_a_block == "OTHER"
