"""Attacks on the script engine through a real Jupyter server (issue 16): each one runs as a
detached script on a server of its own (so a crash cannot hide behind the shared one), then
the test asserts that the server answers, that the attacker ended with a clear error in
bounded time, and that an ordinary script running beside it kept its timing."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from attack_sources import FILL
from rest_helpers import wait_run_ended
from server_process import start_server

BOT = "attacked"


@pytest.fixture(scope="module")
def attack_server(tmp_path_factory):
    proc = start_server(tmp_path_factory.mktemp("attacks"), "--SeraphExtension.cleanup_deadline_ms=1000")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def api(attack_server):
    async with httpx.AsyncClient(
        base_url=attack_server.url, headers=attack_server.headers, timeout=30
    ) as client:
        if (await client.get(f"api/bots/{BOT}")).status_code == 404:
            assert (await client.post("api/bots", json={"id": BOT})).status_code == 201
        yield client
        assert attack_server.process.poll() is None, attack_server.log()


async def execute(api: httpx.AsyncClient, script_id: str, source: str) -> None:
    response = await api.post(
        "api/scripts/execute", json={"client_id": BOT, "script_id": script_id, "source": source}
    )
    assert response.status_code in (200, 201, 202), response.text


async def run_beside(api: httpx.AsyncClient, script_id: str, source: str, timeout: float = 30.0) -> dict:
    """Run ``source`` while an ordinary sleeper runs beside it; both must end, the server must
    answer ``/api/status`` all along, and the sleeper must keep its timing."""
    await execute(api, "sleeper", "local t = os.time() for i = 1, 20 do sleep(50) end return 'slept'")
    began = time.monotonic()
    await execute(api, script_id, source)
    status = await wait_run_ended(api, BOT, script_id, timeout)
    sleeper = await wait_run_ended(api, BOT, "sleeper", timeout)
    assert sleeper["state"] == "COMPLETE" and sleeper["results"] == ["slept"]
    started = time.monotonic()
    assert (await api.get("api/status")).status_code == 200
    assert time.monotonic() - started < 5
    assert time.monotonic() - began < timeout
    return status


async def pcall_in_a_full_vm(api: httpx.AsyncClient, script_id: str, prepare: str, attack: str) -> list:
    """Run ``prepare``, make ``attack`` a function, fill the VM, then ``pcall`` it beside a
    sleeper: the results ``[ok, err]`` of a run that must have completed."""
    source = (
        f"{prepare}\nlocal attack = function() return {attack} end\n{FILL}\n"
        "local ok, err = pcall(attack)\nhog = nil\nreturn ok, err"
    )
    status = await run_beside(api, script_id, source)
    assert status["state"] == "COMPLETE", status
    return status["results"]


async def test_an_async_result_that_does_not_fit_is_a_lua_error(api):
    await api.put("api/storage/global/big", json={"value": "y" * 2_000_000})
    results = await pcall_in_a_full_vm(api, "async-result", "", "globalStorage:get('big')")
    assert results[0] is False and "not enough memory" in results[1]


async def test_a_json_decode_that_does_not_fit_is_a_lua_error(api):
    prepare = "local text = '[' .. string.rep('[1,2],', 300000) .. '1]'"
    results = await pcall_in_a_full_vm(api, "json-decode", prepare, "json.decode(text)")
    assert results[0] is False and "not enough memory" in results[1]


async def test_console_entries_of_a_full_vm_is_a_lua_error(api):
    prepare = "for i = 1, 2000 do print(string.rep('c', 8000) .. i) end"
    results = await pcall_in_a_full_vm(api, "console-entries", prepare, "getConsole().entries")
    assert results[0] is False and "not enough memory" in results[1]


async def test_a_script_that_only_fills_memory_fails_cleanly(api):
    status = await run_beside(api, "fill", FILL + "local keep = {} for i = 1, 1e9 do keep[i] = {} end")
    assert status["state"] == "FAILED"
    assert "not enough memory" in status["error"]["message"]


async def test_a_looping_close_handler_cannot_hold_the_end(api):
    source = """
co = coroutine.create(function()
  local guard <close> = setmetatable({}, {__close = function() while true do end end})
  coroutine.yield()
end)
coroutine.resume(co)
return "ended"
"""
    status = await run_beside(api, "close-loop", source)
    assert status["state"] == "COMPLETE" and status["results"] == ["ended"]


async def test_cleanups_registering_cleanups_end(api):
    source = "local function again() cleanup(again) sleep(300) end cleanup(again) return 1"
    status = await run_beside(api, "cleanup-chain", source, timeout=40)
    assert status["state"] == "COMPLETE"
    console = (
        await api.get("api/scripts/console", params={"client_id": BOT, "script_id": "cleanup-chain"})
    ).json()
    assert any("deadline" in line["text"] for line in console["lines"]), console


async def test_a_task_cancelling_itself_last_ends_the_run(api):
    source = "me = task.defer(function() sleep(10) task.cancel(me) sleep(10) end)"
    status = await run_beside(api, "self-cancel", source)
    assert status["state"] == "COMPLETE"


async def test_results_are_valid_json(api):
    status = await run_beside(api, "numbers", 'return "BaNaNa", math.huge, 0/0, {-math.huge}')
    assert status["results"] == ["BaNaNa", None, None, [None]]
    response = await api.get("api/scripts/status", params={"client_id": BOT, "script_id": "numbers"})

    def reject(token: str) -> None:
        raise AssertionError(f"invalid JSON token {token}")

    assert json.loads(response.text, parse_constant=reject)["results"][0] == "BaNaNa"


async def test_many_attackers_at_once_leave_the_server_answering(api):
    attacks = [
        FILL + "return 1",
        "co = coroutine.create(function() local g <close> = setmetatable({}, {__close = function() "
        "while true do end end}) coroutine.yield() end) coroutine.resume(co)",
        "me = task.defer(function() task.cancel(me) sleep(10) end)",
        "return 0/0, math.huge",
    ]
    ids = [f"mass-{i}" for i in range(16)]
    for i, script_id in enumerate(ids):
        await execute(api, script_id, attacks[i % len(attacks)])
    began = time.monotonic()
    await execute(api, "quick", "return 1")
    quick = await wait_run_ended(api, BOT, "quick", 30)
    assert quick["results"] == [1]
    for script_id in ids:
        status = await wait_run_ended(api, BOT, script_id, 40)
        assert status["state"] in ("COMPLETE", "FAILED"), status
    assert time.monotonic() - began < 40
    await asyncio.sleep(0)
    assert (await api.get("api/status")).status_code == 200


async def test_a_source_the_parser_needs_seconds_for_is_refused_off_the_event_loop(api):
    """Lua's parser is quadratic on long and/or chains and runs in C: the server checks a long
    source on a worker thread against a deadline, and keeps answering meanwhile."""
    source = "return " + " and ".join(["a"] * 60000)
    posting = asyncio.ensure_future(
        api.post("api/scripts/execute", json={"client_id": BOT, "script_id": "parser", "source": source})
    )
    await asyncio.sleep(0.3)
    slowest = 0.0
    while not posting.done():
        began = time.monotonic()
        assert (await api.get("api/status")).status_code == 200
        slowest = max(slowest, time.monotonic() - began)
        await asyncio.sleep(0.1)
    response = await posting
    assert response.status_code == 500, response.text  # 001: compile errors answer 500
    assert "the source took longer than 2 s to compile" in response.json()["error"]
    assert slowest < 1.0
