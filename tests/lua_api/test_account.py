"""Seraph's ``client:refresh()``: the account fields (gems, byte coins, level, xp) read from the
game server again, so changes the server did not push show (an admin grant in the sim)."""

from seraph_kernel.engine.engine import LuaEngine

from .conftest import KernelServices, run_lua

REFRESH = """
local c = getClient()
local before = c:snapshot()
local err = c:refresh()
local after = c:snapshot()
return before.gems, before.byte_coins, err, after.gems, after.byte_coins, after.experience, after.xp_level
"""


async def test_refresh_reads_what_the_server_did_not_push(fleet, sim_server, bot):
    snapshot = await fleet.get_bot(bot)
    gems, coins = snapshot["gems"], snapshot["byte_coins"]
    sim_server.admin.grant(snapshot["username"], gems=100, byte_coins=5, experience=700)
    assert (await fleet.get_bot(bot))["gems"] == gems  # nothing was pushed
    results = (await run_lua(fleet, REFRESH)).ok
    assert results == [gems, coins, None, gems + 100, coins + 5, snapshot["experience"] + 700, 2]
    assert (await fleet.get_bot(bot))["gems"] == gems + 100


async def test_refresh_without_a_session_is_not_connected(fleet):
    await fleet.create_bot("bot-1")
    assert (await run_lua(fleet, "return getClient():refresh()")).ok == ["NOT_CONNECTED"]


async def test_refresh_over_rest(remote_fleet, sim_server):
    """The same call as a notebook cell makes it through a RemoteFleet (over ``/invoke``)."""
    await remote_fleet.create_bot("bot-1")
    assert await remote_fleet.connect("bot-1", wait=True) is None
    snapshot = await remote_fleet.get_bot("bot-1")
    sim_server.admin.grant(snapshot["username"], gems=7)
    engine = LuaEngine()
    await engine.start()
    vm = engine.new_vm(KernelServices(remote_fleet, "bot-1"))
    try:
        record = await engine.run(vm, vm.compile(REFRESH)).wait()
        assert record.state == "COMPLETE", record.last_error
        assert record.results[2:4] == [None, snapshot["gems"] + 7]
    finally:
        vm.close()
        await engine.close()
