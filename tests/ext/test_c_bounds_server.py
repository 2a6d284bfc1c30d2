"""32 scripts looping inside C library functions (the attacks of issue 16) on a real server:
the REST API keeps answering, ``stop_all`` ends them, and an ordinary script still runs."""

from __future__ import annotations

import asyncio
import time

from rest_helpers import key, wait_run_ended

ATTACKS = [
    "while true do string.rep('', math.maxinteger) end",
    "table.move({}, 1, math.maxinteger // 2, 2)",
    "local t = setmetatable({}, {__len = function() return 1 << 62 end}) table.insert(t, 1, 'x')",
    "local s = string.rep('a', 1e6) string.find(s, '.-b')",
    "local s = string.rep('(', 1e6) s:gsub('%b()', '')",
    "load('return x' .. string.rep(' and x', 3e5))",
    "string.find(123456789012345, string.rep('%d?', 40) .. 'x')",
    "local s = string.rep('a', 1 << 22) local t = {} for i = 1, 20000 do t[i] = s end table.sort(t)",
]


async def start_attacks(api, bot_id: str, prefix: str) -> list[str]:
    """32 attack scripts started at once; their script ids."""
    ids = [f"{prefix}-{i}" for i in range(32)]
    started = await asyncio.gather(
        *(
            api.post(
                "api/scripts/execute", json={**key(bot_id, script_id), "source": ATTACKS[i % len(ATTACKS)]}
            )
            for i, script_id in enumerate(ids)
        )
    )
    assert [r.status_code for r in started] == [200] * 32
    return ids


async def run_ordinary(api, bot_id: str, script_id: str, timeout: float) -> None:
    submitted = time.monotonic()
    response = await api.post("api/scripts/execute", json={**key(bot_id, script_id), "source": "return 1"})
    assert response.status_code == 200
    status = await wait_run_ended(api, bot_id, script_id, timeout=timeout)
    assert status["state"] == "COMPLETE" and status["results"] == [1]
    assert time.monotonic() - submitted < timeout


async def test_32_c_library_attacks_end_by_their_budget_and_an_ordinary_script_runs(api, make_bot):
    """Each attack holds a worker thread until its 5 s no-yield budget ends it (before, none
    ever ended and the ordinary script stayed queued)."""
    bot_id = await make_bot()
    attacks = await start_attacks(api, bot_id, "attack")
    await run_ordinary(api, bot_id, "ordinary", timeout=15)
    for script_id in attacks:
        status = await wait_run_ended(api, bot_id, script_id, timeout=15)
        assert status["state"] == "FAILED", status
        assert status["last_error"] == "script ran for more than 5000 ms without yielding"


async def test_stop_all_answers_and_ends_32_c_library_attacks(api, make_bot):
    bot_id = await make_bot()
    attacks = await start_attacks(api, bot_id, "attack")
    await asyncio.sleep(1)
    asked = time.monotonic()
    jobs = await api.get("api/jobs/by_client", params={"client_id": bot_id})
    assert jobs.status_code == 200 and time.monotonic() - asked < 3
    running = {j["script_id"] for j in jobs.json()["jobs"] if j["running"]}
    assert running & set(attacks), "the attacks ended before they were stopped"

    asked = time.monotonic()
    stopped = await api.post("api/jobs/stop_all")
    assert stopped.status_code == 200 and time.monotonic() - asked < 5
    for script_id in attacks:
        status = await wait_run_ended(api, bot_id, script_id, timeout=15)
        assert status["state"] in ("CANCELLED", "FAILED"), status
    await run_ordinary(api, bot_id, "after", timeout=5)
