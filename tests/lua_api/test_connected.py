"""Seraph's ``client:connected()``: true only in MENU_READY or IN_WORLD, false while the bot is
between the two (joining, loading, awaiting ready, redirecting). Worlds here are large, so a
join lasts long enough for a script to look at the bot in the middle of one."""

import pytest

from seraph_kernel.sim.server import SimWorldServer

from .conftest import FAST_PACE_MS, SEED, run_lua

BIG_WORLD = (1000, 1000)


@pytest.fixture
async def sim_server():
    """The sim at a fast pace, with worlds big enough that joining one takes a while."""
    server = SimWorldServer(seed=SEED, host="127.0.0.1", move_interval_ms=FAST_PACE_MS, world_size=BIG_WORLD)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_connected_is_false_while_the_bot_is_mid_warp(fleet, bot):
    """The script samples connected/status/connected while a warp runs in the background; a
    sample counts when both reads of ``connected()`` agree."""
    source = """
local c = getClient()
local samples, transient = {}, 0
for i = 1, 10 do
  local done = false
  task.spawn(function() c:warp("HOPWORLD" .. i) done = true end)
  while not done do
    local a, s, b = c:connected(), c:status(), c:connected()
    if a == b then samples[#samples + 1] = s .. "=" .. tostring(a) end
    if a == false and b == false and s ~= "MENU_READY" and s ~= "IN_WORLD" then transient = transient + 1 end
  end
  if transient >= 3 then break end
end
return transient, c:connected(), c:status(), samples
"""
    transient, connected, status, samples = (await run_lua(fleet, source, timeout_s=60)).ok
    assert transient >= 1, samples
    assert (connected, status) == (True, "IN_WORLD")
    assert not any(s in ("MENU_READY=false", "IN_WORLD=false") for s in samples), samples
