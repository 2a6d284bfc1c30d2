"""``client:on(event, fn)``: handlers run as coroutines of the script for ``connect``,
``disconnect``, ``status``, ``chat``, ``collectable`` and ``kicked``, and stop with it."""

import asyncio

from waiting import wait_ended

from .conftest import bot_in, run_lua

WAIT_FOR_SEEN = """
local deadline = now() + 5000
while #seen < {n} and now() < deadline do sleep(5) end
return seen
"""


async def test_status_connect_and_disconnect_handlers(fleet):
    await fleet.create_bot("bot-1")
    source = """
local c, seen = getClient(), {}
c:on("status", function(s) seen[#seen + 1] = "status " .. s end)
c:on("connect", function(x) seen[#seen + 1] = "connect " .. tostring(x) end)
c:on("disconnect", function() seen[#seen + 1] = "disconnect" end)
c:connect()
c:warp("LUAEVENTS")
c:disconnect()
""" + WAIT_FOR_SEEN.format(n=9)
    seen = (await run_lua(fleet, source)).ok[0]
    statuses = [entry for entry in seen if entry.startswith("status ")]
    assert statuses[:3] == ["status CONNECTING", "status AUTHENTICATING", "status MENU_READY"]
    assert statuses.index("status IN_WORLD") > statuses.index("status JOINING_WORLD")
    assert statuses[-1] == "status DISCONNECTED"
    assert "connect nil" in seen and "disconnect" in seen


async def test_chat_handler_gets_nick_and_text(fleet, bot):
    await fleet.warp(bot, "LUACHAT", wait=True)
    await bot_in(fleet, "LUACHAT", "bot-2")
    nick = (await fleet.get_bot("bot-2"))["username"]
    source = """
local seen = {}
getClient():on("chat", function(m) seen[#seen + 1] = m.nick .. ": " .. m.text end)
globalStorage:set("listening", true)
""" + WAIT_FOR_SEEN.format(n=1)
    await fleet.execute(bot, "chat", source)
    while await fleet.storage_get("global", "listening") is None:
        await asyncio.sleep(0.01)
    assert await fleet.say("bot-2", "gg") is None
    status = await wait_ended(fleet, bot, "chat")
    assert status["results"] == [[f"{nick}: gg"]]


async def test_collectable_handler_gets_spawned_drops(fleet, miner):
    source = """
local c, seen = getClient(), {}
c:on("collectable", function(k)
  seen[#seen + 1] = {k.id, k.blockType, k.amount, tostring(k.position:point()), k.isGem}
end)
local stone = Vector2i.new(62, 15)
c:setPoint(Vector2i.new(61, 15))
while getWorld():tile(stone).foreground ~= 0 do c:hit(stone) end
local dropped = {}
for _, k in ipairs(getWorld():collectables()) do
  if k.position:point() == stone then
    dropped[#dropped + 1] = {k.id, k.blockType, k.amount, tostring(stone), k.isGem}
  end
end
""" + WAIT_FOR_SEEN.format(n="#dropped").replace("return seen", "return seen, dropped")
    seen, dropped = (await run_lua(fleet, source)).ok
    assert dropped and sorted(seen) == sorted(dropped)


async def test_kicked_handler_gets_the_reason(fleet, miner, sim_server):
    username = (await fleet.get_bot(miner))["username"]
    source = """
local seen = {}
getClient():on("kicked", function(k) seen[#seen + 1] = k.reason end)
getClient():on("disconnect", function() seen[#seen + 1] = "disconnect" end)
globalStorage:set("listening", true)
""" + WAIT_FOR_SEEN.format(n=2)
    await fleet.execute(miner, "kick", source)
    while await fleet.storage_get("global", "listening") is None:
        await asyncio.sleep(0.01)
    assert sim_server.admin.kick(username, "no bots allowed")
    status = await wait_ended(fleet, miner, "kick")
    assert sorted(status["results"][0]) == ["disconnect", "no bots allowed"]


async def test_handlers_stop_with_the_script(fleet, bot):
    source = """
getClient():on("status", function(s) globalStorage:set("after", s) end)
"""
    assert (await run_lua(fleet, source)).state == "COMPLETE"
    await fleet.disconnect(bot)
    await asyncio.sleep(0.1)
    assert await fleet.storage_get("global", "after") is None


async def test_a_handler_error_fails_the_script(fleet, bot):
    source = """
getClient():on("status", function(s) error("handler broke on " .. s) end)
getClient():disconnect()
sleep(2000)
"""
    out = await run_lua(fleet, source)
    assert (out.state, out.error) == ("FAILED", "executor:2: handler broke on DISCONNECTED")


async def test_on_misuse_names_the_call(fleet, bot):
    out = await run_lua(fleet, 'local r = 0\ngetClient():on("explode", print)')
    assert out.error == (
        "executor:2: on: unknown event explode "
        "(expected one of connect, disconnect, status, chat, collectable, kicked)"
    )
    out = await run_lua(fleet, 'local r = 0\ngetClient():on("chat", "print")')
    assert out.error == "executor:2: on: expected function, got string"
