"""Worlds named ``FULL…`` are always full: any client can reproduce ``WORLD_FULL``."""

from seraph_kernel.backends.sim import SimBackend


async def test_full_prefix_world_refuses_every_join(sim_server):
    backend = SimBackend(address=sim_server.address)
    events = []
    bot = backend.create_bot("bot-1", "PFULL1", {}, lambda kind, data: events.append((kind, data)))
    try:
        assert await bot.connect(wait=True) is None
        assert await bot.warp("FULLHOUSE", wait=True) == "WORLD_FULL"
        assert bot.snapshot(full=False)["current_world"] is None
        assert await bot.warp("MINEWORLD", wait=True) is None
    finally:
        await bot.disconnect()
