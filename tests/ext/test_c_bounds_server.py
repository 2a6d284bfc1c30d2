"""32 scripts looping inside C library functions (the attacks of issue 16) on a real server:
the REST API keeps answering, ``stop_all`` ends them, and an ordinary script still runs."""

from __future__ import annotations

import asyncio
import time

from rest_helpers import wait_run_ended

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


def key(bot_id: str, script_id: str) -> dict[str, str]:
    return {"client_id": bot_id, "script_id": script_id}


async def test_32_c_library_attacks_neither_starve_the_server_nor_outlive_stop_all(api, make_bot):
    bot_id = await make_bot()
    sources = [ATTACKS[i % len(ATTACKS)] for i in range(32)]
    started = await asyncio.gather(
        *(
            api.post("api/scripts/execute", json={**key(bot_id, f"attack-{i}"), "source": source})
            for i, source in enumerate(sources)
        )
    )
    assert [r.status_code for r in started] == [200] * 32
    submitted = time.monotonic()
    ordinary = await api.post("api/scripts/execute", json={**key(bot_id, "ordinary"), "source": "return 1"})
    assert ordinary.status_code == 200

    await asyncio.sleep(1)
    asked = time.monotonic()
    jobs = await api.get("api/jobs/by_client", params={"client_id": bot_id})
    assert jobs.status_code == 200 and time.monotonic() - asked < 3
    running = {j["script_id"] for j in jobs.json()["jobs"] if j["running"]}
    assert running & {f"attack-{i}" for i in range(32)}, "the attacks ended before they were stopped"

    asked = time.monotonic()
    stopped = await api.post("api/jobs/stop_all")
    assert stopped.status_code == 200 and time.monotonic() - asked < 5

    status = await wait_run_ended(api, bot_id, "ordinary", timeout=10)
    assert status["state"] == "COMPLETE" and status["results"] == [1]
    assert time.monotonic() - submitted < 10
    for i in range(32):
        status = await wait_run_ended(api, bot_id, f"attack-{i}", timeout=15)
        assert status["state"] in ("CANCELLED", "FAILED"), status
