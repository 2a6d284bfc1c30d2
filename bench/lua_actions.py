"""The Lua bot API's overhead: the same operation from Lua and directly in Python, same run.

- ``client:movePoint`` from a detached script vs ``await fleet.move(...)`` on the LocalFleet
  (one step right, one step left, ... against a sim server pacing moves at 1 ms, so the round
  trip dominates rather than the pace). Target: Lua ≤ 1.2× Python.
- ``world:tile`` from Lua vs reading the four layers of the fleet's ``WorldView`` in Python.
  Target: ≤ 20 µs per read from Lua.
- ``world:findTiles`` on a 1000×1000 world (``HUGE…``) vs the Python scan it wraps.
  Target: ≤ 20 ms.
- ``stop`` of a script in the middle of ``client:setPoint``: time until the run has ended and
  until the bot's last position echo. Target: ≤ 100 ms.

Lua timings use ``now()`` (wall-clock ms) around a batch. Figures are medians over batches.
Run: ``python bench/lua_actions.py [--batches 7]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from seraph_kernel.config import FleetConfig
from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.lua_api.client.views import find_indices
from seraph_kernel.sim.server import SimWorldServer

SEED = 42
MOVES_PER_BATCH = 100
TILES_PER_BATCH = 20_000
FIND_REPEAT = 5
SPOTS = ((0, 0), (58, 15), (24, 1), (37, 42), (99, 59))


async def run_script(fleet: LocalFleet, bot: str, source: str) -> list[Any]:
    """Run a detached script to its end; its returned values."""
    script_id = f"bench-{time.monotonic_ns()}"
    await fleet.execute(bot, script_id, source)
    while (status := await fleet.status(bot, script_id))["running"]:
        await asyncio.sleep(0.005)
    if status["state"] != "COMPLETE":
        raise RuntimeError(f"bench script failed: {status['last_error']}")
    return status["results"]


async def bench_moves(fleet: LocalFleet, bot: str, batches: int) -> tuple[float, float]:
    """Median ms per step: from Lua, then from Python."""
    lua = f"""
local c, right, left = getClient(), Vector2i.new(1, 0), Vector2i.new(-1, 0)
local started = now()
for i = 1, {MOVES_PER_BATCH} do
  local err = c:movePoint(i % 2 == 1 and right or left)
  if err then error("movePoint: " .. err) end
end
return now() - started
"""
    lua_ms, py_ms = [], []
    for _ in range(batches):
        (elapsed,) = await run_script(fleet, bot, lua)
        lua_ms.append(elapsed / MOVES_PER_BATCH)
        started = time.perf_counter()
        for i in range(MOVES_PER_BATCH):
            err = await fleet.move(bot, 1 if i % 2 == 0 else -1, 0)
            assert err is None, err
        py_ms.append((time.perf_counter() - started) * 1000 / MOVES_PER_BATCH)
    return statistics.median(lua_ms), statistics.median(py_ms)


async def bench_tiles(fleet: LocalFleet, bot: str, batches: int) -> tuple[float, float]:
    """Median µs per tile read: from Lua, then from Python on the WorldView."""
    points = ", ".join(f"Vector2i.new({x}, {y})" for x, y in SPOTS)
    lua = f"""
local w, points, sum = getWorld(), {{{points}}}, 0
local started = now()
for i = 1, {TILES_PER_BATCH} do
  local t = w:tile(points[i % {len(SPOTS)} + 1])
  sum = sum + t.foreground
end
return (now() - started) * 1000 / {TILES_PER_BATCH}, sum
"""
    lua_us, py_us = [], []
    view = await fleet.world(bot)
    for _ in range(batches):
        per_read, _ = await run_script(fleet, bot, lua)
        lua_us.append(per_read)
        started = time.perf_counter()
        total = 0
        for i in range(TILES_PER_BATCH):
            x, y = SPOTS[i % len(SPOTS)]
            at = y * view.width + x
            tile = (view.foreground[at], view.background[at], view.water[at], view.wiring[at])
            total += tile[0]
        py_us.append((time.perf_counter() - started) * 1e6 / TILES_PER_BATCH)
    return statistics.median(lua_us), statistics.median(py_us)


async def bench_find_tiles(fleet: LocalFleet, bot: str, batches: int) -> tuple[float, float, int, int]:
    """Median ms of findTiles on the HUGE world from Lua, of the Python scan, matches, size."""
    assert await fleet.warp(bot, "HUGEBENCH", wait=True) is None
    view = await fleet.world(bot)
    counts: dict[int, int] = {}
    for block in set(view.foreground):
        counts[block] = view.foreground.count(block)
    block = min((b for b in counts if b and counts[b] >= 1000), key=lambda b: counts[b])
    lua = f"""
