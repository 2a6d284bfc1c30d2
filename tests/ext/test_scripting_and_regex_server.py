"""Child scripts and the regex library on a real server: a family started over REST shows in
the jobs and stops with its root, and scripts hammering the matcher with catastrophic or
huge patterns end with errors while the REST API and an ordinary script keep answering."""

from __future__ import annotations

import asyncio
import time

from rest_helpers import key, wait_run_ended

from seraph_kernel.commands.scripting import ENGINE_SCRIPT_ID, MAX_CHILD_SOURCE_CHARS

REGEX_ATTACKS = [
    # each call ends in bounded time; the loop is then ended by the no-yield budget
    "local s = string.rep('a', 5000) .. '!' while true do pcall(regex.find, s, '(a|aa)+$') end",
    "local s = string.rep('x', 5000) return regex.gsub(s, '(x+x+)+y', '')",
    "return regex.find('x', 'a{4294967294}')",
    "return regex.match('x', '(?:(?:(?:a{1000}){1000}){1000})')",
    "return regex.split('x', string.rep('(?:a|b)', 2000))",
]


async def test_a_family_started_over_rest_shows_in_jobs_and_stops_with_its_root(api, make_bot):
    parent_bot, child_bot = await make_bot(), await make_bot()
    parent = f"""
getClient({child_bot!r}):scripting():execute("while true do sleep(20) end")
while true do sleep(20) end
"""
    started = await api.post("api/scripts/execute", json={**key(parent_bot, "root"), "source": parent})
    assert started.status_code == 200
    params = key(child_bot, ENGINE_SCRIPT_ID)
    deadline = time.monotonic() + 10
    while (await api.get("api/scripts/status", params=params)).status_code != 200:
        assert time.monotonic() < deadline, "the child never started"
        await asyncio.sleep(0.05)
    jobs = (await api.get("api/jobs/by_client", params={"client_id": child_bot})).json()["jobs"]
    assert [(j["script_id"], j["running"]) for j in jobs] == [(ENGINE_SCRIPT_ID, True)]
    assert (await api.post("api/scripts/stop", json=key(parent_bot, "root"))).status_code == 200
    child = await wait_run_ended(api, child_bot, ENGINE_SCRIPT_ID, timeout=10)
    assert child["state"] == "CANCELLED"


async def test_regex_attacks_end_with_errors_and_the_server_keeps_serving(api, make_bot):
    bot_id = await make_bot()
    ids = [f"regex-attack-{i}" for i in range(len(REGEX_ATTACKS))]
    for script_id, source in zip(ids, REGEX_ATTACKS, strict=True):
        response = await api.post("api/scripts/execute", json={**key(bot_id, script_id), "source": source})
        assert response.status_code == 200
    submitted = time.monotonic()
    response = await api.post("api/scripts/execute", json={**key(bot_id, "ordinary"), "source": "return 1"})
    assert response.status_code == 200
    ordinary = await wait_run_ended(api, bot_id, "ordinary", timeout=15)
    assert ordinary["state"] == "COMPLETE" and ordinary["results"] == [1]
    assert time.monotonic() - submitted < 15
    errors = []
    for script_id in ids:
        status = await wait_run_ended(api, bot_id, script_id, timeout=20)
        assert status["state"] == "FAILED", status
        errors.append(status["last_error"])
    assert errors[0] == "script ran for more than 5000 ms without yielding"
    assert "pattern took more than" in errors[1]
    assert "pattern repeats too much" in errors[2] and "pattern repeats too much" in errors[3]
    assert "pattern longer than 4096 characters" in errors[4]


async def test_the_engine_commands_over_invoke_check_their_arguments(api, make_bot):
    bot_id = await make_bot()

    async def invoke(cmd: str, args: dict) -> tuple[int, dict]:
        response = await api.post("invoke", json={"cmd": cmd, "args": args})
        return response.status_code, response.json()

    huge = "-" * (MAX_CHILD_SOURCE_CHARS + 1)
    status, body = await invoke("scripting_execute", {"client_id": bot_id, "source": huge})
    assert status == 400 and body["field"] == "source" and body["command"] == "scripting_execute"
    assert await invoke("scripting_state", {"client_id": "no-such-bot"}) == (
        404,
        {"error": "unknown bot: no-such-bot"},
    )
    assert await invoke("scripting_stop", {"client_id": bot_id}) == (200, {"ok": True})
    assert await invoke("scripting_execute", {"client_id": bot_id, "source": "return 7"}) == (
        200,
        {"ok": True},
    )
    await wait_run_ended(api, bot_id, ENGINE_SCRIPT_ID)
    assert await invoke("scripting_state", {"client_id": bot_id}) == (
        200,
        {"running": False, "source": "return 7", "error": None},
    )
