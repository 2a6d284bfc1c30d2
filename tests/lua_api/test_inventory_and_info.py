"""The inventory snapshot (``slots``, ``items`` by invKey, ``getItem``, ``count``) and the
block catalog (``getInfo`` / ``getInfos``)."""

import pytest

from .conftest import run_lua

PICKAXE, TOOL = 1041, 49


async def test_inventory_items_are_keyed_by_inv_key(fleet, bot):
    inventory = await fleet.inventory(bot)
    source = """
local inv = getInventory()
local rows = {}
for key, item in pairs(inv.items) do rows[#rows + 1] = {key, item.id, item.type, item.amount, item.name} end
return inv.slots, rows, getClient():inventory().slots
"""
    slots, rows, again = (await run_lua(fleet, source)).ok
    assert slots == again == inventory["slots"]
    expected = [
        [
            (item["inventory_type"] << 16) | item["block_id"],
            item["block_id"],
            item["inventory_type"],
            item["amount"],
            item["name"],
        ]
        for item in inventory["items"]
    ]
    assert sorted(rows) == sorted(expected)
    assert [(TOOL << 16) | PICKAXE, PICKAXE, TOOL, 1, "WeaponPickaxeBasic"] in rows


async def test_get_item_by_inv_key_or_block_and_type_and_count(fleet, bot):
    source = f"""
local inv = getInventory()
local byKey, byPair = inv:getItem(({TOOL} << 16) | {PICKAXE}), inv:getItem({PICKAXE}, {TOOL})
return byKey.name, byPair == nil, byPair and byPair.amount, inv:getItem({PICKAXE}) == nil,
       inv:count({PICKAXE}), inv:count(2)
"""
    assert (await run_lua(fleet, source)).ok == ["WeaponPickaxeBasic", False, 1, True, 1, 0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('inv:getItem("pickaxe")', "getItem: expected integer invKey or blockId, got string"),
        ("inv:count()", "count: expected integer blockId, got nil"),
        ("inv.count(2)", "count: expected an inventory, got number (call it as inventory:count())"),
    ],
)
async def test_inventory_misuse_names_the_call(fleet, bot, call, message):
    out = await run_lua(fleet, f"local inv = getInventory()\nlocal r = {call}")
    assert out.error == f"executor:2: {message}"


async def test_a_bot_that_never_connected_has_an_empty_inventory(fleet, bot):
    await fleet.create_bot("bot-2")
    source = 'local inv = getClient("bot-2"):inventory()\nreturn next(inv.items) == nil, inv:count(1041)'
    assert (await run_lua(fleet, source)).ok == [True, 0]


async def test_get_info_is_the_catalog_row(fleet, bot):
    infos = {row["id"]: row for row in await fleet.block_infos()}
    source = """
local ore, air = getInfo(20), getInfo(0)
return ore.id, ore.name, ore.flags, ore.collision, ore.hits, air.name, air.collision, air.hits == nil
"""
    ore = infos[20]
    assert (await run_lua(fleet, source)).ok == [
        20,
        ore["name"],
        ore["flags"],
        ore["collision"],
        ore["hits"],
        infos[0]["name"],
        "none",
        True,  # unbreakable: no hit count, read as nil rather than json.null
    ]


async def test_get_info_names_unknown_blocks_and_checks_its_argument(fleet, bot):
    source = "local i = getInfo(9999)\nreturn i.id, i.name, #i.flags, i.collision"
    assert (await run_lua(fleet, source)).ok == [9999, "Block9999", 0, "solid"]
    out = await run_lua(fleet, 'local i = getInfo("dirt")')
    assert out.error == "executor:1: getInfo: expected integer blockId, got string"


async def test_get_infos_lists_the_whole_catalog_in_id_order(fleet, bot):
    infos = await fleet.block_infos()
    source = """
local ids, named = {}, true
for i, info in ipairs(getInfos()) do ids[i] = info.id; named = named and type(info.name) == "string" end
return ids, named
"""
    assert (await run_lua(fleet, source)).ok == [sorted(row["id"] for row in infos), True]
