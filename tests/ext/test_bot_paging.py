"""Issue 14 on a real server: ``GET /api/bots?limit&after`` pages every bot once, refuses bad
parameters with the error envelope, and leaves the unparameterised answer as it was; a slow
event-stream client during a burst from many bots gets each bot's latest snapshot once and a
``dropped`` frame for the console lines it lost, while the server's queue for it stays bounded."""

from __future__ import annotations

import asyncio
import json

from rest_helpers import wait_run_ended
from test_events import events

from seraph_kernel.fleet.events import DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_SIZE


async def test_pages_walk_every_bot_once_in_the_unpaged_order(api, make_bot):
    for _ in range(23):
        await make_bot()
    everything = [bot["id"] for bot in (await api.get("api/bots")).json()["bots"]]
    walked, after, pages = [], None, 0
    while True:
        response = await api.get("api/bots", params={"limit": 7, **({"after": after} if after else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"bots", "next"} and len(page["bots"]) <= 7
        walked += [bot["id"] for bot in page["bots"]]
        pages += 1
        if page["next"] is None:
            break
        after = page["next"]
    assert walked == everything
    assert pages == -(-len(everything) // 7)


async def test_without_parameters_the_answer_is_the_whole_list_as_before(api, make_bot):
    await make_bot()
    response = await api.get("api/bots")
    assert list(response.json()) == ["bots"]
    assert response.headers["Etag"]
    invoked = await api.post("invoke", json={"cmd": "list_bots"})
    assert invoked.json() == response.json()
    paged = await api.post("invoke", json={"cmd": "list_bots", "args": {"limit": 1000}})
    assert paged.json() == {**response.json(), "next": None}


async def test_bad_paging_parameters_answer_400_with_the_error_envelope(api):
    cases = {
        "limit=abc": {"error": "limit: expected an integer, got 'abc'", "field": "limit"},
        "limit=0": {"error": "limit: must be at least 1, got 0", "field": "limit", "command": "list_bots"},
        "after=": {"error": "after: must not be empty", "field": "after", "command": "list_bots"},
        f"after={'x' * 65}": {
            "error": "after: longer than 64 characters",
            "field": "after",
            "command": "list_bots",
        },
    }
    for query, body in cases.items():
        response = await api.get(f"api/bots?{query}")
        assert (response.status_code, response.json()) == (400, body), query


async def flood(api, bot_id: str, script_id: str) -> None:
    """40 MB of console lines: more than the socket buffers and the stream's queue hold."""
    source = "local s = string.rep('z', 10000) for i = 1, 4000 do print(i, s) end"
    body = {"client_id": bot_id, "script_id": script_id, "source": source}
    assert (await api.post("api/scripts/execute", json=body)).status_code == 200
    await wait_run_ended(api, bot_id, script_id, timeout=60)


async def test_a_slow_client_gets_each_bots_latest_snapshot_and_a_dropped_marker(server, api, make_bot):
    bots = [await make_bot() for _ in range(30)]
    async with events(server) as stream:
        await flood(api, bots[0], "before")  # the client reads nothing: its socket is full
        connects = [api.post(f"api/bots/{bot}/connect", params={"wait": "true"}) for bot in bots]
        assert all(response.status_code == 200 for response in await asyncio.gather(*connects))
        await flood(api, bots[0], "after")  # console lines push out older lines, not snapshots
        backlog = max(
            (await api.get("api/seraph/info")).json()["event_stream_backlog"], key=lambda b: b["snapshots"]
        )
        assert backlog["snapshots"] == len(bots) and backlog["coalesced"] >= len(bots)
        assert backlog["queued"] <= DEFAULT_QUEUE_SIZE and backlog["queued_bytes"] <= DEFAULT_QUEUE_BYTES
        snapshots: dict[str, list[str]] = {bot: [] for bot in bots}
        dropped, last = 0, 0
        while last < 4000:
            kind, data = await stream.next_frame()
            if kind == "dropped":
                dropped += data["dropped"]
            elif kind == "session" and data["client_id"] in snapshots:
                snapshots[data["client_id"]].append(data["snapshot"]["status"])
            elif kind == "log" and data["scope"] == "script:after":
                last = int(data["message"].split("\t")[0])
    assert dropped > 0
    assert snapshots == {bot: ["menu_ready"] for bot in bots}, json.dumps(snapshots)[:500]
