"""The backpack writes over the real sim: ``client:trash``, ``client:equip``/``unequip``,
``client:wear``/``unwear``, ``client:expandInventory`` and ``client:buyPack``. Each returns
``nil`` or an ``Errors.*`` code; the snapshot shows what is worn, the capacity, the quests and
achievements; misuse names the call."""

import pytest

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.content import EXPAND_GEMS, EXPAND_SLOTS

from .conftest import bot_in, run_lua
from .test_farming import give

PICKAXE, HELMET = c.PICKAXE_BASIC, c.MINER_HELMET


async def test_trash_destroys_items_and_refuses_more_than_there_is(fleet, sim_server):
    await bot_in(fleet, None)
    await give(fleet, sim_server, "bot-1", {c.DIRT: 5})
    source = f"""
local c = getClient()
local gone = c:trash({c.DIRT}, 3)
local left = c:inventory():count({c.DIRT})
return gone, left, c:trash({c.DIRT}, 5), c:trash({c.EMERALD}, 1), c:inventory():count({c.DIRT})
"""
    assert (await run_lua(fleet, source)).ok == [None, 2, "OTHER", "OTHER", 2]
    collectables = await fleet.collectables("bot-1")
    assert collectables == []  # trashed items are gone, not dropped


async def test_equip_and_wear_show_in_the_snapshot_and_undo(fleet, sim_server):
    await bot_in(fleet, "FARMLUA")
    await give(fleet, sim_server, "bot-1", {HELMET: 1})
    source = f"""
local c = getClient()
local function worn()
  local out = {{}}
  for _, w in ipairs(c:snapshot().worn) do out[#out + 1] = w.slot .. "=" .. w.name end
  table.sort(out)
  return table.concat(out, ",")
end
local eq, wr = c:equip({PICKAXE}), c:wear({HELMET})
local both = worn()
local keep = {{c:trash({HELMET}, 1), c:drop({HELMET}, 1), c:equip({c.DIRT}), c:wear({PICKAXE})}}
local ue, uw = c:unequip({PICKAXE}), c:unwear({HELMET})
return eq, wr, both, keep[1], keep[2], keep[3], keep[4], ue, uw, worn(),
       c:unwear({HELMET}), c:unequip({PICKAXE})
"""
    (
        eq,
        wr,
        both,
        trash_worn,
        drop_worn,
        equip_dirt,
        wear_pickaxe,
        ue,
        uw,
        after,
        unwear_again,
        unequip_again,
    ) = (await run_lua(fleet, source)).ok
    assert (eq, wr, both) == (None, None, "hand=WeaponPickaxeBasic,head=MinerHelmet")
    assert (trash_worn, drop_worn, equip_dirt, wear_pickaxe) == ("OTHER",) * 4
    assert (ue, uw, after, unwear_again, unequip_again) == (None, None, "", "OTHER", "OTHER")


async def test_expand_inventory_costs_gems_and_raises_capacity(fleet, sim_server):
    await bot_in(fleet, None)
    source = """
local c = getClient()
local before = c:snapshot()
return c:expandInventory(), before.slots
"""
    poor, slots = (await run_lua(fleet, source)).ok
    assert poor == "OTHER" and "costs 50 gems" in (await fleet.get_bot("bot-1"))["last_error"]
    sim_server.accounts.get((await fleet.get_bot("bot-1"))["username"]).gems = EXPAND_GEMS + 20
    source = """
local c = getClient()
local r = c:expandInventory()
local s = c:snapshot()
return r, s.slots, s.gems, c:expandInventory(), s.achievements[1]
"""
    assert (await run_lua(fleet, source)).ok == [None, slots + EXPAND_SLOTS, 20, "OTHER", "BigBackpack"]
    assert (await fleet.inventory("bot-1"))["slots"] == slots + EXPAND_SLOTS


async def test_buy_pack_pays_byte_coins_and_fills_the_backpack(fleet, sim_server):
    await bot_in(fleet, None)
    username = (await fleet.get_bot("bot-1"))["username"]
    source = 'return getClient():buyPack("SeedPack")'
    assert (await run_lua(fleet, source)).ok == ["OTHER"]  # no byte coins yet
    sim_server.accounts.get(username).byte_coins = 30
    source = """
local c = getClient()
local r = c:buyPack("SeedPack")
local s = c:snapshot()
local seeds = 0
for _, item in ipairs(s.inventory) do if item.category == "seed" then seeds = seeds + item.amount end end
return r, s.byte_coins, seeds > 0, c:buyPack("NoSuchPack"), s.achievements[1]
"""
    assert (await run_lua(fleet, source)).ok == [None, 10, True, "OTHER", "Collector"]
    assert "unknown pack 'NoSuchPack'" in (await fleet.get_bot("bot-1"))["last_error"]


async def test_backpack_writes_need_a_connection(fleet):
    await fleet.create_bot("bot-1")
    source = f"""
local c = getClient()
return c:trash({PICKAXE}, 1), c:equip({PICKAXE}), c:wear({HELMET}), c:unequip({PICKAXE}),
       c:unwear({HELMET}), c:expandInventory(), c:buyPack("SeedPack")
"""
    assert (await run_lua(fleet, source)).ok == ["NOT_CONNECTED"] * 7


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('c:trash("dirt", 1)', "trash: expected integer blockId, got string"),
        (f"c:trash({c.DIRT}, 0)", "trash: amount: must be at least 1, got 0"),
        (f"c:trash({c.DIRT})", "trash: amount: required"),
        ("c:equip()", "equip: block_id: required"),
        ("c:wear(1.5)", "wear: expected integer blockId, got 1.5"),
        ("c:unwear(-1)", "unwear: block_id: must be at least 0, got -1"),
        ("c:buyPack(5)", "buyPack: expected string pack, got number"),
        ('c:buyPack("")', "buyPack: pack: must not be empty"),
    ],
)
async def test_backpack_misuse_names_the_call(fleet, call, message):
    await bot_in(fleet, None)
    out = await run_lua(fleet, f"local c = getClient()\nlocal r = {call}")
    assert (out.state, out.error) == ("FAILED", f"executor:2: {message}")
