"""The script library (002) against a real ``jupyter server``: every route, every 002 code we
return, the semantics (validation, versions, enable, keys, kick_outdated, heartbeat, sessions,
counts) and persistence across a restart."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime

import httpx
import pytest
from rest_helpers import EventStream, wait_run_ended
from server_process import start_server

from seraph_kernel.fleet.remote import RemoteFleet
from seraph_kernel.library.errors import LibraryError

LOOP = "while true do sleep(20) end"


async def create(api: httpx.AsyncClient, script: str | None = "return 1", **fields) -> dict:
    body = {"name": f"s-{secrets.token_hex(3)}", **fields}
    if script is not None:
        body["script"] = script
    response = await api.post("api/library/scripts", json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["success"] is True
    return answer["script"]


async def execute(api: httpx.AsyncClient, script_id: str, client_id: str, **extra) -> httpx.Response:
    return await api.post(f"api/library/scripts/{script_id}/execute", json={"client_id": client_id, **extra})


def refused(response: httpx.Response, status: int, code: int | None, message: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body.get("code") == code
    assert body["message"] == message
    return body


async def wait_until(check, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"{what} never held"
        await asyncio.sleep(0.05)


async def running(api: httpx.AsyncClient, client_id: str, script_id: str) -> bool:
    params = {"client_id": client_id, "script_id": script_id}
    return (await api.get("api/scripts/status", params=params)).json()["running"]


async def test_create_get_list_and_projects(api):
    response = await api.post("api/library/projects", json={"name": f"p-{secrets.token_hex(3)}"})
    assert response.status_code == 201, response.text
    project = response.json()["project"]
    again = await api.post("api/library/projects", json={"name": project["name"]})
    refused(again, 409, 1, "project name already used")
    listed = (await api.get("api/library/projects")).json()
    assert project in listed["projects"] and listed["success"] is True

    script = await create(api, project_id=project["id"], free_for_all=False)
    other = await create(api)
    assert script["version"] == 1 and script["free_for_all"] is False and script["enabled"] is True
    got = (await api.get(f"api/library/scripts/{script['id']}")).json()
    assert got == {"success": True, "script": script}
    for key in ("total_executions", "total_sessions", "total_instances"):
        assert got["script"][key] == 0
    in_project = (await api.get("api/library/scripts", params={"project_id": project["id"]})).json()
    assert [s["id"] for s in in_project["scripts"]] == [script["id"]]
    everything = (await api.get("api/library/scripts")).json()["scripts"]
    assert {script["id"], other["id"]} <= {s["id"] for s in everything}

    unknown = await api.post("api/library/scripts", json={"name": "x", "project_id": "prj-nope"})
    refused(unknown, 404, None, "unknown library project: prj-nope")
    refused(await api.get("api/library/scripts/scr-nope"), 404, None, "unknown library script: scr-nope")


async def test_update_validates_and_makes_versions(api):
    script = await create(api, "return 1")
    sid = script["id"]
    bad = await api.post(f"api/library/scripts/{sid}/update", json={"script": "local x = 1\nx = = 2"})
    body = refused(bad, 400, 2, "script is invalid")
    assert body["parser_output"].startswith("2:"), body
    assert "unexpected symbol" in body["parser_output"]
    assert (await api.get(f"api/library/scripts/{sid}")).json()["script"]["version"] == 1

    good = await api.post(f"api/library/scripts/{sid}/update", json={"script": "return 2"})
    assert good.json() == {"success": True, "version": 2}
    versions = (await api.get(f"api/library/scripts/{sid}/versions")).json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    one = (await api.get(f"api/library/scripts/{sid}/versions/1")).json()["version"]
    assert one["script"] == "return 1"
    assert (await api.get(f"api/library/scripts/{sid}/versions/2")).json()["version"]["script"] == "return 2"
    assert (await api.get(f"api/library/scripts/{sid}/versions/9")).status_code == 404

    invalid_create = await api.post("api/library/scripts", json={"name": "bad", "script": "if then"})
    refused(invalid_create, 400, 2, "script is invalid")


async def test_concurrent_updates_lose_no_version(api):
    sid = (await create(api))["id"]
    answers = await asyncio.gather(
        *(api.post(f"api/library/scripts/{sid}/update", json={"script": f"return {n}"}) for n in range(8))
    )
    numbers = sorted(a.json()["version"] for a in answers)
    assert numbers == list(range(2, 10))
    sources = set()
    for n in numbers:
        sources.add((await api.get(f"api/library/scripts/{sid}/versions/{n}")).json()["version"]["script"])
    assert sources == {f"return {n}" for n in range(8)}


async def test_bad_input_changes_nothing(api):
    script = await create(api)
    sid = script["id"]
    refused(await api.post(f"api/library/scripts/{sid}/edit", json={}), 400, 1, "cannot edit nothing")
    nulls = {"name": None, "free_for_all": None}
    refused(await api.post(f"api/library/scripts/{sid}/edit", json=nulls), 400, 1, "cannot edit nothing")
    wrong = await api.post(f"api/library/scripts/{sid}/edit", json={"free_for_all": "yes"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "free_for_all"
    huge = await api.post(f"api/library/scripts/{sid}/update", json={"script": "x" * 1_000_001})
    assert huge.status_code == 400 and huge.json()["field"] == "script"
    no_state = await api.post(f"api/library/scripts/{sid}/toggle", json={"state": 1})
    assert no_state.status_code == 400 and no_state.json()["field"] == "state"
    assert (await api.get(f"api/library/scripts/{sid}")).json()["script"] == script
    unknown = await api.post("api/library/scripts/scr-nope/update", json={"script": "return 1"})
    assert unknown.status_code == 404

    changes = {"name": "renamed", "kick_outdated": True}
    renamed = await api.post(f"api/library/scripts/{sid}/edit", json=changes)
    assert renamed.json() == {"success": True}
    after = (await api.get(f"api/library/scripts/{sid}")).json()["script"]
    assert after["name"] == "renamed" and after["kick_outdated"] is True


async def test_toggle_and_disabled_scripts_refuse(api, make_bot):
    bot = await make_bot()
    empty = await create(api, script=None)
    assert empty["version"] == 0
    toggle = await api.post(f"api/library/scripts/{empty['id']}/toggle", json={"state": False})
    refused(toggle, 400, 1, "script update required")
    refused(await execute(api, empty["id"], bot), 400, 1, "script update required")

    sid = (await create(api))["id"]
    assert (await api.post(f"api/library/scripts/{sid}/toggle", json={"state": False})).json() == {
        "success": True
    }
    refused(await execute(api, sid, bot), 403, 2, "script is disabled")
    assert (await api.get(f"api/library/scripts/{sid}")).json()["script"]["total_executions"] == 0
    await api.post(f"api/library/scripts/{sid}/toggle", json={"state": True})
    assert (await execute(api, sid, bot)).status_code == 200


async def test_execute_on_two_bots_records_sessions_and_counts(api, make_bot):
    bots = [await make_bot(), await make_bot()]
    sid = (await create(api, "print('from the library') return 7"))["id"]
    me = (await api.get("api/me")).json()["identity"]["username"]
    sessions = []
    for bot in bots:
        response = await execute(api, sid, bot)
        assert response.status_code == 200, response.text
        sessions.append(response.json()["session"])
    for bot in bots:
        status = await wait_run_ended(api, bot, sid)
        assert status["state"] == "COMPLETE" and status["results"] == [7]
        console = (await api.get("api/scripts/console", params={"client_id": bot, "script_id": sid})).json()
        assert [line["text"] for line in console["lines"]] == ["from the library"]
        jobs = (await api.get("api/jobs", params={"client_id": bot})).json()["jobs"]
        assert sid in [job["script_id"] for job in jobs]

    listed = (await api.post(f"api/library/scripts/{sid}/sessions", json={})).json()["sessions"]
    assert [s["id"] for s in listed] == [s["id"] for s in reversed(sessions)]
    for row in listed:
        assert row["user_key"] == me
        assert row["state"] == "COMPLETE" and row["ended_at"] >= row["created_at"]
        assert row["version"] == 1 and row["script_id"] == sid and row["job_id"]
    assert {row["client_id"] for row in listed} == set(bots)
    script = (await api.get(f"api/library/scripts/{sid}")).json()["script"]
    assert (script["total_executions"], script["total_sessions"], script["total_instances"]) == (2, 2, 0)
    executions = (await api.get(f"api/library/scripts/{sid}/executions")).json()["executions"]
    assert len(executions) == 30
    today = datetime.now(UTC).strftime("%m/%d")
    assert list(executions)[-1] == today and executions[today] == 2
    assert sum(executions.values()) == 2

    page = (await api.post(f"api/library/scripts/{sid}/sessions", json={"from": 1, "limit": 1})).json()
    assert [s["id"] for s in page["sessions"]] == [sessions[0]["id"]]
    query = {"job_id": sessions[1]["job_id"]}
    filtered = (await api.get(f"api/library/scripts/{sid}/sessions/filter", params=query)).json()
    assert [s["id"] for s in filtered["sessions"]] == [sessions[1]["id"]]
    by_key = (await api.get(f"api/library/scripts/{sid}/sessions/filter", params={"key": me})).json()
    assert len(by_key["sessions"]) == 2
    nothing = await api.get(f"api/library/scripts/{sid}/sessions/filter", params={"limit": 5})
    refused(nothing, 400, 0, "must filter something")


async def test_a_running_instance_counts_and_a_second_start_conflicts(api, make_bot):
    bot = await make_bot()
    sid = (await create(api, LOOP))["id"]
    assert (await execute(api, sid, bot)).status_code == 200
    assert (await api.get(f"api/library/scripts/{sid}")).json()["script"]["total_instances"] == 1
    again = await execute(api, sid, bot)
    assert again.status_code == 409
    script = (await api.get(f"api/library/scripts/{sid}")).json()["script"]
    assert (script["total_executions"], script["total_sessions"]) == (1, 1)
    await api.post("api/scripts/stop", json={"client_id": bot, "script_id": sid})
    session = (await api.post(f"api/library/scripts/{sid}/sessions", json={})).json()["sessions"][0]
    assert session["state"] == "CANCELLED" and session["ended_at"] is not None
    assert (await api.get(f"api/library/scripts/{sid}")).json()["script"]["total_instances"] == 0


async def test_keys_guard_scripts_that_are_not_free_for_all(api, make_bot):
    bot = await make_bot()
    sid = (await create(api, LOOP, free_for_all=False, use_heartbeat=True))["id"]
    other = (await create(api, free_for_all=False))["id"]
    refused(await execute(api, sid, bot), 403, 3, "a valid key of this script is required")
    issued = await api.post(f"api/library/scripts/{sid}/keys")
    assert issued.status_code == 201
    key = issued.json()["key"]["key"]
    foreign = (await api.post(f"api/library/scripts/{other}/keys")).json()["key"]["key"]
    refused(await execute(api, sid, bot, key=foreign), 403, 3, "a valid key of this script is required")
    assert (await api.delete(f"api/library/scripts/{sid}/keys/{foreign}")).status_code == 404

    started = await execute(api, sid, bot, key=key)
    assert started.status_code == 200 and started.json()["session"]["user_key"] == key
    assert await running(api, bot, sid)
    revoked = await api.delete(f"api/library/scripts/{sid}/keys/{key}")
    assert revoked.json() == {"success": True}
    keys = (await api.get(f"api/library/scripts/{sid}/keys")).json()["keys"]
    assert keys[0]["key"] == key and keys[0]["revoked_at"] is not None
    # the heartbeat (every 0.5 s) stops the instance whose key was revoked
    await wait_until(lambda: _not(running(api, bot, sid)), timeout=5, what="the revoked instance stopped")
    refused(await execute(api, sid, bot, key=key), 403, 3, "a valid key of this script is required")


async def _not(check) -> bool:
    return not await check


async def test_heartbeat_stops_instances_of_a_disabled_script(api, make_bot):
    bot = await make_bot()
    sid = (await create(api, LOOP, use_heartbeat=True))["id"]
    plain = (await create(api, LOOP))["id"]
    await execute(api, sid, bot)
    await execute(api, plain, bot)
    await api.post(f"api/library/scripts/{sid}/toggle", json={"state": False})
    await api.post(f"api/library/scripts/{plain}/toggle", json={"state": False})
    await wait_until(lambda: _not(running(api, bot, sid)), timeout=5, what="the disabled instance stopped")
    await asyncio.sleep(1.0)  # two heartbeats: a script without use_heartbeat keeps running
    assert await running(api, bot, plain)
    await api.post("api/scripts/stop", json={"client_id": bot, "script_id": plain})


async def test_kick_outdated_stops_older_versions(api, make_bot):
    bot, other_bot = await make_bot(), await make_bot()
    sid = (await create(api, LOOP, kick_outdated=True))["id"]
    await execute(api, sid, bot)
    assert await running(api, bot, sid)
    await api.post(f"api/library/scripts/{sid}/update", json={"script": LOOP + " -- v2"})
    started = time.monotonic()
    await wait_until(lambda: _not(running(api, bot, sid)), timeout=5, what="the outdated instance stopped")
    assert time.monotonic() - started < 5
    await execute(api, sid, other_bot)
    await api.post(f"api/library/scripts/{sid}/edit", json={"name": "still v2"})
    await asyncio.sleep(0.3)
    assert await running(api, other_bot, sid)  # the current version is not kicked
    await api.post("api/scripts/stop", json={"client_id": other_bot, "script_id": sid})


async def test_require_sessions_needs_a_live_event_stream(server, api, make_bot):
    bot = await make_bot()
    sid = (await create(api, require_sessions=True))["id"]
    refused(await execute(api, sid, bot), 403, 4, "script requires a live event stream")
    params = {"client_id": bot}
    async with api.stream("GET", "api/seraph/events", params=params, timeout=30) as response:
        stream = EventStream(response)
        await stream.wait_connected()
        assert (await execute(api, sid, bot)).status_code == 200


async def test_remove_forgets_the_script_and_stops_its_runs(api, make_bot):
    bot = await make_bot()
    sid = (await create(api, LOOP))["id"]
    await execute(api, sid, bot)
    assert (await api.post(f"api/library/scripts/{sid}/remove")).json() == {"success": True}
    await wait_until(lambda: _not(running(api, bot, sid)), timeout=10, what="the removed script stopped")
    assert (await api.get(f"api/library/scripts/{sid}")).status_code == 404
    assert (await api.post(f"api/library/scripts/{sid}/remove")).status_code == 404
    assert (await api.get(f"api/library/scripts/{sid}/versions")).status_code == 404


async def test_library_routes_need_the_token(anonymous):
    response = await anonymous.get("api/library/scripts")
    assert response.status_code == 403


async def test_the_library_survives_a_restart(tmp_path):
    proc = await asyncio.to_thread(start_server, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=proc.url, headers=proc.headers, timeout=30) as api:
            assert (await api.post("api/bots", json={"id": "keeper"})).status_code == 201
            sid = (await create(api, "return 1", free_for_all=False))["id"]
            await api.post(f"api/library/scripts/{sid}/update", json={"script": "return 2"})
            key = (await api.post(f"api/library/scripts/{sid}/keys")).json()["key"]["key"]
            await execute(api, sid, "keeper", key=key)
            await wait_run_ended(api, "keeper", sid)
            before = {
                path: (await api.get(f"api/library/scripts/{sid}{path}")).json()
                for path in ("", "/executions", "/versions", "/keys")
            }
            sessions = (await api.post(f"api/library/scripts/{sid}/sessions", json={})).json()
            looping = (await create(api, LOOP))["id"]
            await execute(api, looping, "keeper")
            assert (await api.get(f"api/library/scripts/{looping}")).json()["script"]["total_instances"] == 1
    finally:
        proc.process.kill()  # a crash: the looping run never reports its end
        await asyncio.to_thread(proc.process.wait)
    proc = await asyncio.to_thread(start_server, tmp_path)
    try:
        async with httpx.AsyncClient(base_url=proc.url, headers=proc.headers, timeout=30) as api:
            for path, answer in before.items():
                assert (await api.get(f"api/library/scripts/{sid}{path}")).json() == answer
            assert (await api.post(f"api/library/scripts/{sid}/sessions", json={})).json() == sessions
            assert before[""]["script"]["version"] == 2
            assert before[""]["script"]["total_executions"] == 1
            assert sessions["sessions"][0]["user_key"] == key
            assert (await execute(api, sid, "keeper", key=key)).status_code == 200
            crashed = (await api.post(f"api/library/scripts/{looping}/sessions", json={})).json()["sessions"]
            assert crashed[0]["state"] == "FAILED" and crashed[0]["ended_at"] is not None
            assert (await api.get(f"api/library/scripts/{looping}")).json()["script"]["total_instances"] == 0
    finally:
        await asyncio.to_thread(proc.stop)


async def test_a_remote_fleet_gets_the_same_library_errors(server, api):
    sid = (await create(api))["id"]
    fleet = RemoteFleet(server.url, server.token)
    await fleet.start()
    try:
        with pytest.raises(LibraryError) as refused_update:
            await fleet.invoke("library_update", {"script_id": sid, "script": "x = = 1"})
        assert (refused_update.value.code, refused_update.value.message) == (2, "script is invalid")
        assert refused_update.value.extra == {"parser_output": "1: unexpected symbol near '='"}
        assert refused_update.value.http_status == 400
        with pytest.raises(LibraryError) as unknown:
            await fleet.invoke("library_get", {"script_id": "scr-nope"})
        assert unknown.value.code is None and unknown.value.http_status == 404
        answer = await fleet.invoke("library_update", {"script_id": sid, "script": "return 2"})
        assert answer == {"success": True, "version": 2}
    finally:
        await fleet.close()