local w, found = getWorld()
local started = now()
for i = 1, {FIND_REPEAT} do found = w:findTiles({block}) end
return (now() - started) / {FIND_REPEAT}, #found
"""
    lua_ms, py_ms = [], []
    for _ in range(batches):
        elapsed, found = await run_script(fleet, bot, lua)
        lua_ms.append(elapsed)
        started = time.perf_counter()
        find_indices(view.foreground, block)
        py_ms.append((time.perf_counter() - started) * 1000)
    return statistics.median(lua_ms), statistics.median(py_ms), found, view.width * view.height


async def bench_stop(fleet: LocalFleet, bot: str, batches: int) -> tuple[float, float]:
    """Medians, in ms from calling ``stop`` on a script waiting in ``setPoint``: until the run
    has ended, and until the bot's last position echo (the walk has really stopped)."""
    assert await fleet.warp(bot, "LUAWALK", wait=True) is None
    ended_ms, still_ms = [], []
    for i in range(batches):
        script_id = f"walk-{i}"
        target = "Vector2i.new(66, 50)" if i % 2 == 0 else "Vector2i.new(66, 35)"
        subscription = fleet.subscribe(bot)
        moves: list[float] = []

        async def record(subscription: Any = subscription, moves: list[float] = moves) -> None:
            async for event in subscription:
                if event.kind == "bot" and event.data.get("type") == "position":
                    moves.append(time.perf_counter())

        recorder = asyncio.ensure_future(record())
        await fleet.execute(bot, script_id, f"return getClient():setPoint({target})")
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        await fleet.stop(bot, script_id)
        while (await fleet.status(bot, script_id))["running"]:
            await asyncio.sleep(0.001)
        ended_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.2)
        subscription.close()
        await recorder
        assert moves, "the bot did not walk before the stop"
        still_ms.append(max(0.0, (moves[-1] - started) * 1000))
    return statistics.median(ended_ms), statistics.median(still_ms)


async def main(batches: int) -> None:
    server = SimWorldServer(seed=SEED, host="127.0.0.1", move_interval_ms=1)
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = FleetConfig(sim_address=server.address, db_path=Path(tmp) / "bench.sqlite", seed=SEED)
        fleet = LocalFleet(config)
        await fleet.start()
        try:
            bot = (await fleet.create_bot())["id"]
            assert await fleet.connect(bot, wait=True) is None
            assert await fleet.warp(bot, "LUAWALK", wait=True) is None
            lua_move, py_move = await bench_moves(fleet, bot, batches)
            assert await fleet.warp(bot, "MINEWORLD", wait=True) is None
            lua_tile, py_tile = await bench_tiles(fleet, bot, batches)
            lua_find, py_find, found, size = await bench_find_tiles(fleet, bot, batches)
            stop_ms, still_ms = await bench_stop(fleet, bot, batches)
        finally:
            await fleet.close()
            await server.stop()
    print(
        f"client:movePoint   Lua {lua_move:8.3f} ms/step   Python fleet.move {py_move:8.3f} ms/step   "
        f"ratio {lua_move / py_move:5.2f}x   (target <= 1.2x)"
    )
    print(
        f"world:tile         Lua {lua_tile:8.2f} us/read   Python WorldView  {py_tile:8.2f} us/read   "
        f"ratio {lua_tile / py_tile:5.1f}x   (target <= 20 us)"
    )
    print(
        f"world:findTiles    Lua {lua_find:8.2f} ms        Python scan       {py_find:8.2f} ms        "
        f"ratio {lua_find / py_find:5.2f}x   ({found} of {size} tiles; target <= 20 ms)"
    )
    print(
        f"stop mid-setPoint  {stop_ms:8.2f} ms until the run ended, {still_ms:6.2f} ms until the last step "
        "(target <= 100 ms)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=7)
    asyncio.run(main(parser.parse_args().batches))
