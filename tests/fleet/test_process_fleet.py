"""The server's fleet in a child process (``ProcessFleet``): commands, errors and events cross
the process boundary as themselves, and a fleet process that dies is started again with its
bots, while the runs it had going are closed ``FAILED`` "server stopped"."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
from waiting import wait_ended, wait_for

from seraph_kernel.config import FleetConfig
from seraph_kernel.errors import FleetUnavailable, InvalidArgument, UnknownBot
from seraph_kernel.fleet.process_fleet import ProcessFleet
from seraph_kernel.store import StoreError


@pytest.fixture
async def fleet(sim_server, db_path):
    fleet = ProcessFleet(FleetConfig(sim_address=sim_server.address, db_path=db_path, seed=42))
    await fleet.start()
    yield fleet
    await fleet.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def test_scripts_run_in_the_fleet_process_and_their_lines_come_back_as_events(fleet):
    info = await fleet.info()
    pid = info["process"]["pid"]
    assert pid != os.getpid() and alive(pid)
    assert b"seraph_kernel.fleet.process_host" in Path(f"/proc/{pid}/cmdline").read_bytes()
    events = fleet.subscribe("bot-1")
    await fleet.create_bot()
    await fleet.execute("bot-1", "hello", "print('hi from the fleet') return 40 + 2")
    status = await wait_ended(fleet, "bot-1", "hello")
    assert (status["state"], status["results"]) == ("COMPLETE", [42])
    seen = []
    while not any(e.kind == "log" and e.data["message"] == "hi from the fleet" for e in seen):
        seen.append(await asyncio.wait_for(events.__anext__(), 10))
    events.close()


async def test_errors_come_back_as_themselves(fleet):
    with pytest.raises(UnknownBot, match="unknown bot: nope") as caught:
        await fleet.get_bot("nope")
    assert caught.value.http_status == 404
    with pytest.raises(InvalidArgument) as bad:
        await fleet.invoke("create_bot", {"id": 7})
    assert bad.value.command == "create_bot"


async def test_workspace_views_reach_the_fleet_process(fleet):
    view = fleet.workspace("team")
    await view.invoke("create_workspace", {"name": "team", "seed": 7})
    assert (await view.create_bot())["id"] == "bot-1"
    info = await view.info()
    assert (info["workspace"], info["seed"]) == ("team", 7)
    assert [b["id"] for b in await fleet.list_bots()] == ["team~bot-1"]


async def test_a_killed_fleet_process_is_started_again_and_closes_its_runs(fleet):
    await fleet.create_bot()
    await fleet.execute("bot-1", "forever", "while true do sleep(50) end")
    await wait_for(lambda: _running(fleet, "bot-1", "forever"), what="the run to start")
    old = fleet.child_pid
    os.kill(old, signal.SIGKILL)
    await wait_for(lambda: _restarted(fleet), timeout=60, what="a new fleet process")
    assert fleet.child_pid != old and not alive(old)
    status = await fleet.status("bot-1", "forever")
    assert (status["state"], status["running"]) == ("FAILED", False)
    assert "server stopped" in status["last_error"]
    assert [b["id"] for b in await fleet.list_bots()] == ["bot-1"]
    info = await fleet.info()
    assert info["process"] == {"pid": fleet.child_pid, "restarts": 1}


async def test_a_call_in_flight_when_the_process_dies_gets_a_clear_error(fleet):
    await fleet.create_bot()
    call = asyncio.ensure_future(fleet.invoke("seraph_execute", {
        "client_id": "bot-1", "script_id": "s", "source": "return 1"}))  # fmt: skip
    os.kill(fleet.child_pid, signal.SIGKILL)
    try:
        await asyncio.wait_for(call, 30)
    except FleetUnavailable as err:  # the call was sent before the process died
        assert err.http_status == 503 and "fleet process" in str(err)
    await wait_for(lambda: _restarted(fleet), timeout=60, what="a new fleet process")


async def test_a_fleet_that_cannot_start_raises_its_error(tmp_path):
    fleet = ProcessFleet(FleetConfig(db_path=tmp_path))  # a directory: SQLite cannot open it
    with pytest.raises(StoreError, match=f"cannot open database {tmp_path}"):
        await fleet.start()
    await fleet.close()


async def test_closing_ends_the_process_and_later_calls_are_refused(sim_server, db_path):
    fleet = ProcessFleet(FleetConfig(sim_address=sim_server.address, db_path=db_path, seed=42))
    await fleet.start()
    pid = fleet.child_pid
    await fleet.close()
    assert not alive(pid)
    with pytest.raises(FleetUnavailable, match="stopping"):
        await fleet.list_bots()


async def _running(fleet: ProcessFleet, bot_id: str, script_id: str) -> bool:
    return (await fleet.status(bot_id, script_id))["running"]


async def _restarted(fleet: ProcessFleet) -> bool:
    return fleet.restarts == 1 and fleet.child_pid is not None


async def test_events_the_fleet_process_drops_while_the_server_stalls_are_counted_as_dropped(fleet):
    """A server too busy to read its fleet process's frames (its loop blocked) makes the
    child's queue of events overflow: the server's readers learn how many they lost, as the
    event stream's ``dropped`` frames promise, instead of missing them silently."""
    events = fleet.subscribe("bot-1")
    await fleet.create_bot()
    lines = 3000
    source = f"local s = string.rep('x', 8000) for i = 1, {lines} do print(i, s) end return 1"
    await fleet.execute("bot-1", "flood", source)
    time.sleep(3)  # the server's loop stalls: nothing reads the fleet process's frames
    status = await wait_ended(fleet, "bot-1", "flood")
    assert status["state"] == "COMPLETE"
    received = 0
    with contextlib.suppress(TimeoutError):
        while True:
            event = await asyncio.wait_for(events.__anext__(), 2)
            received += event.kind == "log" and event.data["scope"] == "script:flood"
    events.close()
    assert received < lines  # the stall did lose lines on the way
    assert received + events.dropped >= lines
