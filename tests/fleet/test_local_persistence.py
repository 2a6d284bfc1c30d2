"""A fleet restarted on the same SQLite file loses nothing: bots, connected bots back in their
worlds, storage, run history."""

import asyncio
import threading

from waiting import wait_ended

from seraph_kernel.config import FleetConfig
from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.store import BotStore, Database, RunHistory


async def test_restart_restores_bots_worlds_storage_and_runs(make_fleet):
    fleet = await make_fleet()
    await fleet.create_bot()
    await fleet.create_bot("idle", username="Idler", settings={"note": "stays home"})
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    assert await fleet.connect("bot-2", wait=True) is None
    await fleet.storage_set("global", "season", {"n": 3})
    await fleet.storage_set("bot:bot-1", "gems", 120)
    await fleet.execute("bot-1", "sum", "return 40 + 2")
    await wait_ended(fleet, "bot-1", "sum")
    await fleet.execute("bot-2", "fails", 'error("nope")')
    await wait_ended(fleet, "bot-2", "fails")
    usernames = {b["id"]: b["username"] for b in await fleet.list_bots()}
    await fleet.close()

    again = await make_fleet()
    bots = {b["id"]: b for b in await again.list_bots()}
    assert {k: b["username"] for k, b in bots.items()} == usernames
    assert bots["bot-1"]["status"] == "in_world"
    assert bots["bot-1"]["current_world"] == "MINEWORLD"
    assert bots["bot-2"]["status"] == "menu_ready"
    assert bots["idle"]["status"] == "disconnected"
    assert await again.storage_get("global", "season") == {"n": 3}
    assert await again.storage_get("bot:bot-1", "gems") == 120
    done = await again.status("bot-1", "sum")
    assert (done["state"], done["results"], done["running"]) == ("COMPLETE", [42], False)
    failed = await again.status("bot-2", "fails")
    assert failed["state"] == "FAILED" and "nope" in failed["last_error"]
    assert {(j["client_id"], j["script_id"]) for j in await again.jobs()} == {
        ("bot-1", "sum"),
        ("bot-2", "fails"),
    }
    assert (await again.console("bot-1", "sum"))["lines"] == []
    assert (await again.create_bot())["id"] == "bot-3"


async def test_a_disconnect_before_the_restart_is_remembered(make_fleet):
    fleet = await make_fleet()
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    await fleet.disconnect("bot-1")
    await fleet.close()
    again = await make_fleet()
    assert (await again.get_bot("bot-1"))["status"] == "disconnected"


async def test_rerunning_a_script_after_restart_keeps_both_records(make_fleet):
    fleet = await make_fleet()
    await fleet.create_bot()
    await fleet.execute("bot-1", "job", "return 1")
    await wait_ended(fleet, "bot-1", "job")
    await fleet.close()
    again = await make_fleet()
    await again.execute("bot-1", "job", "return 2")
    assert (await wait_ended(again, "bot-1", "job"))["results"] == [2]
    await again.close()
    third = await make_fleet()
    assert (await third.status("bot-1", "job"))["results"] == [2]


async def test_presence_and_ended_runs_are_stored_while_running(make_fleet, db_path):
    """A fleet that dies without close() still comes back where it was."""
    fleet = await make_fleet()
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    await fleet.execute("bot-1", "quick", "return 5")
    await wait_ended(fleet, "bot-1", "quick")
    await asyncio.sleep(0.3)
    db = Database(db_path)
    try:
        [record] = BotStore(db).all()
        assert (record.was_connected, record.world) == (True, "MINEWORLD")
        assert RunHistory(db).latest("bot-1", "quick")["results"] == [5]
    finally:
        db.close()


async def test_a_deleted_bot_leaves_nothing_for_its_successor(make_fleet):
    fleet = await make_fleet()
    await fleet.create_bot()
    await fleet.storage_set("bot:bot-1", "gems", 9)
    await fleet.execute("bot-1", "old", "return 1")
    await wait_ended(fleet, "bot-1", "old")
    await fleet.delete_bot("bot-1")
    await fleet.create_bot("bot-1")
    assert await fleet.storage_keys("bot:bot-1") == []
    await fleet.close()
    again = await make_fleet()
    assert await again.jobs("bot-1") == []


