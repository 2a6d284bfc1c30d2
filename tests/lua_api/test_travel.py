"""Getting around from Lua, as detached scripts over a LocalFleet and the real sim: lobby hosts
(``setSubserver``), special and entry warps, ``warpRandom``, the instanced ``nether`` and
``mines``, ``enterPortal``, ``recentWorlds`` rows and ``WorldCount``, exact positions
(``setPosition``, ``movePosition``), ``planPath`` and ``tile:item()``. Each call also meets
bad input (an error naming the call) and a game-level failure (an ``Errors.*`` code)."""

from __future__ import annotations

from seraph_kernel.sim.instances import instance_name
from seraph_kernel.sim.worldgen import generate

from .conftest import SEED, bot_in, run_lua


def portals(world: str) -> dict[str, tuple[int, int]]:
    """The portal tiles of a generated world, by entry."""
    return {i.entry: (i.x, i.y) for i in generate(SEED, world).items if i.kind == "portal"}


async def test_set_subserver_picks_the_lobby_of_the_next_connect(fleet, sim_server):
    await fleet.create_bot("bot-1")
    source = """
local c = getClient()
local unknown = c:setSubserver("lobby-mars.sim")
local chosen = c:setSubserver("lobby-us.sim")
assert(c:connect() == nil)
local host = c:snapshot().current_host
local live = c:setSubserver("lobby-eu.sim")  -- a no-op while connected
c:disconnect()
assert(c:connect() == nil)
local again = c:snapshot().current_host
assert(c:warp("MINEWORLD") == nil)
return unknown, chosen, host, live, again, c:snapshot().current_host
"""
    results = (await run_lua(fleet, source)).ok
    assert results == ["OTHER", None, "lobby-us.sim", None, "lobby-us.sim", sim_server.host_of("MINEWORLD")]
    out = await run_lua(fleet, "getClient():setSubserver(42)")
    assert out.error == "executor:1: setSubserver: expected string name, got number"


async def test_special_warps_enter_the_bots_own_instance_and_entries_their_portal(fleet, bot):
    user_id = (await fleet.get_bot(bot))["user_id"]
    source = """
local c = getClient()
local a = c:warp("NETHER", true)
local nether = c:world().name
local b = c:warp("MINES-3", true)
local mines = c:world().name
local c1 = c:warp("MINEWORLD:hub")
local at = c:point()
return a, nether, b, mines, c1, c:world().name, at.x, at.y,
       c:warp("PIXELSTATION", true), c:warp("MINEWORLD:NOWHERE"), c:warp("MINES-9", true)
"""
    hub = portals("MINEWORLD")["HUB"]
    assert (await run_lua(fleet, source)).ok == [
        None,
        instance_name("NETHER", 0, user_id),
        None,
        instance_name("MINES", 3, user_id),
        None,
        "MINEWORLD",
        *hub,
        "INVALID_WORLD",
        "INVALID_WORLD",
        "INVALID_WORLD",
    ]
    out = await run_lua(fleet, 'getClient():warp("NETHER", "yes")')
    assert out.error == "executor:1: warp: expected boolean special, got string"


async def test_nether_and_mines_give_each_bot_its_own_seeded_instance(fleet, bot):
    await bot_in(fleet, None, "bot-2")
    source = """
local c = getClient()
assert(c:nether(2) == nil)
local first, size = c:world().name, #c:world():findTiles(3)
assert(c:warp("PIXELSTATION") == nil)
assert(c:nether(2) == nil)
local again, size2 = c:world().name, #c:world():findTiles(3)
assert(c:mines(4) == nil)
return first, again, size == size2, c:world().name, c:status()
"""
    first, again, same, mines, status = (await run_lua(fleet, source)).ok
    assert first == again and first.startswith("NETHER-2-") and same
    assert mines.startswith("MINES-4-") and status == "IN_WORLD"
    other = (
        await run_lua(fleet, "assert(getClient():nether(2) == nil) return getClient():world().name", "bot-2")
    ).ok
    assert other[0].startswith("NETHER-2-") and other[0] != first
    out = await run_lua(fleet, "getClient():nether(5)")
    assert out.error == "executor:1: nether: level: must be at most 4, got 5"
    out = await run_lua(fleet, 'getClient():mines("deep")')
    assert out.error == "executor:1: mines: expected integer level, got string"
    await fleet.disconnect(bot)
    assert (await run_lua(fleet, "return getClient():nether(0), getClient():mines(1)")).ok == [
        "NOT_CONNECTED",
        "NOT_CONNECTED",
    ]


