"""Console and storage bounds on a real Jupyter server: scripts flooding many consoles with
huge lines leave the server's memory and its answers bounded, and writes past a storage quota
are refused with a clear error (a Lua error ``pcall`` catches, a 413 over REST) that changes
nothing, also after a restart."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from rest_helpers import wait_run_ended
from server_process import ServerProcess, start_server

MiB = 1024 * 1024
CONSOLE_BYTES = 1 * MiB
CONSOLE_TOTAL_BYTES = 4 * MiB
BOT_BYTES = 64 * 1024
GLOBAL_BYTES = 128 * 1024
ENTRY_BYTES = 32 * 1024
QUOTA_ARGS = (
    f"--SeraphExtension.console_bytes={CONSOLE_BYTES}",
    f"--SeraphExtension.console_total_bytes={CONSOLE_TOTAL_BYTES}",
    f"--SeraphExtension.storage_bot_bytes={BOT_BYTES}",
    f"--SeraphExtension.storage_global_bytes={GLOBAL_BYTES}",
    f"--SeraphExtension.storage_entry_bytes={ENTRY_BYTES}",
)
FLOOD = """
local s = string.rep("x", 100000)
for i = 1, 5000 do
  print(i, s)
  if i % 250 == 0 then sleep(0) end
end
"""
#: Fills a bot's 64 KiB quota with 10 kB entries, catching the refusal with pcall.
FILL_STORAGE = """
storage:set("first", "keep me")
local chunk, written, ok, err = string.rep("x", 10000), 0, true, nil
for i = 1, 100 do
  ok, err = pcall(storage.set, storage, "k" .. i, chunk)
  if not ok then break end
  written = i
