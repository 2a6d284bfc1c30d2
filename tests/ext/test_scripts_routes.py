"""The scripts routes of 001 and the jobs routes on a real Jupyter server."""

from __future__ import annotations

import asyncio

import pytest
from rest_helpers import key, wait_run_ended

from seraph_kernel.commands.ids import SCRIPT_ID_RULE


async def execute(api, bot_id, script_id, source, **extra):
    return await api.post("api/scripts/execute", json={**key(bot_id, script_id), "source": source, **extra})


async def test_execute_runs_detached_and_the_console_has_its_lines(api, make_bot):
    bot_id = await make_bot()
    response = await execute(api, bot_id, "hello", 'print("tick") warn("careful") return 1, "two"')
    assert response.json() == {"ok": True}
    status = await wait_run_ended(api, bot_id, "hello")
    assert status["running"] is False and status["last_error"] is None
    assert status["state"] == "COMPLETE" and status["results"] == [1, "two"]
    assert status["started_at"] is not None and status["ended_at"] is not None
    lines = (await api.get("api/scripts/console", params=key(bot_id, "hello"))).json()["lines"]
    assert [(line["level"], line["text"]) for line in lines] == [("info", "tick"), ("warn", "careful")]
    assert all(isinstance(line["ts_ms"], int) for line in lines)


async def test_console_after_seq_reads_incrementally_and_clear_truncates(api, make_bot):
    bot_id = await make_bot()
    await execute(api, bot_id, "count", "for i = 1, 5 do print(i) end")
    await wait_run_ended(api, bot_id, "count")
    lines = (await api.get("api/scripts/console", params=key(bot_id, "count"))).json()["lines"]
    after = lines[1]["seq"]
    rest = (await api.get("api/scripts/console", params={**key(bot_id, "count"), "after": after})).json()
    assert [line["text"] for line in rest["lines"]] == ["3", "4", "5"]
    assert (await api.post("api/scripts/console/clear", json=key(bot_id, "count"))).json() == {"ok": True}
    assert (await api.get("api/scripts/console", params=key(bot_id, "count"))).json()["lines"] == []


async def test_running_key_is_409_and_stop_is_idempotent_with_cleanup(api, make_bot):
    bot_id = await make_bot()
    source = (
        f'cleanup(function() globalStorage:set("cleaned-{bot_id}", true) end) while true do sleep(20) end'
    )
    assert (await execute(api, bot_id, "loop", source)).status_code == 200
    again = await execute(api, bot_id, "loop", "print(1)")
    assert again.status_code == 409
    assert again.json() == {"error": f"script already running: {bot_id}/loop"}
    status = (await api.get("api/scripts/status", params=key(bot_id, "loop"))).json()
    assert status["running"] is True and status["state"] == "PROCESSING"
    for _ in range(2):
        assert (await api.post("api/scripts/stop", json=key(bot_id, "loop"))).json() == {"ok": True}
    status = await wait_run_ended(api, bot_id, "loop")
    assert status["state"] == "CANCELLED"
    stored = (await api.get(f"api/storage/global/cleaned-{bot_id}")).json()
    assert stored == {"value": True}


async def test_stop_of_a_script_never_run_is_200(api, make_bot):
    bot_id = await make_bot()
    assert (await api.post("api/scripts/stop", json=key(bot_id, "never"))).json() == {"ok": True}


async def test_compile_error_is_500_with_the_documented_prefix(api, make_bot):
    bot_id = await make_bot()
    response = await execute(api, bot_id, "broken", "while true do print(1)")
    assert response.status_code == 500
    assert response.json()["error"].startswith("lua compile: 1: ")
    assert set(response.json()) == {"error"}


LUAU_FARM = """
type Drop = { name: string, value: number }
local drops: {Drop} = {
  { name = "gem", value = 2.5 }, { name = "rock", value = 0 }, { name = "ore", value = 7.5 },
}
local total = 0
for _, drop in drops do
  if drop.value == 0 then continue end
  total += drop.value
  print(`{drop.name}: {drop.value}`)
end
print("total", total)
return total, if total > 5 then "rich" else "poor"
"""


async def test_a_luau_script_runs_detached_through_rest(api, make_bot):
    bot_id = await make_bot()
    assert (await execute(api, bot_id, "luau", LUAU_FARM)).json() == {"ok": True}
    status = await wait_run_ended(api, bot_id, "luau")
    assert status["state"] == "COMPLETE", status
    assert status["results"] == [10, "rich"]
    lines = (await api.get("api/scripts/console", params=key(bot_id, "luau"))).json()["lines"]
    assert [line["text"] for line in lines] == ["gem: 2.5", "ore: 7.5", "total\t10"]


async def test_a_luau_syntax_error_is_500_with_the_users_line(api, make_bot):
    bot_id = await make_bot()
    response = await execute(api, bot_id, "broken-luau", "local n: number = 0\nwhile n < 3 do\n  n += 1\n")
    assert response.status_code == 500
    assert response.json() == {
        "error": "lua compile: 4: 'end' expected (to close 'while' at line 2) near <eof>"
    }


async def test_execute_for_an_unknown_bot_is_404(api):
    response = await execute(api, "bot-99", "x", "print(1)")
    assert (response.status_code, response.json()) == (404, {"error": "unknown bot: bot-99"})


