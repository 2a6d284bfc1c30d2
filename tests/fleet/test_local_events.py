"""The LocalFleet event stream: session snapshots on status changes, log lines for bot events
and script prints, fine-grained bot events, per-bot subscriptions."""

from waiting import next_event, wait_ended


def session_status(status):
    return lambda e: e.kind == "session" and e.data["snapshot"]["status"] == status


async def test_create_warp_and_delete_publish_session_snapshots(fleet):
    events = fleet.subscribe()
    await fleet.create_bot()
    created = await next_event(events, lambda e: e.kind == "session")
    assert (created.client_id, created.data["snapshot"]["id"]) == ("bot-1", "bot-1")
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    in_world = await next_event(events, session_status("in_world"))
    assert in_world.data["snapshot"]["current_world"] == "MINEWORLD"
    await fleet.delete_bot("bot-1")
    deleted = await next_event(events, lambda e: e.kind == "session" and e.data["snapshot"].get("deleted"))
    assert deleted.client_id == "bot-1"
    events.close()


async def test_bot_events_carry_status_and_world(fleet):
    await fleet.create_bot()
    events = fleet.subscribe("bot-1")
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    world = await next_event(events, lambda e: e.kind == "bot" and e.data["type"] == "world")
    assert world.data["world"] == "MINEWORLD"
    log = await next_event(events, lambda e: e.kind == "log")
    assert (log.data["scope"], log.data["session_id"]) == ("bot", "bot-1")
    events.close()


async def test_script_prints_become_log_events_of_their_bot(fleet):
    await fleet.create_bot()
    await fleet.create_bot()
    mine = fleet.subscribe("bot-2")
    everything = fleet.subscribe()
    await fleet.execute("bot-1", "noise", 'print("not for bot-2")')
    await fleet.execute("bot-2", "greet", 'warn("hello", 2)')
    await wait_ended(fleet, "bot-2", "greet")
    line = await next_event(mine, lambda e: e.kind == "log" and e.data["scope"].startswith("script:"))
    assert line.client_id == "bot-2"
    assert line.data["scope"] == "script:greet"
    assert (line.data["level"], line.data["message"], line.data["session_id"]) == (
        "warn",
        "hello\t2",
        "bot-2",
    )
    assert isinstance(line.data["timestamp_ms"], int)
    other = await next_event(everything, lambda e: e.kind == "log" and e.data["scope"] == "script:noise")
    assert other.client_id == "bot-1"
    mine.close()
    everything.close()


async def test_lines_of_a_script_that_never_yields_reach_subscribers_while_it_runs(fleet):
    """Script lines wait in the bus for the engine's watchdog tick, not for the script to yield."""
    await fleet.create_bot()
    events = fleet.subscribe("bot-1")
    await fleet.execute("bot-1", "spin", 'print("before the spin")\nwhile true do end')
    line = await next_event(events, lambda e: e.kind == "log" and e.data["scope"] == "script:spin", 5)
    assert line.data["message"] == "before the spin"
    assert (await fleet.status("bot-1", "spin"))["running"] is True
    await fleet.stop("bot-1", "spin")
    events.close()


async def test_a_burst_of_script_lines_arrives_whole_and_in_order(fleet):
    await fleet.create_bot()
    events = fleet.subscribe("bot-1")
    await fleet.execute("bot-1", "burst", "for i = 1, 1500 do print(i) end")
    await wait_ended(fleet, "bot-1", "burst")
    got = []
    while len(got) < 1500:
        line = await next_event(events, lambda e: e.kind == "log" and e.data["scope"] == "script:burst", 5)
        got.append(line.data["message"])
    assert got == [str(i) for i in range(1, 1501)]
    assert events.dropped == 0
    events.close()
