"""``storage`` (the bound bot's scope) and ``globalStorage``: get/set/delete/keys/clear, kept by
the fleet in its SQLite file, surviving a restart; values JSON cannot hold are refused."""

import pytest

from .conftest import run_lua


async def test_set_get_delete_keys_and_clear(fleet, bot):
    source = """
storage:set("mined", 12)
storage:set("route", {Vector2i.new(1, 2):position().x, "east", {nested = true}})
globalStorage:set("shared", "yes")
local mined, route = storage:get("mined"), storage:get("route")
local keys = storage:keys()
local deleted, again = storage:delete("mined"), storage:delete("mined")
local missing = storage:get("mined")
storage:clear()
return mined, route, keys, deleted, again, missing == nil, #storage:keys(), globalStorage:keys()
"""
    results = (await run_lua(fleet, source)).ok
    assert results == [
        12,
        [0.32, "east", {"nested": True}],
        ["mined", "route"],
        True,
        False,
        True,
        0,
        ["shared"],
    ]
    assert await fleet.storage_keys(f"bot:{bot}") == []
    assert await fleet.storage_get("global", "shared") == "yes"


async def test_storage_is_scoped_to_the_bound_bot_and_global_is_shared(fleet, bot):
    await fleet.create_bot("bot-2")
    await run_lua(fleet, 'storage:set("who", "one")\nglobalStorage:set("last", "one")', client_id="bot-1")
    results = (
        await run_lua(fleet, 'return storage:get("who") == nil, globalStorage:get("last")', client_id="bot-2")
    ).ok
    assert results == [True, "one"]
    assert await fleet.storage_get("bot:bot-1", "who") == "one"


async def test_setting_nil_deletes(fleet, bot):
    await fleet.storage_set(f"bot:{bot}", "k", 1)
    assert (await run_lua(fleet, 'storage:set("k", nil)\nreturn storage:get("k") == nil')).ok == [True]
    assert await fleet.storage_keys(f"bot:{bot}") == []


async def test_values_survive_a_restart_of_the_fleet(make_fleet):
    first = await make_fleet()
    await first.create_bot("bot-1")
    await run_lua(
        first, 'storage:set("gems", 250)\nglobalStorage:set("claims", {"3,4", "5,6"})', client_id="bot-1"
    )
    await first.close()
    second = await make_fleet()
    results = (
        await run_lua(second, 'return storage:get("gems"), globalStorage:get("claims")', client_id="bot-1")
    ).ok
    assert results == [250, ["3,4", "5,6"]]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("function() end", "cannot convert a function value"),
        ("0/0", "value is not JSON-serialisable"),
        ("{print}", "cannot convert a function value"),
        ("{1, math.huge}", "value is not JSON-serialisable"),
    ],
)
async def test_values_json_cannot_hold_raise_naming_the_call_and_store_nothing(fleet, bot, value, reason):
    out = await run_lua(fleet, f'storage:set("ok", 1)\nstorage:set("bad", {value})')
    assert out.state == "FAILED"
    assert out.error.startswith("executor:2: storage:set: ") and reason in out.error
    assert await fleet.storage_keys(f"bot:{bot}") == ["ok"]
    out = await run_lua(fleet, f'globalStorage:set("bad", {value})')
    assert out.error.startswith("executor:1: globalStorage:set: ")
    assert await fleet.storage_keys("global") == []


async def test_cyclic_tables_are_refused(fleet, bot):
    out = await run_lua(fleet, 'local t = {}\nt.self = t\nstorage:set("loop", t)')
    assert out.error.startswith("executor:3: storage:set: ")
    assert await fleet.storage_keys(f"bot:{bot}") == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("storage:get(42)", "storage:get: expected string key, got number"),
        ('storage:set("")', "storage:set: key: expected a non-empty string, got ''"),
        ("globalStorage:delete()", "globalStorage:delete: expected string key, got nil"),
        ('storage.get("k")', "storage:get: call it with ':' (storage:get(...))"),
        ("storage.x = 1", "storage: use storage:set(key, value)"),
    ],
)
async def test_storage_misuse_names_the_call(fleet, bot, call, message):
    out = await run_lua(fleet, f"local r = 1\n{call}")
    assert out.error == f"executor:2: {message}"


async def test_a_script_s_storage_calls_do_not_wait_for_the_event_loop(fleet, bot):
    """A LocalFleet's scripts write its SQLite store from their own worker thread: storage
    floods do not queue behind REST and events on the loop (and keep working while it is busy)."""
    import time

    await fleet.execute(bot, "flood", 'for i = 1, 50 do storage:set("n", i) end sleep(60000)')
    time.sleep(3)  # the loop is blocked: no loop turn can carry a storage call
    assert fleet.direct_storage().get(f"bot:{bot}", "n") == 50
    await fleet.stop(bot, "flood")


async def test_a_workspace_script_s_direct_storage_stays_in_its_workspace(fleet, bot):
    view = fleet.workspace("nb-0a1b2c3d")
    await view.create_bot("bot-1")
    results = (
        await run_lua(view, 'globalStorage:set("w", 1)\nstorage:set("s", 2)\nreturn globalStorage:keys()')
    ).ok
    assert results == [["w"]]
    assert await fleet.storage_get("global", "w") is None
    assert await view.storage_get("global", "w") == 1
    assert await fleet.storage_get("bot:nb-0a1b2c3d~bot-1", "s") == 2


async def test_a_storage_loop_yields_its_turn_like_any_other_binding(make_fleet):
    """Direct storage calls hand the worker back between calls: a script looping over storage
    for longer than the no-yield budget is not ended for not yielding, and a sleeping script
    beside it keeps waking."""
    fleet = await make_fleet(script_budget_ms=200)
    await fleet.create_bot("bot-1")
    await fleet.execute("bot-1", "ticker", "for i = 1, 1000 do sleep(10) print(i) end")
    source = """
local started = now()
local n = 0
while now() - started < 800 do n = n + 1 storage:set("n", n) end
return storage:get("n") == n
"""
    outcome = await run_lua(fleet, source)
    assert (outcome.state, outcome.ok) == ("COMPLETE", [True])
    ticks = [line["text"] for line in (await fleet.console("bot-1", "ticker"))["lines"]]
    assert len(ticks) >= 10
    await fleet.stop("bot-1", "ticker")