async def test_bots_return_to_worlds_on_other_hosts_of_an_embedded_world(db_path):
    """The kernel's case: no address configured, the fleet runs its own world each time."""
    config = FleetConfig(db_path=db_path)
    fleet = LocalFleet(config)
    await fleet.start()
    try:
        await fleet.create_bot()
        assert await fleet.connect("bot-1", wait=True) is None
        entry_host = (await fleet.get_bot("bot-1"))["current_host"]
        for name in ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT"):
            assert await fleet.warp("bot-1", name, wait=True) is None
            where = await fleet.get_bot("bot-1")
            if where["current_host"] != entry_host:
                break
        else:
            raise AssertionError("every world lives on the entry host")
    finally:
        await fleet.close()
    again = LocalFleet(config)
    await again.start()
    try:
        back = await again.get_bot("bot-1")
        assert (back["status"], back["current_world"]) == ("in_world", where["current_world"])
        assert back["current_host"] == where["current_host"]
    finally:
        await again.close()


async def test_a_run_is_recorded_when_it_starts_and_closed_as_failed_after_a_crash(make_fleet, db_path):
    """The process dies mid-run (the first fleet is never closed): the next one finds the run,
    ended as FAILED / INTERNAL_ERROR "server stopped"."""
    crashed = await make_fleet()
    await crashed.create_bot()
    await crashed.execute("bot-1", "forever", "while true do sleep(50) end")
    db = Database(db_path)
    try:
        assert RunHistory(db).latest("bot-1", "forever")["state"] in ("QUEUED", "PROCESSING")
    finally:
        db.close()
    again = await make_fleet()
    status = await again.status("bot-1", "forever")
    assert status["state"] == "FAILED"
    assert status["error"] == {"code": "INTERNAL_ERROR", "message": "server stopped"}
    assert status["ended_at"] is not None
    assert [j["state"] for j in await again.jobs("bot-1")] == ["FAILED"]


async def hold_database(fleet) -> tuple[asyncio.Future, threading.Event]:
    """Another thread holds the fleet's database (as a long storage write does) until the
    returned event is set; the future is that thread's work."""
    held, release = asyncio.Event(), threading.Event()
    loop = asyncio.get_running_loop()

    def hold() -> None:
        with fleet._db.transaction():
            loop.call_soon_threadsafe(held.set)
            release.wait(10)

    holding = loop.run_in_executor(None, hold)
    await held.wait()
    return holding, release


async def test_run_history_is_written_off_the_event_loop(make_fleet):
    """While the storage thread holds the database (a long storage write), starting a run does
    not stop the event loop: its history row is written on that thread, and the start answers
    once it is."""
    fleet = await make_fleet()
    await fleet.create_bot()
    holding, release = await hold_database(fleet)
    starting = asyncio.ensure_future(fleet.execute("bot-1", "nap", "sleep(60000) return 1"))
    for _ in range(20):  # the loop keeps turning while the database is held
        await asyncio.sleep(0.01)
    assert not holding.done() and not starting.done()  # a blocked loop only got here after 10 s
    release.set()
    await holding
    await starting
    assert (await fleet.status("bot-1", "nap"))["running"]
    await fleet.stop("bot-1", "nap")
    await fleet.close()
    again = await make_fleet()
    assert (await again.status("bot-1", "nap"))["state"] == "CANCELLED"


async def test_a_library_run_closes_its_session_off_the_event_loop(make_fleet):
    """A library run that ends while the storage thread holds the database does not stop the
    event loop (its session is closed on that thread), and a read of the sessions made just
    after waits for that write: it shows the session closed, never still running."""
    fleet = await make_fleet()
    await fleet.create_bot()
    created = await fleet.invoke(
        "library_create", {"name": "nap", "script": "sleep(500) return 1", "free_for_all": True}
    )
    script_id = created["script"]["id"]
    await fleet.invoke("library_execute", {"script_id": script_id, "client_id": "bot-1"})
    holding, release = await hold_database(fleet)
    await wait_ended(fleet, "bot-1", script_id)  # the run ends while the database is held
    reading = asyncio.ensure_future(fleet.invoke("library_sessions", {"script_id": script_id}))
    for _ in range(20):  # the loop keeps turning
        await asyncio.sleep(0.01)
    assert not holding.done() and not reading.done()  # a blocked loop only got here after 10 s
    release.set()
    await holding
    sessions = (await reading)["sessions"]
    assert [(s["state"], s["ended_at"] is not None) for s in sessions] == [("COMPLETE", True)]
