"""Getting around from a notebook cell's VM through a RemoteFleet (``/invoke`` of a real
Jupyter server whose LocalFleet plays on the sim): instances, entry warps, portals, world
items, exact positions, planned routes and recent-world rows."""

from __future__ import annotations

from seraph_kernel.sim.worldgen import generate

from .conftest import SEED
from .test_remote_fleet import remote, run_cell  # noqa: F401 (fixtures)


async def test_travel_calls_over_rest(remote, run_cell):  # noqa: F811 (fixtures)
    await remote.create_bot("bot-1")
    source = """
local c = getClient()
assert(c:setSubserver("lobby-eu.sim") == nil)
assert(c:connect() == nil)
local host = c:snapshot().current_host
assert(c:mines(2) == nil)
local instance = c:world().name
local exit
for _, p in ipairs(c:world():findTiles(25)) do exit = p end
local item = c:world():tile(exit):item()
assert(c:enterPortal(exit) == nil)
local hub = c:world().name
assert(c:warp("LUAWALK:B") == nil)
local at = c:point()
local e1 = c:setPosition(Vector2.new(at.x * 0.32 + 0.16, at.y * 0.32))
local pos = c:position()
local path = c:planPath(at, at + Vector2i.new(1, 0))
local rows = c:recentWorlds()
local ok, err = pcall(c.nether, c, 7)
return host, instance, item.kind, item.target, hub, at.x, at.y, e1, pos.x, #path,
       rows[1].id, rows[3].count == WorldCount.UNKNOWN, c:warp("NETHER", true), ok, err
"""
    b = next(i for i in generate(SEED, "LUAWALK").items if i.entry == "B")
    results = await run_cell(source)
    assert results[0] == "lobby-eu.sim"
    assert results[1].startswith("MINES-2-")
    assert results[2:8] == ["portal", "PIXELSTATION", "PIXELSTATION", b.x, b.y, None]
    assert round(results[8], 4) == round(b.x * 0.32 + 0.16, 4)
    assert results[9:14] == [1, "LUAWALK", True, None, False]
    assert "nether: level: must be at most 4, got 7" in results[14]
