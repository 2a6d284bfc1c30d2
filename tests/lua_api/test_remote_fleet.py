"""The same bot modules over a RemoteFleet: a VM in this process (as in a kernel attached to a
Jupyter server) drives bots that live in the server's LocalFleet, through the REST API and
its event stream only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from waiting import wait_ended

from seraph_kernel.engine.engine import LuaEngine
from seraph_kernel.fleet.remote import RemoteFleet
from seraph_kernel.fleet.snapshot_reads import SnapshotReads

from .conftest import KernelServices


@pytest.fixture
def remote(remote_fleet):
    """The shared RemoteFleet fixture (tests/conftest.py)."""
    return remote_fleet


@pytest.fixture
async def run_cell(remote):
    """``await run_cell(source)``: run Lua in one long-lived VM bound to bot-1; its results."""
    engine = LuaEngine()
    await engine.start()
    vm = engine.new_vm(KernelServices(remote, "bot-1"))

    async def run(source: str) -> list[Any]:
        record = await engine.run(vm, vm.compile(source)).wait()
        assert record.state == "COMPLETE", record.last_error
        return record.results

    yield run
    vm.close()
    await engine.close()


async def test_bots_worlds_walking_and_tiles_over_rest(remote, run_cell):
    await remote.create_bot("bot-1")
    source = """
local c = getClient()
assert(c:connect() == nil)
assert(c:warp("LUAWALK") == nil)
local w = c:world()
local err = c:setPoint(Vector2i.new(69, 35))
local p = c:point()
return c.id, c:status(), w.name, w:entrance().x, #w:findTiles(2) > 0, err, p.x, p.y,
       w:tile(Vector2i.new(60, 38)).foreground
"""
    results = await run_cell(source)
    assert results == ["bot-1", "IN_WORLD", "LUAWALK", 66, True, None, 69, 35, 2]
    assert (await remote.get_bot("bot-1"))["player_position"]["map_x"] == 69


async def test_a_broken_block_shows_in_the_next_world_snapshot(remote, run_cell):
    await remote.create_bot("bot-1")
    await remote.connect("bot-1", wait=True)
    await remote.warp("bot-1", "MINEWORLD", wait=True)
    source = """
local c, stone = getClient(), Vector2i.new(62, 15)
assert(c:setPoint(Vector2i.new(61, 15)) == nil)
local before = getWorld():tile(stone).foreground
while getWorld():tile(stone).foreground == before do assert(c:hit(stone) == nil) end
return before, getWorld():tile(stone).foreground
"""
    assert await run_cell(source) == [3, 0]


async def test_storage_inventory_catalog_and_events_over_rest(remote, run_cell):
    await remote.create_bot("bot-1")
    await remote.connect("bot-1", wait=True)
    source = """
