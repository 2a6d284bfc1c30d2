"""Farming and the backpack from a notebook cell over a RemoteFleet: a VM in this process drives
a bot of a Jupyter server's LocalFleet through ``/invoke`` only (plant, ``tile:tree()``,
``tree:ready()``, harvest, drop for a second bot, trash, equip, expandInventory)."""

from seraph_kernel.sim import catalog as c

from .test_farming import give
from .test_remote_fleet import remote, run_cell  # noqa: F401 (fixtures)

CELL = f"""
local c = getClient()
assert(c:connect() == nil and c:warp("FARMREMOTE") == nil)
local w = c:world()
local here = c:point()
local spot = Vector2i.new(here.x + 1, here.y)
assert(c:place(spot, {c.WHEAT_SEED}) == nil)
local t = w:tile(spot):tree()
local early = t:ready()
while not t:ready() do sleep(100) end
local harvested = c:hit(spot)
local wheat = 0
for _, k in ipairs(w:collectables()) do
  if k.position:point() == spot and k.blockType == {c.WHEAT} then wheat = wheat + k.amount end
end
local picked = c:collect()
return t.kind, t.blockType, early, harvested, wheat > 0, picked > 0, c:inventory():count({c.WHEAT}) == wheat,
       c:drop({c.WHEAT}, wheat), c:trash({c.WHEAT}, 1), c:equip({c.PICKAXE_BASIC}), c:snapshot().worn[1].slot,
       c:expandInventory()
"""


async def test_farming_and_backpack_from_a_cell_over_a_remote_fleet(remote, run_cell, sim_server):  # noqa: F811
    await remote.create_bot("bot-1")
    await remote.create_bot("bot-2")
    username = (await remote.get_bot("bot-1"))["username"]
    sim_server.accounts.get(username).inventory[c.WHEAT_SEED] = 1
    results = await run_cell(CELL)
    assert results == ["crop", c.WHEAT, False, None, True, True, True, None, "OTHER", None, "hand", "OTHER"]
    assert await remote.connect("bot-2", wait=True) is None
    assert await remote.warp("bot-2", "FARMREMOTE", wait=True) is None
    here = (await remote.get_bot("bot-1"))["player_position"]
    assert await remote.walk_to("bot-2", int(here["map_x"]), int(here["map_y"])) is None
    assert await remote.collect("bot-2") >= 1
    items = {row["block_id"]: row["amount"] for row in (await remote.inventory("bot-2"))["items"]}
    assert items[c.WHEAT] >= 1


async def test_seeds_read_as_seeds_in_the_inventory_over_rest(remote, sim_server):  # noqa: F811
    await remote.create_bot("bot-1")
    await give(remote, sim_server, "bot-1", {c.SAND_SEED: 1})
    assert await remote.connect("bot-1", wait=True) is None
    rows = (await remote.inventory("bot-1"))["items"]
    assert {r["block_id"]: r["category"] for r in rows}[c.SAND_SEED] == "seed"
