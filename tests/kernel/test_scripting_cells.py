"""The child-script engine from a notebook cell: a kernel attached to a real ``jupyter server``
(its RemoteFleet speaks ``/invoke``) starts, reads and stops the child runs of the server's
bots, and the REST API shows them like any other run; a kernel with its own LocalFleet runs
children too."""

from __future__ import annotations

import time

import httpx

from seraph_kernel.commands.scripting import ENGINE_SCRIPT_ID

from .test_remote_fleet import remote_kernel, server

__all__ = ["remote_kernel", "server"]

SLEEPER = "while true do sleep(20) end"


def status(server, bot_id: str) -> dict:
    url, _, headers = server
    params = {"client_id": bot_id, "script_id": ENGINE_SCRIPT_ID}
    return httpx.get(url + "api/scripts/status", headers=headers, params=params).json()


def test_a_cell_without_a_bot_is_told_how_to_choose_one(remote_kernel, server):
    url, _, headers = server
    assert httpx.post(url + "api/bots", headers=headers, json={"id": "kid"}).status_code in (200, 201)
    refused = remote_kernel.execute("getScripting()")
    assert refused.reply["ename"] == "LuaError"
    assert "getScripting: no bot in use" in refused.reply["evalue"]


def test_a_cell_starts_reads_and_stops_a_child_on_the_server(remote_kernel, server):
    url, _, headers = server
    remote_kernel.ok("%workspace shared")  # kid was made over REST, in the server's shared fleet
    remote_kernel.ok("%use kid")
    started = remote_kernel.ok(
        f"e = getScripting()\ne:execute({SLEEPER!r})\nreturn tostring(e:running()) .. '|' .. e:get()"
    )
    assert started.result["text/plain"] == f'"true|{SLEEPER}"'
    assert status(server, "kid")["state"] == "PROCESSING"
    jobs = httpx.get(url + "api/jobs", headers=headers).json()["jobs"]
    assert {"client_id": "kid", "script_id": ENGINE_SCRIPT_ID, "running": True} in [
        {k: job[k] for k in ("client_id", "script_id", "running")} for job in jobs
    ]
    again = remote_kernel.ok("return select(2, pcall(e.execute, e, 'return 1'))")
    assert "execute: script already running: kid/scripting" in again.result["text/plain"]
    assert remote_kernel.ok("return rawequal(e, getClient():scripting())").result["text/plain"] == "true"
    stopped = remote_kernel.ok("e:stop()\ne:stop()\nreturn e:running()")
    assert stopped.result["text/plain"] == "false"
    assert status(server, "kid")["state"] == "CANCELLED"


def test_a_child_error_reaches_the_cell(remote_kernel, server):
    remote_kernel.ok("%workspace shared")
    remote_kernel.ok("%use kid")
    remote_kernel.ok("getScripting():execute('error(\"child failed\")')")
    deadline = time.monotonic() + 10
    while status(server, "kid")["running"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    error = remote_kernel.ok("return getScripting():error()").result["text/plain"]
    assert "child failed" in error


def test_a_kernel_with_its_own_fleet_runs_children(kernel):
    kernel.ok("%create_bot")
    kernel.ok("%use bot-1")
    source = "e = getScripting()\ne:execute('return 40 + 2')\nwhile e:running() do sleep(10) end"
    kernel.ok(source)
    assert (
        kernel.ok("return tostring(e:error()) .. '|' .. e:get()").result["text/plain"]
        == '"nil|return 40 + 2"'
    )
    assert "COMPLETE" in kernel.ok("%script status scripting").stdout
