"""The inventory snapshot (``slots`` in use, ``capacity``, ``items`` by invKey, ``getItem``,
``count``) and the block catalog (``getInfo`` / ``getInfos``)."""

import pytest

from seraph_kernel.lua_api.info import item_info

from .conftest import run_lua

PICKAXE, TOOL = 1041, 49


async def test_inventory_items_are_keyed_by_inv_key(fleet, bot):
    inventory = await fleet.inventory(bot)
    source = """
local inv = getInventory()
local rows = {}
for key, item in pairs(inv.items) do rows[#rows + 1] = {key, item.id, item.type, item.amount, item.name} end
return inv.slots, inv.capacity, rows, getClient():inventory().slots
"""
    slots, capacity, rows, again = (await run_lua(fleet, source)).ok
    # Seraph: ``slots`` counts the cells in use; the backpack's size is ``capacity``
    assert slots == again == len(inventory["items"]) >= 1
    assert capacity == inventory["slots"] > slots
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
return ore.id, ore.name, ore.flags, ore.collision, ore.hits, ore.flagNames, ore.collisionName,
       air.name, air.collision, air.collisionName, air.hits == nil
"""
    ore = infos[20]
    assert (await run_lua(fleet, source)).ok == [
        20,
        ore["name"],
        0x2,  # trashable, tradeable
        0x1,  # solid
        ore["hits"],
        ["ore"],
        "solid",
        infos[0]["name"],
        0x0,
        "none",
        True,  # unbreakable: no hit count, read as nil rather than json.null
    ]


async def test_flags_and_collision_are_seraph_bitmasks(fleet, bot):
    """Seraph's docs test flags with ``bit32.band(info.flags, 0x1) ~= 0``: numbers, not lists."""
    source = """
local function trashable(id) return bit32.band(getInfo(id).flags, 0x2) ~= 0 end
local function untradeable(id) return bit32.band(getInfo(id).flags, 0x1) ~= 0 end
local function solid(id) return bit32.band(getInfo(id).collision, 0x1) ~= 0 end
return trashable(2), untradeable(2), trashable(1041), untradeable(1041),
       solid(3), getInfo(10).collision, getInfo(8).collision, getInfo(11).collision
"""
    assert (await run_lua(fleet, source)).ok == [True, False, False, True, True, 0x2, 0x1 | 0x4, 0x0]


async def test_almost_every_block_is_trashable(fleet, bot):
    source = """
local yes, total = 0, 0
for _, info in ipairs(getInfos()) do
  total = total + 1
  if bit32.btest(info.flags, 0x2) then yes = yes + 1 end
end
return yes, total
"""
    yes, total = (await run_lua(fleet, source)).ok
    assert yes > total * 2 // 3


async def test_get_info_of_an_unknown_id_is_nil_and_checks_its_argument(fleet, bot):
    source = "return getInfo(9999) == nil, getInfo(-1) == nil, getInfo(2).name"
    assert (await run_lua(fleet, source)).ok == [True, True, "SoilBlock"]
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


def test_a_known_block_without_a_name_reads_hash_id():
    """A backend's catalog row may lack a name: Seraph's ItemInfo never has a nil name."""
    row = {"id": 77, "name": None, "flags": ["x"], "collision": "platform"}
    row |= {"flag_bits": 2, "collision_bits": 2}
    assert item_info(row) == {
        "id": 77,
        "name": "#77",
        "flags": 2,
        "collision": 2,
        "flagNames": ["x"],
        "collisionName": "platform",
    }
