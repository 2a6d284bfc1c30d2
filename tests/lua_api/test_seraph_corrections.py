"""The corrections of ``seraph-surface.md`` that are not covered next to their module: a Seraph
script's expectations of ``connected()``, live World objects, ``world.id``, ``bit32`` in plain
Lua 5.4 and the Vector2 sizes, each run as a detached script over the real sim."""

from seraph_kernel.lua_api.client import views

from .conftest import bot_in, run_lua
from .mining import MINING_LUA

STONE = 3


async def test_one_world_object_lives_through_more_than_a_hundred_hits(fleet, miner):
    """The most common Seraph script: take the world once, mine in a loop, read it throughout
    (the helpers call ``client:world()`` too, as scripts do)."""
    source = (
        MINING_LUA
        + """
local c = getClient()
local w = c:world()
local hits, blocks = 0, 0
while hits <= 100 do
  local target
  for _, block in ipairs(nearestBlocks(c, 3)) do
    if standingSpot(c, block) then target = block break end
  end
  assert(target, "no stone left in reach")
  assert(c:setPoint(standingSpot(c, target)) == nil)
  while w:tile(target).foreground == 3 do
    assert(c:hit(target) == nil)
    hits = hits + 1
  end
  assert(w:tile(target).foreground == 0 and getWorld():tile(target).foreground == 0)
  blocks = blocks + 1
end
return hits, blocks, w.name, w.id, w:size().x
"""
    )
    hits, blocks, name, world_id, width = (await run_lua(fleet, source, timeout_s=120)).ok
    assert hits > 100 and blocks >= 25
    assert (name, world_id, width) == ("MINEWORLD", "MINEWORLD", 100)


async def test_a_world_the_bot_left_answers_as_last_seen_then_names_client_world(fleet, miner):
    source = """
local c = getClient()
local first = c:world()
local spawn = first:entrance()
assert(c:warp("LUAWALK") == nil)
local second = c:world()
local lastSeen = first:entrance() == spawn and first:size().x
for i = 1, 17 do
  assert(c:warp("ROAM" .. i) == nil)
  assert(c:world().name == "ROAM" .. i)
end
local ok, err = pcall(first.tile, first, Vector2i.new(1, 1))
assert(c:warp("MINEWORLD") == nil)
return lastSeen, second.name, ok, err, first:tile(Vector2i.new(62, 15)).foreground
"""
    last_seen, second, ok, err, back = (await run_lua(fleet, source, timeout_s=60)).ok
    assert (last_seen, second, ok) == (100, "LUAWALK", False)
    assert "bot-1 is no longer in MINEWORLD; call client:world()" in err
    assert back == STONE  # back in that world: the old object reads it live again


async def test_world_id_is_its_name(fleet, miner):
    source = "local w = getWorld()\nreturn w.id, w.id == w.name"
    assert (await run_lua(fleet, source)).ok == ["MINEWORLD", True]


async def test_bit32_is_there_for_plain_lua_with_luau_semantics(fleet, bot):
    source = """
local n = 1 << 40  -- Lua 5.4 integers are 64-bit: bit32 works on the low 32 bits, unsigned
return bit32.band(0xFF, 0x0F), bit32.bor(1, 2, 4), bit32.bxor(5, 3), bit32.bnot(0), bit32.btest(6, 2),
  bit32.lshift(1, 31), bit32.rshift(0x80000000, 31), bit32.arshift(0x80000000, 4),
  bit32.extract(0xF0, 4, 4), bit32.replace(0, 5, 4, 3), bit32.lrotate(0x80000001, 1),
  bit32.rrotate(3, 1), bit32.countlz(1), bit32.countrz(8), bit32.band(n + 3), bit32.band(-1)
"""
    assert (await run_lua(fleet, source)).ok == [
        0x0F,
        7,
        6,
        0xFFFFFFFF,
        True,
        0x80000000,
        1,
        0xF8000000,
        15,
        0x50,
        3,
        0x80000001,
        31,
        3,
        3,
        0xFFFFFFFF,
    ]


async def test_vector_sizes_and_equals(fleet, bot):
    source = """
local entity = Vector2.new(0.16, 0.32)
local p = Vector2i.new(42, 18)
local pos = p:position(entity)
local tile = Vector2.new(0.32, 0.32)
return pos.x, pos.y, pos:point(entity):equals(p), Vector2.new(13.44, 5.76):point(tile):equals(p),
  p:position(tile):equals(p:position()), p:equals(Vector2i.new(42, 19)), p:equals("42,18"),
  Vector2.new(1.5, 2):equals(Vector2.new(1.5, 2)), pcall(p.position, p, "big")
"""
    results = (await run_lua(fleet, source)).ok
    assert [round(v, 6) for v in results[:2]] == [13.52, 5.76]
    assert results[2:] == [
        True,
        True,
        True,
        False,
        False,
        True,
        False,
        "Vector2i:position: size must be a positive number or a Vector2, got string",
    ]


async def test_another_bot_mid_walk_keeps_its_world_live(fleet, miner):
    """Reads of a second bot's world while that bot mines."""
    await bot_in(fleet, "MINEWORLD", "bot-2")
    source = """
local other = getClient("bot-2")
local w = other:world()
assert(other:setPoint(Vector2i.new(61, 15)) == nil)
local stone = Vector2i.new(62, 15)
while w:tile(stone).foreground == 3 do assert(other:hit(stone) == nil) end
return w:tile(stone).foreground, getClient():world():tile(stone).foreground
"""
    assert (await run_lua(fleet, source)).ok == [0, 0]


async def test_the_worlds_a_script_remembers_are_bounded(fleet, miner, monkeypatch):
    """A script warping through ever new worlds keeps the layers of the last few and the names
    of a bounded number more; a World of a remembered name reads live again on return."""
    monkeypatch.setattr(views, "LEFT_WORLDS_KEPT", 1)
    monkeypatch.setattr(views, "NAMES_KEPT", 2)
    source = """
local c = getClient()
local mine = c:world()
local function hop(name) assert(c:warp(name) == nil) return c:world() end
local a = hop("HOPA")
local b = hop("HOPB")      -- MINEWORLD's layers are dropped, its name kept
local back = hop("MINEWORLD")
local live = mine:tile(Vector2i.new(62, 15)).foreground
hop("HOPC") hop("HOPD") hop("HOPE") hop("HOPF")  -- HOPA's name is forgotten too
local ok, err = pcall(a.size, a)
return live, back.name, ok, err
"""
    live, back, ok, err = (await run_lua(fleet, source, timeout_s=60)).ok
    assert (live, back, ok) == (STONE, "MINEWORLD", False)
    assert err.endswith("size: the bot left this world long ago; call client:world() for the world it is in")
