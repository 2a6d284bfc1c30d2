"""Seeds, trees and crops over the real sim: ``client:place`` plants a seed, ``tile:tree()``
reads the tree growing there (``{point, blockType, mixed, ready()}``), a hit on a ready tree
harvests it into collectables, a hit on a growing one is refused (``Errors.OTHER``)."""

from waiting import wait_for

from seraph_kernel.sim import catalog as c

from .conftest import bot_in, run_lua

FARM = "FARMLUA"


async def give(fleet, sim_server, bot_id: str, items: dict[int, int]) -> None:
    """Put items in the bot's server-side backpack and tell its client (as the server does when
    a collected drop fills the backpack)."""
    username = (await fleet.get_bot(bot_id))["username"]
    sim_server.accounts.get(username).inventory.update(items)
    session = sim_server.sessions.get(username)
    if session is not None:
        session.push_me()
        await wait_for(lambda: inventory_has(fleet, bot_id, items), what="the me push")


async def inventory_has(fleet, bot_id: str, items: dict[int, int]) -> bool:
    rows = {row["block_id"]: row["amount"] for row in (await fleet.inventory(bot_id))["items"]}
    return all(rows.get(block) == amount for block, amount in items.items())


PLANT_AND_HARVEST = f"""
local c = getClient()
local w = c:world()
local here = c:point()
local spot = Vector2i.new(here.x + 1, here.y)
assert(w:tile(spot).foreground == 0, "the tile right of the spawn is air")
local before = w:tile(spot):tree()
local planted = c:place(spot, {c.SOIL_SEED})
local t = w:tile(spot):tree()
local early, refused = t:ready(), c:hit(spot)
while not t:ready() do sleep(100) end
local first, second = c:hit(spot), c:hit(spot)
local drops = 0
for _, k in ipairs(w:collectables()) do
  if k.position:point() == spot then drops = drops + 1 end
end
print("harvested " .. drops .. " drops")
return before == nil, planted, t.blockType, t.mixed, t.kind, t.point == spot, early, refused,
       first, second, w:tile(spot):tree() == nil, t:ready(), drops > 0, tostring(t)
"""


async def test_a_planted_seed_grows_into_a_tree_that_a_hit_harvests(fleet, sim_server):
    await bot_in(fleet, FARM)
    await give(fleet, sim_server, "bot-1", {c.SOIL_SEED: 2})
    out = await run_lua(fleet, PLANT_AND_HARVEST)
    (
        before,
        planted,
        block,
        mixed,
        kind,
        at_spot,
        early,
        refused,
        first,
        second,
        gone,
        ready_after,
        dropped,
        text,
    ) = out.ok
    assert (before, planted, block, mixed, kind, at_spot) == (True, None, c.DIRT, False, "tree", True)
    assert (early, refused) == (False, "OTHER")
    assert (first, second, gone, ready_after, dropped) == (None, None, True, False, True)
    assert text.startswith("Tree(2 at ")
    snapshot = await fleet.get_bot("bot-1")
    assert "is not ready" in (snapshot["last_error"] or "")
    assert {q["name"]: q["completed"] for q in snapshot["quests"]}["FirstHarvest"] is True
    assert "GreenThumb" in snapshot["achievements"]


MIX = f"""
local c = getClient()
local w = c:world()
local here = c:point()
local spot = Vector2i.new(here.x - 1, here.y)
assert(c:place(spot, {c.SOIL_SEED}) == nil)
local mixed = c:place(spot, {c.SAND_SEED})
local t = w:tile(spot):tree()
return mixed, t.blockType, t.mixed, c:place(spot, {c.SAND_SEED}), c:place(spot, {c.WHEAT_SEED})
"""


async def test_a_second_seed_of_a_recipe_mixes_the_tree(fleet, sim_server):
    await bot_in(fleet, FARM)
    await give(fleet, sim_server, "bot-1", {c.SOIL_SEED: 1, c.SAND_SEED: 2, c.WHEAT_SEED: 1})
    mixed, block, is_mixed, again, no_recipe = (await run_lua(fleet, MIX)).ok
    assert (mixed, block, is_mixed) == (None, c.GRASS, True)
    assert (again, no_recipe) == ("OTHER", "OTHER")  # a mixed tree mixes no more


async def test_tiles_without_trees_and_off_the_map_have_none(fleet):
    await bot_in(fleet, FARM)
    source = """
local w = getClient():world()
return w:tile(Vector2i.new(0, 0)):tree() == nil, w:tile(Vector2i.new(-5, 3)):tree() == nil,
       w:tiles()[1]:tree() == nil
"""
    assert (await run_lua(fleet, source)).ok == [True, True, True]


async def test_planting_without_the_seed_or_outside_a_world_is_a_code(fleet):
    await bot_in(fleet, FARM)
    source = f"""
local c = getClient()
local p = c:point()
return c:place(Vector2i.new(p.x + 1, p.y), {c.SOIL_SEED})
"""
    assert (await run_lua(fleet, source)).ok == ["OTHER"]
    assert "no SoilBlockSeed in the inventory" in (await fleet.get_bot("bot-1"))["last_error"]


async def test_tree_ready_called_wrongly_names_the_call(fleet, sim_server):
    await bot_in(fleet, FARM)
    await give(fleet, sim_server, "bot-1", {c.WHEAT_SEED: 1})
    source = f"""
local c = getClient()
local p = c:point()
local spot = Vector2i.new(p.x + 1, p.y)
c:place(spot, {c.WHEAT_SEED})
local t = c:world():tile(spot):tree()
local r = t.ready({{}})
"""
    out = await run_lua(fleet, source)
    assert (out.state, out.error) == (
        "FAILED",
        "executor:7: ready: expected a tree, got table (call it as tree:ready())",
    )