async def test_warp_random_lands_in_the_world_it_names_or_answers_nil(fleet, bot):
    source = """
local c = getClient()
local name = c:warpRandom()
return name, c:world().name, c:status()
"""
    name, world, status = (await run_lua(fleet, source)).ok
    assert name == world and status == "IN_WORLD"
    await fleet.disconnect(bot)
    assert (await run_lua(fleet, "return getClient():warpRandom() == nil")).ok == [True]


async def test_enter_portal_moves_within_the_world_or_into_another(fleet, bot):
    walk = portals("LUAWALK")
    source = """
local c = getClient()
assert(c:warp("LUAWALK") == nil)
local w = c:world()
local a
for _, p in ipairs(w:findTiles(25)) do
  if w:tile(p):item().entry == "A" then a = p end
end
local within = c:enterPortal(a)
local at = c:point()
assert(c:mines(0) == nil)
local across = c:enterPortal(c:world():findTiles(25)[1])
return within, at.x, at.y, across, c:world().name, c:point().x
"""
    hub_mines = portals("PIXELSTATION")["MINES"]
    assert (await run_lua(fleet, source)).ok == [None, *walk["B"], None, "PIXELSTATION", hub_mines[0]]
    out = await run_lua(fleet, "getClient():enterPortal(getWorld():entrance())")
    assert out.error == "executor:1: enterPortal: point: no portal at (50,30)"
    out = await run_lua(fleet, 'getClient():enterPortal("here")')
    assert out.error == "executor:1: enterPortal: expected Vector2i, got string"
    await fleet.leave(bot)
    assert (await run_lua(fleet, "return getClient():enterPortal(Vector2i.new(3, 3))")).ok == ["NOT_IN_WORLD"]


async def test_recent_worlds_rows_and_world_count(fleet, bot, sim_server):
    source = """
local c = getClient()
assert(c:mines(1) == nil)
assert(c:warp("PIXELSTATION") == nil)
local rows = c:recentWorlds()
local out = {}
for i, row in ipairs(rows) do out[i] = {row.name, row.id, row.count} end
return out, WorldCount.UNKNOWN, WorldCount.FULL
"""
    rows, unknown, full = (await run_lua(fleet, source)).ok
    assert (unknown, full) == (-1, -2)
    assert rows[0] == ["PIXELSTATION", "PIXELSTATION", 1]
    assert rows[1][0].startswith("MINES-1-") and rows[1][2] == unknown  # unloaded once left
    sim_server.admin.set_world_cap("PIXELSTATION", 1)
    source = "return getClient():recentWorlds()[1].count == WorldCount.FULL"
    assert (await run_lua(fleet, source)).ok == [True]


