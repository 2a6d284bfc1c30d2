"""003: ``connect`` answers 200 even when the game refuses the account; the failure surfaces
in the snapshot (``status``, ``last_error``) and in the event stream."""

from __future__ import annotations

import asyncio

import httpx

from seraph_ext.testing import serve


async def test_a_banned_account_connects_with_200_and_the_snapshot_says_why(sim_server, db_path):
    async with (
        serve(sim_address=sim_server.address, db_path=db_path) as server,
        httpx.AsyncClient(base_url=server.url, headers=server.headers) as client,
    ):
        created = (await client.post("api/bots", json={"id": "outlaw"})).json()
        sim_server.admin.ban(created["username"])
        response = await client.post("api/bots/outlaw/connect")
        assert (response.status_code, response.json()) == (200, {"ok": True})
        for _ in range(200):
            snapshot = (await client.get("api/bots/outlaw")).json()
            if snapshot["status"] not in ("disconnected", "connecting", "authenticating"):
                break
            await asyncio.sleep(0.02)
        waited = await client.post("api/bots/outlaw/connect", params={"wait": "true"})
    assert snapshot["status"] == "banned"
    assert snapshot["last_error"]
    assert waited.status_code == 409 and waited.json()["code"] == "BANNED"
