"""What every Fleet implementation promises (seraph_kernel/fleet/base.py), checked through the
interface only, against the real sim server."""

import pytest
from waiting import next_event, wait_ended

from seraph_kernel.errors import (
    ActionError,
    BotExists,
    InvalidArgument,
    LuaCompileError,
    ScriptAlreadyRunning,
    UnknownBot,
    UnknownScript,
)

SNAPSHOT_FIELDS = {
    "id", "status", "device_id", "current_host", "current_port", "current_world", "pending_world",
    "username", "user_id", "player_position", "inventory_count", "gems", "byte_coins", "xp_amount",
    "experience", "xp_level", "slots", "tutorial_state", "tutorial_running", "ping_ms", "proxy_name",
    "proxy_kind", "connected_since", "fishing_active", "fishing_info", "last_error",
}  # fmt: skip
FULL_FIELDS = SNAPSHOT_FIELDS | {"world", "inventory", "tutorial_stage", "sf_token"}


async def test_kind_and_info(contract_fleet):
    info = await contract_fleet.info()
    assert info["kind"] == contract_fleet.kind in ("local", "remote")


async def test_bots_are_created_listed_and_deleted(contract_fleet):
    fleet = contract_fleet
    one = await fleet.create_bot()
    two = await fleet.create_bot("named", username="Named")
    assert one["id"] == "bot-1" and one["status"] == "disconnected"
    assert one.keys() >= FULL_FIELDS
    assert two["username"] == "Named"
    listed = await fleet.list_bots()
    assert [b["id"] for b in listed] == ["bot-1", "named"]
    assert all(b.keys() >= SNAPSHOT_FIELDS for b in listed)
    await fleet.delete_bot("named")
    assert [b["id"] for b in await fleet.list_bots()] == ["bot-1"]


async def test_misuse_raises_the_shared_errors(contract_fleet):
    fleet = contract_fleet
    await fleet.create_bot()
    with pytest.raises(BotExists):
        await fleet.create_bot("bot-1")
    with pytest.raises(InvalidArgument):
        await fleet.create_bot("not ok")
    with pytest.raises(UnknownBot):
        await fleet.get_bot("bot-99")
    with pytest.raises(UnknownBot):
        await fleet.warp("bot-99", "MINEWORLD")
    with pytest.raises(UnknownScript):
        await fleet.status("bot-1", "never-ran")
    assert [b["id"] for b in await fleet.list_bots()] == ["bot-1"]


async def test_game_failures_are_returned_codes(contract_fleet):
    fleet = contract_fleet
    await fleet.create_bot()
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) == "NOT_CONNECTED"
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.walk_to("bot-1", 2, 2) == "NOT_IN_WORLD"
    with pytest.raises(ActionError):
        await fleet.minimap("bot-1")


async def test_connect_warp_walk_and_events(contract_fleet):
    fleet = contract_fleet
    await fleet.create_bot()
    events = fleet.subscribe("bot-1")
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    session = await next_event(
        events, lambda e: e.kind == "session" and e.data["snapshot"]["status"] == "in_world"
    )
    assert session.client_id == "bot-1"
    snapshot = await fleet.get_bot("bot-1")
    assert snapshot["current_world"] == "MINEWORLD"
    view = await fleet.world("bot-1")
    assert (view.width, view.height) == (snapshot["world"]["width"], snapshot["world"]["height"])
    here = (int(snapshot["player_position"]["map_x"]), int(snapshot["player_position"]["map_y"]))
    target = None
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        route = await fleet.get_path("bot-1", here[0] + dx, here[1] + dy)
        if len(route) == 1:
            target = route[0]
            break
    assert target is not None, "the spawn tile has no walkable neighbour"
    assert await fleet.walk_to("bot-1", *target) is None
    pos = (await fleet.get_bot("bot-1"))["player_position"]
    assert (int(pos["map_x"]), int(pos["map_y"])) == tuple(target)
    minimap = await fleet.minimap("bot-1")
    assert len(minimap["foreground_tiles"]) == minimap["width"] * minimap["height"]
    events.close()


async def test_storage_round_trip(contract_fleet):
    fleet = contract_fleet
    await fleet.storage_set("global", "k", {"a": [1, None, "x"]})
    assert await fleet.storage_get("global", "k") == {"a": [1, None, "x"]}
    assert await fleet.storage_keys("global") == ["k"]
    assert await fleet.storage_delete("global", "k") is True
    assert await fleet.storage_get("global", "k") is None


