"""``GET /api/seraph/events``: session frames on status changes, log frames for a script's
prints, the client_id filter, ``?token=`` auth, heartbeats, and a clean close."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from rest_helpers import EventStream, wait_run_ended


@contextlib.asynccontextmanager
async def events(server, **params):
    """An open event stream, authenticated by ``?token=`` as a browser's EventSource would be."""
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(30, read=None)) as client,
        client.stream("GET", "api/seraph/events", params={"token": server.token, **params}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        await stream.wait_connected()
        yield stream


async def test_warp_sends_session_frames_through_to_in_world(server, api, make_bot):
    bot_id = await make_bot(connect=True)
    async with events(server, client_id=bot_id) as stream:
        await api.post(f"api/bots/{bot_id}/warp", json={"world": "MINEWORLD"})
        statuses = []
        while "in_world" not in statuses:
            _, data = await stream.until(lambda e, d: e == "session")
            assert data["client_id"] == bot_id and data["snapshot"]["id"] == bot_id
            statuses.append(data["snapshot"]["status"])
    assert statuses[0] == "joining_world"
    assert statuses[-1] == "in_world"


async def test_script_prints_arrive_as_log_frames(server, api, make_bot):
    bot_id = await make_bot()
    async with events(server) as stream:
        source = 'print("first line") warn("second line")'
        await api.post("api/scripts/execute", json={"client_id": bot_id, "script_id": "s", "source": source})
        frames = []
        while len(frames) < 2:
            _, data = await stream.until(lambda e, d: e == "log" and d["scope"] == "script:s")
            frames.append(data)
    assert [(f["level"], f["message"]) for f in frames] == [("info", "first line"), ("warn", "second line")]
    assert all(f["session_id"] == bot_id and isinstance(f["timestamp_ms"], int) for f in frames)
    # Seraph's fields: no line here crossed a wire, so transport and direction are null
    assert all(f["transport"] is None and f["direction"] is None for f in frames)
    await wait_run_ended(api, bot_id, "s")


async def test_status_changes_arrive_as_state_log_frames(server, api, make_bot):
    bot_id = await make_bot(connect=True)
    async with events(server, client_id=bot_id) as stream:
        await api.post(f"api/bots/{bot_id}/warp", json={"world": "MINEWORLD"})
        states = []
        while "status: in_world" not in states:
            _, data = await stream.until(lambda e, d: e == "log" and d["level"] == "state")
            assert (data["scope"], data["transport"], data["direction"]) == ("bot", None, None)
            states.append(data["message"])
    assert states[0] == "status: joining_world"


async def test_client_id_filter_keeps_one_bots_events(server, api, make_bot):
    watched, other = await make_bot(), await make_bot()
    async with events(server, client_id=watched) as stream:
        await api.post(f"api/bots/{other}/connect")
        await api.post(f"api/bots/{watched}/connect")
        for _ in range(3):
            _, data = await stream.next_frame()
            assert data["client_id"] == watched


async def test_idle_stream_sends_heartbeats(server):
    async with events(server, client_id="nobody-here") as stream:
        with contextlib.suppress(asyncio.TimeoutError):
            await stream.next_frame(timeout=1.5)
    assert "heartbeat" in stream.comments


async def test_streams_refuse_a_missing_token_and_close_cleanly(server, api):
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await client.get("api/seraph/events")
    assert refused.status_code == 403 and "error" in refused.json()
    before = (await api.get("api/seraph/info")).json()["event_streams"]
    async with events(server), events(server):
        assert (await api.get("api/seraph/info")).json()["event_streams"] == before + 2
    for _ in range(50):
        if (await api.get("api/seraph/info")).json()["event_streams"] == before:
            break
        await asyncio.sleep(0.1)
    assert (await api.get("api/seraph/info")).json()["event_streams"] == before
    assert "Traceback" not in server.log()


async def test_a_burst_of_lines_arrives_whole_and_in_order(server, api, make_bot):
    """A burst of console lines below the queue's bound: the stream sends every one, in order
    (queued frames go out together, in batches, instead of one flush per line)."""
    bot_id = await make_bot()
    async with events(server, client_id=bot_id) as stream:
        source = "for i = 1, 1500 do print(i) end"
        await api.post(
            "api/scripts/execute", json={"client_id": bot_id, "script_id": "burst", "source": source}
        )
        seen = []
        while len(seen) < 1500:
            kind, data = await stream.until(lambda e, d: e == "dropped" or d.get("scope") == "script:burst")
            assert kind != "dropped", f"the stream dropped {data['dropped']} lines of a 1,500-line burst"
            seen.append(int(data["message"]))
    assert seen == list(range(1, 1501))
    await wait_run_ended(api, bot_id, "burst")


async def test_a_client_that_does_not_read_is_told_what_it_lost(server, api, make_bot):
    """A reader that stalls while 40 MB of lines go by loses the oldest (the server's memory
    stays bounded) and gets a ``dropped`` frame with the count before the newest lines."""
    bot_id = await make_bot()
    async with events(server, client_id=bot_id) as stream:
        source = "local s = string.rep('z', 10000) for i = 1, 4000 do print(i, s) end"
        await api.post(
            "api/scripts/execute", json={"client_id": bot_id, "script_id": "flood", "source": source}
        )
        await wait_run_ended(api, bot_id, "flood")
        dropped, last = 0, 0
        while last < 4000:
            kind, data = await stream.until(lambda e, d: e == "dropped" or d.get("scope") == "script:flood")
            if kind == "dropped":
                dropped += data["dropped"]
            else:
                last = int(data["message"].split("\t")[0])
    assert dropped > 0