storage:set("k", {1, 2})
globalStorage:set("g", "shared")
local seen = {}
getClient():on("status", function(s) seen[#seen + 1] = s end)
getClient():warp("PIXELSTATION")
local deadline = now() + 5000
while seen[#seen] ~= "IN_WORLD" and now() < deadline do sleep(10) end
return storage:get("k"), getInventory():count(1041), getInfo(20).name, seen[#seen]
"""
    assert await run_cell(source) == [[1, 2], 1, "CopperOre", "IN_WORLD"]
    assert await remote.storage_get("bot:bot-1", "k") == [1, 2]
    assert await remote.storage_get("global", "g") == "shared"


async def test_seraph_corrections_over_rest(remote, run_cell):
    """The corrections of seraph-surface.md as a notebook cell sees them through a RemoteFleet:
    findPath's answer, connected(), ItemInfo bitmasks, inventory cells, json nulls."""
    await remote.create_bot("bot-1")
    source = """
local c = getClient()
assert(c:connect() == nil)
local before = c:findPath(Vector2i.new(69, 35))
assert(c:warp("LUAWALK") == nil)
if not c:findPath(Vector2i.new(69, 35)) then error("findPath did not launch") end
while c:pathfinding() do sleep(5) end
local info, inv = getInfo(2), c:inventory()
return before, c:point().x, c:connected(), bit32.band(info.flags, 0x2) ~= 0, info.collision,
  info.collisionName, getInfo(9999) == nil, inv.slots, inv.capacity > inv.slots,
  json.decode('{"a":null}').a == nil, c:world().id
"""
    assert await run_cell(source) == [False, 69, True, True, 0x1, "solid", True, 1, True, True, "LUAWALK"]


async def test_one_world_object_sees_the_blocks_it_breaks_over_rest(remote, run_cell):
    """A RemoteFleet's layers are a copy: a held World looks again after each hit."""
    await remote.create_bot("bot-1")
    await remote.connect("bot-1", wait=True)
    await remote.warp("bot-1", "MINEWORLD", wait=True)
    source = """
local c, w = getClient(), getWorld()
local stone, hits = Vector2i.new(62, 15), 0
assert(c:setPoint(Vector2i.new(61, 15)) == nil)
while w:tile(stone).foreground == 3 do
  assert(c:hit(stone) == nil)
  hits = hits + 1
  assert(hits < 40, "the held world never saw the block break")
end
return hits, w:tile(stone).foreground, w.id
"""
    assert await run_cell(source) == [4, 0, "MINEWORLD"]


async def test_storage_without_a_bound_bot_over_rest(remote):
    """A notebook before %use: storage is the __noparent__ namespace on the server too."""
    engine = LuaEngine()
    await engine.start()
    vm = engine.new_vm(KernelServices(remote, None))
    try:
        record = await engine.run(vm, vm.compile('storage:set("seen", true)\nreturn storage:keys()')).wait()
        assert (record.state, record.results) == ("COMPLETE", [["seen"]])
        assert await remote.storage_get("__noparent__", "seen") is True
    finally:
        vm.close()
        await engine.close()


async def test_logs_and_another_bots_console_over_rest(remote, run_cell):
    """getLogs() in a cell, and bot-2's console (its newest script's) written over /invoke."""
    await remote.create_bot("bot-1")
    await remote.create_bot("bot-2")
    await remote.execute("bot-2", "worker", 'print("working")')
    await wait_ended(remote, "bot-2", "worker", 10)
    source = """
getLogs():add("cell line")
local logs = getClient("bot-2"):logger()
logs:add("from the cell")
return getLogs().entries, getClient():logger() == getLogs(), logs.entries
"""
    assert await run_cell(source) == [["cell line"], True, ["working", "from the cell"]]
    lines = (await remote.console("bot-2", "worker"))["lines"]
    assert [line["text"] for line in lines] == ["working", "from the cell"]


async def test_a_held_world_sees_what_another_player_breaks_over_rest(remote, run_cell):
    """A RemoteFleet's layers are a copy; the bot's ``tile`` events keep it current, so a World
    sees a block another bot breaks without any action of its own."""
    for bot_id in ("bot-1", "bot-2"):
        await remote.create_bot(bot_id)
        await remote.connect(bot_id, wait=True)
        await remote.warp(bot_id, "MINEWORLD", wait=True)
    assert await run_cell("held = getWorld()\nreturn held:tile(Vector2i.new(62, 15)).foreground") == [3]
    assert await remote.walk_to("bot-2", 61, 15) is None
    for _ in range(4):
        assert await remote.hit("bot-2", 62, 15) is None
    source = """
local stone, deadline = Vector2i.new(62, 15), now() + 10000
while held:tile(stone).foreground == 3 and now() < deadline do sleep(10) end
return held:tile(stone).foreground
"""
    assert await run_cell(source) == [0]


async def test_a_loop_of_reads_is_answered_locally_and_sees_the_scripts_own_moves(remote, run_cell):
    """Reads in a loop (a search calling ``client:point()`` per tile) need no round trip each;
    the bot's own move in between is seen by the next read."""
    await remote.create_bot("bot-1")
    await remote.connect("bot-1", wait=True)
    await remote.warp("bot-1", "LUAWALK", wait=True)
    remote.snapshot_reads.ttl_s = 60.0  # only what changes may end a kept read, not the clock
    hits = remote.snapshot_reads.hits
    source = """
local c = getClient()
local before = c:point()
for i = 1, 300 do
  local p = c:point()
  assert(p.x == before.x and p.y == before.y)
end
assert(c:setPoint(Vector2i.new(69, 35)) == nil)
local after = c:point()
return before.x, after.x, after.y
"""
    start_x, x, y = await run_cell(source)
    assert start_x != 69
    assert (x, y) == (69, 35)
    assert remote.snapshot_reads.hits - hits >= 300


async def test_a_change_by_another_client_reaches_a_kept_read_through_the_event_stream(remote):
    await remote.create_bot("bot-1")
    await remote.connect("bot-1", wait=True)
    await remote.warp("bot-1", "LUAWALK", wait=True)
    remote.snapshot_reads.ttl_s = 60.0
    for _ in range(100):  # the warp's last events may still be on their way
        kept = await remote.get_bot("bot-1")
        if await remote.get_bot("bot-1") is kept:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("a second read of an unchanged bot went to the server again")
    headers = {"Authorization": f"token {remote.token}"}
    async with httpx.AsyncClient(base_url=remote.url, headers=headers, timeout=60) as other:
        walked = await other.post("api/bots/bot-1/walk_to", json={"x": 69, "y": 35})
        assert walked.status_code == 200, walked.text
    for _ in range(100):  # the walk's events reach this client's stream soon after
        position = (await remote.get_bot("bot-1"))["player_position"]
        if (position["map_x"], position["map_y"]) == (69, 35):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"a move by another client never reached the kept read: {position}")


async def test_without_an_event_stream_every_read_goes_to_the_server(remote):
    await remote.create_bot("bot-1")
    unstarted = RemoteFleet(remote.url, remote.token)  # no stream: changes would go untold
    try:
        first = await unstarted.get_bot("bot-1")
        assert await unstarted.get_bot("bot-1") is not first
        assert unstarted.snapshot_reads.hits == 0
    finally:
        await unstarted.close()


def test_a_read_in_flight_when_something_changed_is_not_kept():
    now = [0.0]
    reads = SnapshotReads(ttl_s=1.0, clock=lambda: now[0])
    started = reads.generation
    reads.forget()  # an action was sent while the read was on its way
    reads.keep("bot-1", started, {"status": "old"})
    assert reads.get("bot-1") is None
    reads.keep("bot-1", reads.generation, {"status": "new"})
    assert reads.get("bot-1") == {"status": "new"}
    now[0] = 1.5
    assert reads.get("bot-1") is None


async def test_a_read_after_the_clients_own_action_sees_what_it_changed(remote, run_cell):
    """Equipping sends no event: the action itself ends the kept read."""
    await remote.create_bot("bot-1")
    await remote.connect("bot-1", wait=True)
    await remote.warp("bot-1", "LUAWALK", wait=True)
    remote.snapshot_reads.ttl_s = 60.0
    source = """
local c = getClient()
local before = #c:snapshot().worn
assert(#c:snapshot().worn == before)
assert(c:equip(1041) == nil, c:lastError())
return before, c:snapshot().worn[1].name
"""
    assert await run_cell(source) == [0, "WeaponPickaxeBasic"]