async def test_set_position_and_move_position_reach_sub_tile_positions(fleet, bot):
    source = """
local c = getClient()
assert(c:warp("LUAWALK") == nil)
local spawn = c:point()
local target = Vector2.new(spawn.x * 0.32 + 0.1, spawn.y * 0.32 + 0.05)
local e1 = c:setPosition(target)
local p1, t1 = c:position(), c:point()
local e2 = c:movePosition(Vector2.new(0.16, 0))
local p2 = c:position()
local e3 = c:setPosition(Vector2.new((spawn.x + 3) * 0.32, spawn.y * 0.32))
local t3 = c:point()
local e4 = c:setPosition(Vector2.new(2 * 0.32, 2 * 0.32), true)
local t4 = c:point()
local e5 = c:setPosition(Vector2.new((spawn.x + 1) * 0.32, spawn.y * 0.32), true)
local t5 = c:point()
local huge = {c:setPosition(Vector2.new(1e308, 0)), c:movePosition(Vector2.new(-1e308, 0)), c:point().x}
return e1, p1.x, p1.y, t1.x, t1.y, e2, p2.x, e3, t3.x, e4, t4.x, e5, t5.x, spawn.x, huge
"""
    e1, p1x, p1y, t1x, t1y, e2, p2x, e3, t3x, e4, t4x, e5, t5x, sx, huge = (await run_lua(fleet, source)).ok
    assert (e1, round(p1x, 4), round(p1y, 4), t1x, t1y) == (None, round(sx * 0.32 + 0.1, 4), 11.25, sx, 35)
    assert (e2, round(p2x, 4)) == (None, round(sx * 0.32 + 0.26, 4))
    assert (e3, t3x) == (None, sx + 3)  # walked there
    assert (e4, t4x) == ("OTHER", sx + 3)  # a teleport the server refused: snapped back
    assert (e5, t5x) == (None, sx + 1)
    assert huge == ["OTHER", "OTHER", sx + 1]  # far outside the world: refused, the bot stays
    out = await run_lua(fleet, 'getClient():setPosition("there")')
    assert out.error == "executor:1: setPosition: expected Vector2, got string"
    out = await run_lua(fleet, "getClient():setPosition(Vector2.new(1, 1), 1)")
    assert out.error == "executor:1: setPosition: expected boolean teleport, got number"
    out = await run_lua(fleet, "getClient():movePosition(1)")
    assert out.error == "executor:1: movePosition: expected Vector2 delta, got number"
    await fleet.leave(bot)
    source = (
        "return getClient():setPosition(Vector2.new(1, 1)), getClient():movePosition(Vector2.new(0.1, 0))"
    )
    assert (await run_lua(fleet, source)).ok == ["NOT_IN_WORLD", "NOT_IN_WORLD"]


async def test_plan_path_routes_between_any_two_tiles_without_walking(fleet, bot):
    source = """
local c = getClient()
assert(c:warp("LUAWALK") == nil)
local here = c:point()
local from, to = here + Vector2i.new(1, 0), here + Vector2i.new(3, 0)
local path = c:planPath(from, to)
local blocked = c:planPath(from, Vector2i.new(0, 0))
return #path, path[#path].x, path[#path].y, #blocked, c:point() == here
"""
    n, x, y, blocked, stayed = (await run_lua(fleet, source)).ok
    assert (n, blocked, stayed) == (2, 0, True) and (x, y) == (66 + 3, 35)
    out = await run_lua(fleet, "getClient():planPath(Vector2i.new(1, 1))")
    assert out.error == "executor:1: planPath: expected Vector2i to, got nil"
    await fleet.leave(bot)
    source = "return #getClient():planPath(Vector2i.new(1, 1), Vector2i.new(2, 1))"
    assert (await run_lua(fleet, source)).ok == [0]


async def test_tile_item_describes_doors_signs_chests_and_portals(fleet, bot):
    items = generate(SEED, "LUAWALK").items
    sign = next(i for i in items if i.kind == "sign")
    source = f"""
local c = getClient()
assert(c:warp("LUAWALK") == nil)
local w = c:world()
local spawn = w:tile(w:entrance()):item()
local sign = w:tile(Vector2i.new({sign.x}, {sign.y})):item()
local air = w:tile(w:entrance() + Vector2i.new(0, 1)):item()
local portal
for _, p in ipairs(w:findTiles(25)) do
  local item = w:tile(p):item()
  if item.entry == "A" then portal = item end
end
local chests = 0
for _, t in ipairs(w:tiles()) do
  if t.foreground == 16 and t:item().kind == "chest" then chests = chests + 1 end
end
assert(c:warp("PIXELSTATION") == nil)
local old = w:tile(w:entrance()):item()
return spawn.kind, spawn.blockType, sign.kind, sign.text, air == nil, portal.kind, portal.blockType,
       portal.entry, portal.target, portal.targetEntry, chests, old == nil
"""
    chests = sum(i.kind == "chest" for i in items)
    assert (await run_lua(fleet, source)).ok == [
        "entrance",
        13,
        "sign",
        sign.text,
        True,
        "portal",
        25,
        "A",
        None,
        "B",
        chests,
        True,
    ]
    out = await run_lua(
        fleet, "local t = getWorld():tile(Vector2i.new(1, 1)) t.point = 'x' local i = t:item()"
    )
    assert out.error == "executor:1: item: the tile's point is no Vector2i but string"
    out = await run_lua(fleet, "local t = getWorld():tile(Vector2i.new(1, 1)) local i = t.item({})")
    assert out.error == "executor:1: item: expected a tile, got table (call it as tile:item())"
