"""The world snapshot: ``client:world()`` / ``getWorld()``, ``name``, ``size``, ``entrance``,
``tile``, ``tiles``, ``findTiles``, ``collectables``, ``enemies``, ``players``; each compared
with what the fleet itself reports about the same world."""

import pytest

from .conftest import bot_in, run_lua

COPPER_ORE = 20
STONE = 3


async def test_name_size_and_entrance(fleet, miner):
    view = await fleet.world(miner)
    source = """
local w = getWorld()
local size, entrance = w:size(), w:entrance()
return w.name, size.x, size.y, entrance.x, entrance.y, tostring(w)
"""
    assert (await run_lua(fleet, source)).ok == [
        "MINEWORLD",
        view.width,
        view.height,
        *view.spawn,
        "World(MINEWORLD)",
    ]


async def test_world_is_nil_outside_a_world_and_indexing_it_fails_like_lua(fleet, bot):
    assert (await run_lua(fleet, "return getClient():world() == nil, getWorld() == nil")).ok == [True, True]
    out = await run_lua(fleet, "local x = 1\nlocal name = getClient():world().name")
    assert out.state == "FAILED"
    assert out.error.startswith("executor:2: attempt to index a nil value")


async def test_tile_reads_every_layer(fleet, miner):
    view = await fleet.world(miner)
    spots = [(0, 0), (58, 15), (24, 1), (99, 59), (37, 42)]
    checks = "\n".join(
        f"t = w:tile(Vector2i.new({x}, {y})) out[#out + 1] = {{t.foreground, t.background, t.water, t.wire, "
        f"t.point.x, t.point.y}}"
        for x, y in spots
    )
    source = f"local w, out, t = getWorld(), {{}}\n{checks}\nreturn out"
    expected = [
        [layer[y * view.width + x] for layer in (view.foreground, view.background, view.water, view.wiring)]
        + [x, y]
        for x, y in spots
    ]
    assert (await run_lua(fleet, source)).ok == [expected]
    assert expected[2][0] == COPPER_ORE


async def test_tile_out_of_bounds_is_all_zero(fleet, miner):
    source = """
local t = getWorld():tile(Vector2i.new(-1, 5000))
return t.foreground, t.background, t.water, t.wire, tostring(t.point)
"""
    assert (await run_lua(fleet, source)).ok == [0, 0, 0, 0, "Vector2i(-1, 5000)"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("w:tile(3, 4)", "tile: expected Vector2i, got number"),
        ("w:tile(Vector2.new(3, 4))", "tile: expected Vector2i, got Vector2"),
        ("w.tile(Vector2i.new(3, 4))", "tile: expected a world, got table (call it as world:tile(...))"),
        ('w:findTiles("ore")', "findTiles: expected integer blockId, got string"),
        ("w:findTiles(2.5)", "findTiles: expected integer blockId, got 2.5"),
    ],
)
async def test_world_misuse_names_the_call(fleet, miner, call, message):
    out = await run_lua(fleet, f"local w = getWorld()\nlocal r = {call}")
    assert out.error == f"executor:2: {message}"


async def test_tiles_is_flat_row_major_and_one_indexed(fleet, miner):
    view = await fleet.world(miner)
    source = """
local w = getWorld()
local all, size = w:tiles(), w:size()
local i = 24 * size.x + 31 + 1
local t = all[i]
return #all, t.point.x, t.point.y, t.foreground, all[1].point.x, all[#all].point.y
"""
    expected_fg = view.foreground[24 * view.width + 31]
    expected = [view.width * view.height, 31, 24, expected_fg, 0, view.height - 1]
    assert (await run_lua(fleet, source)).ok == expected


async def test_find_tiles_finds_every_matching_foreground(fleet, miner):
    view = await fleet.world(miner)
    expected = [[i % view.width, i // view.width] for i, fg in enumerate(view.foreground) if fg == COPPER_ORE]
    source = f"""
local out = {{}}
for i, p in ipairs(getWorld():findTiles({COPPER_ORE})) do out[i] = {{p.x, p.y}} end
return out, #getWorld():findTiles(9999)
"""
    found, none = (await run_lua(fleet, source)).ok
    assert found == expected and len(found) > 10
    assert none == 0


async def test_tile_reads_see_blocks_broken_since_the_snapshot(fleet, miner):
    view = await fleet.world(miner)
    assert view.foreground[15 * view.width + 62] == STONE
    source = f"""
local c, w = getClient(), getWorld()
local stone = Vector2i.new(62, 15)
assert(c:setPoint(Vector2i.new(61, 15)) == nil)
local before, hits = w:tile(stone).foreground, 0
while w:tile(stone).foreground == {STONE} do
  assert(c:hit(stone) == nil)
  hits = hits + 1
end
return before, hits, w:tile(stone).foreground, getWorld():tile(stone).foreground
"""
    assert (await run_lua(fleet, source)).ok == [STONE, 4, 0, 0]


async def test_world_follows_the_bot_to_another_world(fleet, miner):
    source = """
local c = getClient()
local first = c:world()
c:warp("LUAWALK")
local second = c:world()
return first.name, second.name, second:entrance().x, first:size().x
"""
    assert (await run_lua(fleet, source)).ok == ["MINEWORLD", "LUAWALK", 66, 100]


async def test_collectables_match_the_fleet(fleet, miner):
    rows = await fleet.collectables(miner)
    assert rows, "MINEWORLD starts with collectables in range"
    source = """
local out = {}
for i, k in ipairs(getWorld():collectables()) do
  out[i] = {k.id, k.blockType, k.amount, k.inventoryType, k.position.x, k.position.y, k.isGem}
end
return out
"""
    expected = [
        [r[key] for key in ("id", "block_type", "amount", "inventory_type", "pos_x", "pos_y", "is_gem")]
        for r in rows
    ]
    assert (await run_lua(fleet, source)).ok == [expected]


async def test_enemies_match_the_fleet(fleet, miner):
    rows = await fleet.enemies(miner)
    assert rows, "MINEWORLD has enemies"
    source = """
local out = {}
for i, e in ipairs(getWorld():enemies()) do out[i] = {e.id, e.kind, e.hp, e.maxHp, e.point.x, e.point.y} end
return out
"""
    result = (await run_lua(fleet, source)).ok[0]
    by_id = {r["ai_id"]: r for r in rows}
    assert [row[0] for row in result] == list(by_id)
    for ai_id, kind, hp, max_hp, x, y in result:
        assert (kind, max_hp) == (by_id[ai_id]["ai_kind"], by_id[ai_id]["max_hp"])
        assert 0 < hp <= max_hp and isinstance(x, int) and isinstance(y, int)


async def test_players_lists_the_other_players(fleet, miner):
    await bot_in(fleet, "MINEWORLD", "bot-2")
    other = await fleet.get_bot("bot-2")
    source = """
local out = {}
for i, p in ipairs(getWorld():players()) do out[i] = {p.userId, p.nick, p.position.x, p.position.y} end
return out
"""
    pos = other["player_position"]
    expected = [other["user_id"], other["username"], pos["world_x"], pos["world_y"]]
    assert (await run_lua(fleet, source)).ok == [[expected]]
