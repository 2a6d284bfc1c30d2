"""The server's fleet in a child process (docs/runtime.md): a fleet process that dies is
started again while the server keeps answering, a server killed outright takes its fleet
process with it, and ``SERAPH_FLEET_PROCESS=0`` keeps the fleet in the server."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from rest_helpers import wait_run_ended
from server_process import jupyter_env, process_tree, start_server

HOST = b"seraph_kernel.fleet.process_host"


@pytest.fixture
def server(tmp_path):
    server = start_server(tmp_path / "server")
    yield server
    server.stop()


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def fleet_pids(server_pid: int) -> list[int]:
    pids = []
    for pid in process_tree(server_pid)[1:]:
        try:
            if HOST in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
        except OSError:
            continue
    return pids


async def test_a_dead_fleet_process_is_started_again_while_the_server_answers(server):
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
        info = (await api.get("api/seraph/info")).json()
        old = info["process"]["pid"]
        assert fleet_pids(server.process.pid) == [old]
        assert (await api.post("api/bots", json={"id": "b1"})).status_code == 201
        key = {"client_id": "b1", "script_id": "forever"}
        forever = {**key, "source": "while true do sleep(50) end"}
        response = await api.post("api/scripts/execute", json=forever)
        assert response.status_code == 200, response.text

        os.kill(old, signal.SIGKILL)
        statuses, deadline = [], time.monotonic() + 60
        while True:
            statuses.append((await api.get("api/status")).status_code)
            info = (await api.get("api/seraph/info")).json()
            if info.get("process", {}).get("restarts") == 1:
                break
            assert time.monotonic() < deadline, "the fleet process was not started again"
        assert set(statuses) == {200}
        assert info["process"]["pid"] != old and gone(old)

        status = (await api.get("api/scripts/status", params=key)).json()
        assert (status["state"], status["running"]) == ("FAILED", False)
        assert status["error"] == {"code": "INTERNAL_ERROR", "message": "server stopped"}
        assert [bot["id"] for bot in (await api.get("api/bots")).json()["bots"]] == ["b1"]
        again = {"client_id": "b1", "script_id": "after"}
        response = await api.post("api/scripts/execute", json={**again, "source": "return 6 * 7"})
        assert response.status_code == 200, response.text
        assert (await wait_run_ended(api, "b1", "after"))["results"] == [42]
    assert "exited with code -9; starting it again" in server.log()


async def test_a_server_killed_outright_takes_its_fleet_process_with_it(tmp_path):
    """As the one process it was before: the fleet dies with it (no cleanup runs, no orphan
    shares the store with the next server), and the next server closes the run it had going."""
    root = tmp_path / "server"
    server = start_server(root)
    key = {"client_id": "b1", "script_id": "guarded"}
    source = "cleanup(function() storage:set('cleaned', true) end) while true do sleep(50) end"
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
        assert (await api.post("api/bots", json={"id": "b1"})).status_code == 201
        response = await api.post("api/scripts/execute", json={**key, "source": source})
        assert response.status_code == 200, response.text
        assert (await api.get("api/scripts/status", params=key)).json()["running"]
    pids = fleet_pids(server.process.pid)
    assert len(pids) == 1
    server.process.kill()
    server.process.wait(10)
    deadline = time.monotonic() + 10
    while not gone(pids[0]):
        assert time.monotonic() < deadline, "the fleet process outlived its server"
        time.sleep(0.05)

    again = start_server(root)
    try:
        async with httpx.AsyncClient(base_url=again.url, headers=again.headers, timeout=60) as api:
            status = (await api.get("api/scripts/status", params=key)).json()
            assert status["error"] == {"code": "INTERNAL_ERROR", "message": "server stopped"}
            stored = (await api.get("api/storage/bot:b1/cleaned")).json()
            assert stored == {"value": None}, "the cleanup ran: the fleet outlived its server"
    finally:
        again.stop()


def test_a_stopped_server_closes_its_fleet_process(server):
    pids = fleet_pids(server.process.pid)
    assert server.stop() == 0
    assert gone(pids[0])


async def test_the_fleet_can_stay_in_the_servers_process(tmp_path):
    root = tmp_path / "inline"
    server = start_server(root, env=jupyter_env(root, SERAPH_FLEET_PROCESS="0"))
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
            info = (await api.get("api/seraph/info")).json()
            assert "process" not in info and info["kind"] == "local"
            assert fleet_pids(server.process.pid) == []
            assert (await api.post("api/bots", json={"id": "b1"})).status_code == 201
            key = {"client_id": "b1", "script_id": "s"}
            response = await api.post("api/scripts/execute", json={**key, "source": "return 1"})
            assert response.status_code == 200
            assert (await wait_run_ended(api, "b1", "s"))["results"] == [1]
    finally:
        server.stop()