async def test_runtime_error_fills_last_error_and_the_run_record(api, make_bot):
    bot_id = await make_bot()
    await execute(api, bot_id, "oops", "local t = nil\nreturn t.field")
    status = await wait_run_ended(api, bot_id, "oops")
    assert status["state"] == "FAILED"
    assert status["last_error"].startswith("executor:2:")
    assert status["error"]["code"] == "SCRIPT_ERROR"
    lines = (await api.get("api/scripts/console", params=key(bot_id, "oops"))).json()["lines"]
    assert lines[-1]["level"] == "error"


async def test_timeout_ms_ends_the_run_with_deadline_exceeded(api, make_bot):
    bot_id = await make_bot()
    await execute(api, bot_id, "slow", "while true do sleep(10) end", timeout_ms=200)
    status = await wait_run_ended(api, bot_id, "slow")
    assert status["state"] == "FAILED" and status["error"]["code"] == "DEADLINE_EXCEEDED"
    assert status["timeout_ms"] == 200


async def test_status_of_an_unknown_key_is_404(api, make_bot):
    bot_id = await make_bot()
    response = await api.get("api/scripts/status", params=key(bot_id, "nothing"))
    assert response.status_code == 404
    assert response.json() == {"error": f"unknown script: {bot_id}/nothing"}


async def test_jobs_by_client_and_stop_all(api, make_bot):
    first, second = await make_bot(), await make_bot()
    for bot_id in (first, second):
        await execute(api, bot_id, "spin", "while true do sleep(20) end")
    jobs = (await api.get("api/jobs")).json()["jobs"]
    mine = {(j["client_id"], j["script_id"]) for j in jobs if j["running"]}
    assert {(first, "spin"), (second, "spin")} <= mine
    by_client = (await api.get("api/jobs/by_client", params={"client_id": first})).json()["jobs"]
    assert {j["client_id"] for j in by_client} == {first}
    assert {"client_id", "script_id", "running", "state", "last_error", "started_at", "ended_at"} <= set(
        by_client[0]
    )
    stopped = (await api.post("api/jobs/stop_all")).json()["stopped"]
    assert stopped >= 2
    for bot_id in (first, second):
        assert (await wait_run_ended(api, bot_id, "spin"))["state"] == "CANCELLED"
    missing = await api.get("api/jobs/by_client")
    assert (missing.status_code, missing.json()["field"]) == (400, "client_id")


async def test_concurrent_execute_and_stop_of_one_key_leave_a_consistent_run(api, make_bot):
    bot_id = await make_bot()
    source = "while true do sleep(10) end"
    calls = []
    for _ in range(10):
        calls.append(execute(api, bot_id, "race", source))
        calls.append(api.post("api/scripts/stop", json=key(bot_id, "race")))
    responses = await asyncio.gather(*calls)
    assert {r.status_code for r in responses} <= {200, 409}
    assert all("error" in r.json() for r in responses if r.status_code == 409)
    await api.post("api/scripts/stop", json=key(bot_id, "race"))
    status = await wait_run_ended(api, bot_id, "race")
    assert status["state"] in ("CANCELLED", "COMPLETE")
    jobs = (await api.get("api/jobs")).json()["jobs"]
    assert [j for j in jobs if j["client_id"] == bot_id and j["running"]] == []
    assert (await execute(api, bot_id, "race", "return 5")).status_code == 200
    assert (await wait_run_ended(api, bot_id, "race"))["results"] == [5]


async def test_a_bot_made_again_after_deletion_has_no_status_results_console_or_jobs(api, make_bot):
    """Delete a bot with a finished and a running script, create one with the same id: the
    old keys are unknown (404) and no job of the old bot is listed."""
    bot_id = await make_bot()
    await execute(api, bot_id, "done", 'print("old line") return "old result"')
    await wait_run_ended(api, bot_id, "done")
    await execute(api, bot_id, "spin", 'print("spinning") while true do sleep(10) end')
    assert (await api.delete(f"api/bots/{bot_id}")).json() == {"ok": True}
    assert (await api.post("api/bots", json={"id": bot_id})).status_code == 201
    for script_id in ("done", "spin"):
        for route in ("api/scripts/status", "api/scripts/console"):
            response = await api.get(route, params=key(bot_id, script_id))
            assert response.status_code == 404, (route, response.text)
            assert response.json() == {"error": f"unknown script: {bot_id}/{script_id}"}
        cleared = await api.post("api/scripts/console/clear", json=key(bot_id, script_id))
        assert cleared.status_code == 404
    assert (await api.get("api/jobs/by_client", params={"client_id": bot_id})).json() == {"jobs": []}
    assert bot_id not in [job["client_id"] for job in (await api.get("api/jobs")).json()["jobs"]]


@pytest.mark.parametrize("script_id", [".", "..", "a/b", "a\\b", "a?b", "a#b", "50%", "a\tb", " s", "s\n"])
async def test_script_ids_urls_cannot_carry_are_refused_and_start_nothing(api, make_bot, script_id):
    bot_id = await make_bot()
    response = await execute(api, bot_id, script_id, "return 1")
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "script_id"
    assert response.json()["error"].endswith(f"(allowed: {SCRIPT_ID_RULE})")
    assert (await api.get("api/jobs/by_client", params={"client_id": bot_id})).json() == {"jobs": []}
    assert (await api.get("api/scripts/status", params=key(bot_id, script_id))).status_code == 404
