"""Moving between worlds and talking: ``warp`` (with its errors and redirects), ``leave``,
``recentWorlds``, ``activeWorlds``, ``worldInfo``, ``enterTutorial``, ``say``."""

from waiting import next_event

from .conftest import bot_in, run_lua


async def test_warp_joins_a_world_and_follows_redirects_between_hosts(fleet, bot, sim_server):
    worlds = ["MINEWORLD", "PIXELSTATION", "LUAWARP", "LUAWARP-2", "LUAWARP-3"]
    hosts = {sim_server.host_of(name) for name in worlds}
    assert len(hosts) == 2, "the test needs worlds on both hosts"
    source = f"""
local c, seen = getClient(), {{}}
for _, name in ipairs({{"{'", "'.join(worlds)}"}}) do
  local err = c:warp(name)
  seen[#seen + 1] = {{err == nil, c:status(), c:world().name, c:snapshot().current_host}}
end
return seen
"""
    seen = (await run_lua(fleet, source)).ok[0]
    assert seen == [[True, "IN_WORLD", name, sim_server.host_of(name)] for name in worlds]


async def test_warp_returns_error_codes_without_raising(fleet, bot, sim_server):
    sim_server.admin.set_world_cap("CROWDED", 0)
    source = """
local c = getClient()
return c:warp("bad name!"), c:warp("NOTFOUNDWORLD"), c:warp("CROWDED"), c:status()
"""
    expected = ["INVALID_WORLD", "WORLD_NOT_FOUND", "WORLD_FULL", "MENU_READY"]
    assert (await run_lua(fleet, source)).ok == expected
    assert (await run_lua(fleet, "return Errors.WORLD_FULL, Errors.INVALID_WORLD")).ok == [
        "WORLD_FULL",
        "INVALID_WORLD",
    ]


async def test_warp_misuse_and_not_connected(fleet):
    await fleet.create_bot("bot-1")
    assert (await run_lua(fleet, 'return getClient():warp("MINEWORLD")')).ok == ["NOT_CONNECTED"]
    out = await run_lua(fleet, "local err = getClient():warp(42)")
    assert out.error == "executor:1: warp: expected string world name, got number"


async def test_leave_goes_back_to_the_menu(fleet, miner):
    source = """
local c = getClient()
local err = c:leave()
return err, c:status(), c:world() == nil, c:leave()
"""
    assert (await run_lua(fleet, source)).ok == [None, "MENU_READY", True, "NOT_IN_WORLD"]
    assert (await fleet.get_bot(miner))["current_world"] is None


async def test_recent_active_worlds_and_world_info(fleet, bot):
    await bot_in(fleet, "LUAINFO", "bot-2")
    source = """
local c = getClient()
c:warp("MINEWORLD")
c:warp("PIXELSTATION")
local recent, active = c:recentWorlds(), c:activeWorlds(2000)
local info = c:worldInfo("LUAINFO")
local names = {}
for i, row in ipairs(recent) do names[i] = row.name end
local counts = {}
for _, row in ipairs(active) do counts[row.name] = row.count end
return names, counts, info.name, info.player_count, type(info.flags)
"""
    names, counts, *info = (await run_lua(fleet, source)).ok
    assert names[:2] == ["PIXELSTATION", "MINEWORLD"]
    assert counts == {"LUAINFO": 1, "PIXELSTATION": 1}
    assert info == ["LUAINFO", 1, "table"]


async def test_world_queries_check_their_arguments(fleet, bot):
    out = await run_lua(fleet, "local rows = getClient():recentWorlds(-5)")
    assert out.error == "executor:1: recentWorlds: timeoutMs must be positive, got -5"
    out = await run_lua(fleet, "local info = getClient():worldInfo()")
    assert out.error == "executor:1: worldInfo: expected string world name, got nil"


async def test_enter_tutorial_runs_the_flow_to_the_hub(fleet, bot):
    source = """
local c = getClient()
local err = c:enterTutorial()
return err, c:world().name, c:snapshot().tutorial_state, TutorialState.COMPLETED
"""
    err, world, state, completed = (await run_lua(fleet, source)).ok
    assert (err, world) == (None, "PIXELSTATION")
    assert state == completed == 3


async def test_say_sends_world_chat_other_bots_hear(fleet, bot):
    await bot_in(fleet, "LUACHAT", "bot-2")
    await fleet.warp(bot, "LUACHAT", wait=True)
    subscription = fleet.subscribe("bot-2")
    try:
        assert (await run_lua(fleet, 'return getClient():say("hello miners") == nil')).ok == [True]
        heard = await next_event(subscription, lambda e: e.data.get("type") == "chat")
    finally:
        subscription.close()
    assert heard.data["text"] == "hello miners"
    out = await run_lua(fleet, "local err = getClient():say({})")
    assert out.error == "executor:1: say: expected string text, got table"
