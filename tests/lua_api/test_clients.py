"""``getClient``, ``getClients``, the client fields and its state reads, connect/disconnect,
against the real sim server through detached scripts."""

from waiting import wait_for

from seraph_kernel.engine.engine import LuaEngine

from .conftest import KernelServices, bot_in, run_lua


async def test_get_client_is_the_bound_bot_with_its_fields(fleet, bot):
    snapshot = await fleet.get_bot(bot)
    results = (await run_lua(fleet, "local c = getClient()\nreturn c.id, c.username, tostring(c)")).ok
    assert results == [bot, snapshot["username"], f"Client({bot})"]


async def test_get_client_by_id_and_unknown_ids(fleet, bot):
    await fleet.create_bot("bot-2", username="Second")
    results = (await run_lua(fleet, 'return getClient("bot-2").username, getClient("bot-99") == nil')).ok
    assert results == ["Second", True]
    out = await run_lua(fleet, "local c = getClient(42)")
    assert out.state == "FAILED"
    assert out.error == "executor:1: getClient: expected string id, got number"


async def test_get_clients_lists_every_bot_in_id_order(fleet, bot):
    await fleet.create_bot("bot-10")
    await fleet.create_bot("bot-2")
    source = "local ids = {}\nfor i, c in ipairs(getClients()) do ids[i] = c.id end\nreturn ids"
    assert (await run_lua(fleet, source)).ok == [["bot-1", "bot-2", "bot-10"]]


async def test_the_client_id_cannot_be_retargeted_and_methods_need_a_colon(fleet, bot):
    await fleet.create_bot("bot-2")
    source = 'local c = getClient()\nc.id = "bot-2"\nreturn c:status(), getClient("bot-2"):status()'
    assert (await run_lua(fleet, source)).ok == ["MENU_READY", "DISCONNECTED"]
    out = await run_lua(fleet, "local c = getClient()\nlocal s = c.status()")
    assert out.error == "executor:2: status: expected a client, got nil (call it as client:status(...))"


async def test_point_and_position_follow_the_snapshot(fleet, miner):
    position = (await fleet.get_bot(miner))["player_position"]
    source = "local c = getClient()\nlocal p, w = c:point(), c:position()\nreturn p.x, p.y, w.x, w.y"
    results = (await run_lua(fleet, source)).ok
    assert results == [position["map_x"], position["map_y"], position["world_x"], position["world_y"]]
    assert results[2] == round(results[0] * 0.32, 4)


async def test_point_and_position_are_nil_outside_a_world(fleet, bot):
    assert (await run_lua(fleet, "return getClient():point() == nil, getClient():position() == nil")).ok == [
        True,
        True,
    ]


async def test_snapshot_has_the_fields_of_the_full_rest_snapshot(fleet, miner):
    source = """
local s = getClient():snapshot()
return s.id, s.status, s.current_world, s.world.world_name, #s.inventory
"""
    expected = await fleet.get_bot(miner)
    assert (await run_lua(fleet, source)).ok == [
        miner,
        "in_world",
        "MINEWORLD",
        "MINEWORLD",
        len(expected["inventory"]),
    ]
    keys_source = "local ks = {}\nfor k in pairs(getClient():snapshot()) do ks[#ks + 1] = k end\nreturn ks"
    keys = (await run_lua(fleet, keys_source)).ok
    assert set(keys[0]) == {key for key, value in expected.items() if value is not None}
    nulls = "local s = getClient():snapshot()\nreturn s.pending_world == nil, s.last_error == nil"
    assert (await run_lua(fleet, nulls)).ok == [True, True]


async def test_status_reads_are_upper_case_status_values(fleet, bot):
    source = """
local c = getClient()
return c:status(), c:status() == Status.MENU_READY, c:connected(), c:isAlive(), c:lastError()
"""
    assert (await run_lua(fleet, source)).ok == ["MENU_READY", True, True, True, None]


async def test_ping_is_a_round_trip_time_once_connected(fleet, bot):
    async def measured():
        return (await fleet.get_bot(bot))["ping_ms"] is not None

    await wait_for(measured, what="a first ping")
    results = (await run_lua(fleet, "local p = getClient():ping()\nreturn math.type(p), p >= 0")).ok
    assert results == ["integer", True]
    await fleet.create_bot("bot-2")
    assert (await run_lua(fleet, 'return getClient("bot-2"):ping() == nil')).ok == [True]


async def test_last_error_reports_the_last_failure(fleet, bot):
    source = """
local c = getClient()
local before = c:lastError()
c:warp("NOTFOUNDX")
return before == nil, c:lastError()
"""
    before_is_nil, message = (await run_lua(fleet, source)).ok
    assert before_is_nil is True
    assert "NOTFOUNDX" in message


async def test_connect_waits_for_menu_ready_and_disconnect_ends_the_session(fleet):
    await fleet.create_bot("bot-1")
    source = """
local c = getClient()
local before = c:status()
local err = c:connect()
local after, connected = c:status(), c:connected()
local again = c:connect()
c:disconnect()
return before, err, after, connected, again, c:status(), c:connected(), c:isAlive()
"""
    results = (await run_lua(fleet, source)).ok
    assert results == ["DISCONNECTED", None, "MENU_READY", True, None, "DISCONNECTED", False, False]
    assert (await fleet.get_bot("bot-1"))["status"] == "disconnected"


async def test_connect_reports_a_banned_account(fleet, sim_server):
    await fleet.create_bot("bot-1", username="Outlaw")
    sim_server.admin.ban("Outlaw")
    results = (await run_lua(fleet, "local c = getClient()\nreturn c:connect(), c:status(), c:isAlive()")).ok
    assert results == ["BANNED", "BANNED", False]


async def test_connect_reports_an_account_already_connected_elsewhere(fleet, bot):
    username = (await fleet.get_bot(bot))["username"]
    await fleet.create_bot("bot-2", username=username)
    source = 'local twin = getClient("bot-2")\nreturn twin:connect(), twin:status(), twin:connected()'
    assert (await run_lua(fleet, source)).ok == ["ALREADY_CONNECTED", "ALREADY_CONNECTED", False]
    assert (await fleet.get_bot(bot))["status"] == "menu_ready"


async def test_other_bots_are_driven_by_id(fleet, bot):
    await bot_in(fleet, "MINEWORLD", "bot-2")
    source = """
local other = getClient("bot-2")
return other:status(), other:world().name, getClient():world() == nil
"""
    assert (await run_lua(fleet, source)).ok == ["IN_WORLD", "MINEWORLD", True]


async def test_without_a_bound_bot_get_client_is_nil(fleet, bot):
    """A notebook before ``%use``: getClient() is nil, the shorthands say why, and ``storage``
    is the ``__noparent__`` namespace."""
    engine = LuaEngine()
    await engine.start()
    vm = engine.new_vm(KernelServices(fleet, None))
    try:
        record = await engine.run(vm, vm.compile('return getClient() == nil, getClient("bot-1").id')).wait()
        assert (record.state, record.results) == ("COMPLETE", [True, "bot-1"])
        record = await engine.run(vm, vm.compile("local w = getWorld()")).wait()
        assert record.last_error == "executor:1: getWorld: no bot is bound to this script"
        # Seraph: storage with no bound bot is the __noparent__ namespace, not an error
        record = await engine.run(vm, vm.compile('storage:set("k", 1)\nreturn storage:get("k")')).wait()
        assert (record.state, record.results) == ("COMPLETE", [1])
        assert await fleet.storage_get("__noparent__", "k") == 1
        assert await fleet.storage_get("bot:bot-1", "k") is None
    finally:
        vm.close()
        await engine.close()
