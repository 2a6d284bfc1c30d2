"""A RemoteFleet needs nothing but Seraph's own HTTP API: against a server that mounts only
Seraph's documented routes (``strict_surface``), it drives bots, scripts and storage through
``/invoke`` and reads the event stream, with a Bearer token."""

from __future__ import annotations

import asyncio

import httpx

from seraph_ext.testing import serve
from seraph_kernel.fleet.remote import RemoteFleet


async def test_remote_fleet_works_on_the_strict_surface(sim_server, db_path):
    async with serve(
        sim_address=sim_server.address, db_path=db_path, extension_config={"strict_surface": True}
    ) as s:
        headers = {"Authorization": f"Bearer {s.token}"}
        async with httpx.AsyncClient(base_url=s.url, headers=headers) as http:
            assert (await http.get("api/storage/global")).status_code == 404  # not Seraph's
            assert (await http.get("api/seraph/openapi.yaml")).status_code == 404
            assert (await http.get("api/bots")).status_code == 200
            assert (await http.get("api/commands")).status_code == 200
        fleet = RemoteFleet(s.url, s.token)
        await fleet.start()
        try:
            events = fleet.subscribe()
            snapshot = await fleet.create_bot()
            bot_id = snapshot["id"]
            assert await fleet.connect(bot_id, wait=True) is None
            assert await fleet.warp(bot_id, "MINEWORLD", wait=True) is None
            assert (await fleet.get_bot(bot_id))["current_world"] == "MINEWORLD"
            await fleet.storage_set("global", "season", {"n": 3})
            assert await fleet.storage_get("global", "season") == {"n": 3}
            await fleet.execute(bot_id, "hello", 'print("hi") return 1 + 1')
            for _ in range(200):
                status = await fleet.status(bot_id, "hello")
                if not status["running"]:
                    break
                await asyncio.sleep(0.02)
            assert (status["state"], status["results"]) == ("COMPLETE", [2])
            assert [line["text"] for line in (await fleet.console(bot_id, "hello"))["lines"]] == ["hi"]
            seen = await asyncio.wait_for(events.__anext__(), 10)
            assert seen.client_id == bot_id
        finally:
            await fleet.close()
