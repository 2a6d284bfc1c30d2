"""Seraph's ``client:connected()``: true only in MENU_READY or IN_WORLD, false while the bot is
between the two (joining, loading, awaiting ready, redirecting); and ``findPath`` answers false
without a start tile (in the menu, mid-warp).

To hold a bot in the middle of a join, the test stalls the sim host's side of the bot's
connection (the server stops reading it, as a busy server would): the bot's ``join`` waits
unanswered in ``JOINING_WORLD`` until the host reads again."""

from waiting import wait_for

from .conftest import run_lua

READ = "local c = getClient()\nreturn c:status(), c:connected(), c:findPath(c:point() or Vector2i.new(1, 1))"


async def test_connected_is_false_while_the_bot_is_mid_warp(fleet, sim_server, bot):
    assert (await run_lua(fleet, READ)).ok == ["MENU_READY", True, False]
    username = (await fleet.get_bot(bot))["username"]
    transport = sim_server.sessions[username].writer.transport
    transport.pause_reading()
    try:
        assert await fleet.warp(bot, "HOPWORLD", wait=False) is None

        async def joining() -> bool:
            return (await fleet.get_bot(bot))["status"] == "joining_world"

        await wait_for(joining, what="the warp to start")
        # mid-warp: not connected() in Seraph's sense, and no start tile for findPath
        assert (await run_lua(fleet, READ)).ok == ["JOINING_WORLD", False, False]
    finally:
        transport.resume_reading()

    async def arrived() -> bool:
        return (await fleet.get_bot(bot))["status"] == "in_world"

    await wait_for(arrived, what="the warp to end")
    assert (await run_lua(fleet, READ)).ok == ["IN_WORLD", True, True]