async def test_scripts_execute_status_console_stop_jobs(contract_fleet):
    fleet = contract_fleet
    await fleet.create_bot()
    logs = fleet.subscribe("bot-1")
    await fleet.execute("bot-1", "once", 'print("tick")\nreturn 7')
    status = await wait_ended(fleet, "bot-1", "once")
    assert (status["state"], status["results"], status["last_error"]) == ("COMPLETE", [7], None)
    line = await next_event(logs, lambda e: e.kind == "log" and e.data["scope"] == "script:once")
    assert line.data["message"] == "tick"
    lines = (await fleet.console("bot-1", "once"))["lines"]
    assert [(x["level"], x["text"]) for x in lines] == [("info", "tick")]
    with pytest.raises(LuaCompileError):
        await fleet.execute("bot-1", "broken", "end end")
    await fleet.execute("bot-1", "loop", "while true do sleep(10) end")
    with pytest.raises(ScriptAlreadyRunning):
        await fleet.execute("bot-1", "loop", "print(1)")
    assert {j["script_id"]: j["running"] for j in await fleet.jobs("bot-1")} == {"once": False, "loop": True}
    await fleet.stop("bot-1", "loop")
    assert (await wait_ended(fleet, "bot-1", "loop"))["state"] == "CANCELLED"
    await fleet.stop("bot-1", "loop")
    await fleet.console_clear("bot-1", "once")
    assert (await fleet.console("bot-1", "once"))["lines"] == []
    assert await fleet.stop_all() == 0
    logs.close()


async def test_console_add_and_seraph_log_fields(contract_fleet):
    fleet = contract_fleet
    await fleet.create_bot()
    await fleet.execute("bot-1", "once", 'print("tick")')
    await wait_ended(fleet, "bot-1", "once")
    logs = fleet.subscribe("bot-1")
    await fleet.console_add("bot-1", "once", "added")
    line = await next_event(logs, lambda e: e.kind == "log" and e.data["message"] == "added")
    assert (line.data["level"], line.data["transport"], line.data["direction"]) == ("info", None, None)
    assert [x["text"] for x in (await fleet.console("bot-1", "once"))["lines"]] == ["tick", "added"]
    with pytest.raises(UnknownScript):
        await fleet.console_add("bot-1", "nope", "x")
    logs.close()


async def test_refresh_reads_the_account_again(contract_fleet, sim_server, request):
    if "workspace" in request.node.callspec.id:
        pytest.skip(
            "a workspace plays in a sim world of its own: the admin grant here reaches the shared one"
        )
    fleet = contract_fleet
    await fleet.create_bot()
    with pytest.raises(ActionError) as refused:
        await fleet.invoke("bot_refresh", {"id": "bot-1"})
    assert refused.value.code == "NOT_CONNECTED"
    assert await fleet.connect("bot-1", wait=True) is None
    before = await fleet.get_bot("bot-1")
    sim_server.admin.grant(before["username"], gems=11, byte_coins=2)
    assert await fleet.invoke("bot_refresh", {"id": "bot-1"}) == {"ok": True}
    after = await fleet.get_bot("bot-1")
    assert (after["gems"], after["byte_coins"]) == (before["gems"] + 11, before["byte_coins"] + 2)


@pytest.mark.parametrize("bad_id", [".", "..", "a/b", "a?b", "a%2F", "a\x01", " a"])
async def test_ids_urls_cannot_carry_are_refused_and_not_listed(contract_fleet, bad_id):
    with pytest.raises(InvalidArgument, match=r"^id: .*\(allowed: 1-64 characters") as refused:
        await contract_fleet.create_bot(bad_id)
    assert refused.value.field == "id"
    assert await contract_fleet.list_bots() == []
    with pytest.raises(UnknownBot):
        await contract_fleet.get_bot(bad_id)


async def test_a_bot_made_again_after_deletion_has_no_runs(contract_fleet):
    """Deleting a bot forgets every run of it (status, results, console, jobs): a new bot with
    the same id starts with none, and its own runs start clean."""
    fleet = contract_fleet
    await fleet.create_bot("heir")
    await fleet.execute("heir", "done", 'print("old line")\nreturn "old result"')
    await wait_ended(fleet, "heir", "done")
    await fleet.execute("heir", "spin", 'print("spinning")\nwhile true do sleep(10) end')
    await fleet.delete_bot("heir")
    await fleet.create_bot("heir")
    for script_id in ("done", "spin"):
        with pytest.raises(UnknownScript):
            await fleet.status("heir", script_id)
        with pytest.raises(UnknownScript):
            await fleet.console("heir", script_id)
    assert await fleet.jobs() == [] and await fleet.jobs("heir") == []
    await fleet.execute("heir", "done", "return 2")
    assert (await wait_ended(fleet, "heir", "done"))["results"] == [2]
    assert (await fleet.console("heir", "done"))["lines"] == []