end
return ok, err, written, storage:get("first"), #storage:keys()
"""


@pytest.fixture(scope="module")
def quota_server(tmp_path_factory) -> ServerProcess:
    """A server of its own with small console and storage limits."""
    proc = start_server(tmp_path_factory.mktemp("quotas"), *QUOTA_ARGS)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def qapi(quota_server) -> httpx.AsyncClient:
    server = quota_server
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as client:
        yield client


async def new_bot(api: httpx.AsyncClient, bot_id: str) -> str:
    response = await api.post("api/bots", json={"id": bot_id})
    assert response.status_code == 201, response.text
    return bot_id


async def run_script(api: httpx.AsyncClient, bot_id: str, script_id: str, source: str) -> dict:
    response = await api.post(
        "api/scripts/execute", json={"client_id": bot_id, "script_id": script_id, "source": source}
    )
    assert response.status_code == 200, response.text
    return await wait_run_ended(api, bot_id, script_id, timeout=60)


async def console_lines(api: httpx.AsyncClient, bot_id: str, script_id: str) -> list[dict]:
    response = await api.get("api/scripts/console", params={"client_id": bot_id, "script_id": script_id})
    assert response.status_code == 200, response.text
    assert len(response.content) < 2 * CONSOLE_BYTES, "a console answer must stay small"
    return response.json()["lines"]


async def test_the_limits_are_set_by_traits(qapi):
    limits = (await qapi.get("api/seraph/info")).json()["limits"]
    assert limits["console_bytes"] == CONSOLE_BYTES
    assert limits["console_total_bytes"] == CONSOLE_TOTAL_BYTES
    assert limits["storage_entry_bytes"] == ENTRY_BYTES
    assert limits["storage_bot_bytes"] == BOT_BYTES
    assert limits["storage_global_bytes"] == GLOBAL_BYTES
    assert limits["storage_total_bytes"] == 1024 * MiB


async def test_flooding_many_consoles_keeps_memory_bounded_and_the_server_answering(quota_server, qapi):
    bot_id = await new_bot(qapi, "flooder")
    await run_script(qapi, bot_id, "warm-up", "print('the engine is loaded') return 1")
    keys = [f"flood-{n}" for n in range(8)]
    before = quota_server.rss_bytes()
    for script_id in keys:
        response = await qapi.post(
            "api/scripts/execute", json={"client_id": bot_id, "script_id": script_id, "source": FLOOD}
        )
        assert response.status_code == 200, response.text

    latencies: list[float] = []
    done = asyncio.Event()

    async def probe_status() -> None:
        while not done.is_set():
            started = time.monotonic()
            response = await qapi.get("api/status")
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200
            await asyncio.sleep(0.02)

    async def read_console() -> None:
        while not done.is_set():
            await console_lines(qapi, bot_id, keys[0])

    background = [asyncio.ensure_future(probe_status())] + [
        asyncio.ensure_future(read_console()) for _ in range(4)
    ]
    try:
        statuses = [await wait_run_ended(qapi, bot_id, script_id, timeout=120) for script_id in keys]
    finally:
        done.set()
        await asyncio.gather(*background)
    assert [status["state"] for status in statuses] == ["COMPLETE"] * len(keys)
    assert latencies and max(latencies) < 10, f"/api/status took up to {max(latencies):.1f} s"

    total = 0
    for script_id in keys:
        lines = await console_lines(qapi, bot_id, script_id)
        text_bytes = sum(len(line["text"]) for line in lines)
        assert text_bytes <= CONSOLE_BYTES
        total += text_bytes
        if lines:  # the newest line is what a console keeps
            assert lines[-1]["text"].startswith("5000\t")
    assert total <= CONSOLE_TOTAL_BYTES
    assert await console_lines(qapi, bot_id, keys[-1]), "the last writer kept its newest lines"
    # Unbounded, these consoles would hold 8 x 5000 lines of 16 KiB (640 MiB), and the bot list
    # cache's event subscription 2000 of them (about 100 MiB); bounded, the server grows ~50 MiB.
    growth = quota_server.rss_bytes() - before
    assert growth < 150 * MiB, f"the server grew by {growth / MiB:.0f} MiB"
    assert (await qapi.get("api/status")).status_code == 200


async def test_a_script_past_its_storage_quota_gets_an_error_pcall_catches(qapi):
    bot_id = await new_bot(qapi, "hoarder")
    status = await run_script(qapi, bot_id, "fill", FILL_STORAGE)
    assert status["state"] == "COMPLETE", status
    ok, err, written, first, key_count = status["results"]
    assert ok is False and written == 6 and key_count == 7 and first == "keep me"
    assert "storage:set: storage quota exceeded: bot:hoarder would hold" in err
    assert f"the quota of each bot ({BOT_BYTES} bytes)" in err
    assert "c.SeraphExtension.storage_bot_bytes" in err
    stored = await qapi.get(f"api/storage/bot:{bot_id}/k6")
    assert stored.json() == {"value": "x" * 10000}
    assert (await qapi.get(f"api/storage/bot:{bot_id}/k7")).json() == {"value": None}

    unprotected = await run_script(qapi, bot_id, "unprotected", 'storage:set("more", string.rep("y", 9000))')
    assert unprotected["state"] == "FAILED"
    assert "storage quota exceeded" in unprotected["error"]["message"]
    big = await run_script(
        qapi, bot_id, "big", 'return pcall(globalStorage.set, globalStorage, "big", string.rep("z", 40000))'
    )
    assert big["results"][0] is False
    assert "than the largest allowed" in big["results"][1] and "storage_entry_bytes" in big["results"][1]

    freed = await run_script(
        qapi, bot_id, "freed", 'storage:delete("k1") storage:set("more", string.rep("y", 9000)) return 1'
    )
    assert freed["state"] == "COMPLETE", freed


async def test_rest_writes_over_quota_answer_413_and_change_nothing(qapi):
    scope = "global"
    chunk = "g" * 30000
    for n in range(4):
        response = await qapi.put(f"api/storage/{scope}/q{n}", json={"value": chunk})
        assert response.status_code == 200, response.text
    keys_before = (await qapi.get(f"api/storage/{scope}")).json()["keys"]

    refused = await qapi.put(f"api/storage/{scope}/q4", json={"value": chunk})
    assert refused.status_code == 413
    body = refused.json()
    assert set(body) == {"error"}
    assert body["error"].startswith("storage quota exceeded: global would hold ")
    assert f"globalStorage quota ({GLOBAL_BYTES} bytes)" in body["error"]
    assert "c.SeraphExtension.storage_global_bytes" in body["error"]

    grown = await qapi.put(f"api/storage/{scope}/q0", json={"value": chunk + "g" * 2000})
    assert grown.status_code == 200, "growing q0 by 2 kB still fits"
    refused = await qapi.put(f"api/storage/{scope}/q1", json={"value": "h" * (ENTRY_BYTES + 1)})
    assert refused.status_code == 413 and "storage_entry_bytes" in refused.json()["error"]
    assert (await qapi.get(f"api/storage/{scope}/q1")).json() == {"value": chunk}
    assert (await qapi.get(f"api/storage/{scope}")).json()["keys"] == keys_before

    assert (await qapi.delete(f"api/storage/{scope}/q0")).json() == {"deleted": True}
    assert (await qapi.put(f"api/storage/{scope}/q4", json={"value": chunk})).status_code == 200
    assert (await qapi.delete(f"api/storage/{scope}")).json() == {"ok": True}


async def test_storage_usage_survives_a_restart(tmp_path):
    args = (f"--SeraphExtension.storage_bot_bytes={BOT_BYTES}",)
    scope = "bot:keeper"
    chunk = "k" * 10000
    server = await asyncio.to_thread(start_server, tmp_path / "jupyter", *args)
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as api:
            for n in range(6):
                assert (await api.put(f"api/storage/{scope}/k{n}", json={"value": chunk})).status_code == 200
            assert (await api.put(f"api/storage/{scope}/k6", json={"value": chunk})).status_code == 413
    finally:
        await asyncio.to_thread(server.stop)
    server = await asyncio.to_thread(start_server, tmp_path / "jupyter", *args)
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as api:
            refused = await api.put(f"api/storage/{scope}/k6", json={"value": chunk})
            assert refused.status_code == 413, "the usage before the restart still counts"
            assert (await api.delete(f"api/storage/{scope}/k0")).json() == {"deleted": True}
            assert (await api.put(f"api/storage/{scope}/k6", json={"value": chunk})).status_code == 200
            assert len((await api.get(f"api/storage/{scope}")).json()["keys"]) == 6
    finally:
        await asyncio.to_thread(server.stop)
