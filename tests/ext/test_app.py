"""The extension as a user installs and runs it: enabled by installing, configured by traitlets
or the environment, exporting its URL and token to real kernels, and shutting down cleanly."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from rest_helpers import EventStream
from server_process import jupyter_env, start_server

from seraph_kernel.config import FleetConfig
from seraph_kernel.fleet.local import LocalFleet

JUPYTER = str(Path(sys.executable).parent / "jupyter")

KERNEL_CODE = """
import json, os
from seraph_kernel.fleet.remote import RemoteFleet
fleet = RemoteFleet.from_env()
await fleet.start()
bots = [b["id"] for b in await fleet.list_bots()]
await fleet.close()
print(json.dumps({"url": os.environ["SERAPH_SERVER_URL"], "token": os.environ["SERAPH_TOKEN"], "bots": bots}))
"""


def test_installing_the_package_enables_the_extension(tmp_path):
    result = subprocess.run(
        [JUPYTER, "server", "extension", "list"],
        env=jupyter_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    output = result.stdout + result.stderr
    assert "seraph_ext \x1b[32menabled" in output or "seraph_ext enabled" in output
    assert "seraph_ext  \x1b[32mOK" in output or "seraph_ext  OK" in output


async def run_in_kernel(client: AsyncKernelClient, code: str, timeout: float = 60.0) -> str:
    """Execute ``code`` and return what it printed (raises on an error reply)."""
    msg_id = client.execute(code)
    out: list[str] = []
    while True:
        msg = await client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out)


async def test_kernels_started_by_the_server_get_its_url_and_token(server, api, make_bot):
    bot_id = await make_bot()
    started = await api.post("api/kernels", json={"name": "python3"})
    assert started.status_code == 201, started.text
    kernel_id = started.json()["id"]
    client = AsyncKernelClient()
    try:
        client.load_connection_file(server.root / "runtime" / f"kernel-{kernel_id}.json")
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        seen = json.loads(await run_in_kernel(client, KERNEL_CODE))
    finally:
        client.stop_channels()
        await api.delete(f"api/kernels/{kernel_id}")
    assert seen["url"] == server.url
    assert seen["token"] == server.token
    assert bot_id in seen["bots"]


async def test_traitlets_configure_the_fleet(tmp_path, sim_server):
    proc = await asyncio.to_thread(
        start_server,
        tmp_path,
        "--SeraphExtension.sim_seed=7",
        f"--SeraphExtension.sim_address={sim_server.address}",
        f"--SeraphExtension.db_path={tmp_path / 'configured.sqlite'}",
        "--SeraphExtension.script_budget_ms=0",
    )
    try:
        async with httpx.AsyncClient(base_url=proc.url, headers=proc.headers) as client:
            info = (await client.get("api/seraph/info")).json()
    finally:
        await asyncio.to_thread(proc.stop)
    assert info["seed"] == 7
    assert info["sim_address"] == sim_server.address
    assert info["db_path"] == str(tmp_path / "configured.sqlite")
    assert info["limits"]["script_budget_ms"] is None


async def test_shutdown_ends_streams_stops_scripts_with_cleanup_and_disconnects_bots(tmp_path, sim_server):
    db = tmp_path / "shutdown.sqlite"
    env = jupyter_env(tmp_path, SERAPH_SIM_ADDRESS=sim_server.address, SERAPH_DB=str(db))
    proc = await asyncio.to_thread(start_server, tmp_path, env=env)
    try:
        async with httpx.AsyncClient(base_url=proc.url, headers=proc.headers, timeout=30) as client:
            await client.post("api/bots", json={"id": "keeper"})
            await client.post("api/bots/keeper/connect", params={"wait": "true"})
            warp = await client.post(
                "api/bots/keeper/warp", params={"wait": "true"}, json={"world": "MINEWORLD"}
            )
            assert warp.status_code == 200
            source = (
                'cleanup(function() globalStorage:set("shutdown-cleanup", "ran") end) '
                "while true do sleep(20) end"
            )
            body = {"client_id": "keeper", "script_id": "forever", "source": source}
            assert (await client.post("api/scripts/execute", json=body)).status_code == 200
            assert len(sim_server.sessions) == 1
            async with client.stream(
                "GET", "api/seraph/events", timeout=httpx.Timeout(30, read=None)
            ) as events:
                stream = EventStream(events)
                await stream.wait_connected()
                stopping = asyncio.create_task(asyncio.to_thread(proc.stop))
                with pytest.raises(AssertionError, match="event stream ended"):
                    while True:
                        await stream.next_frame(timeout=30)
                returncode = await stopping
    finally:
        await asyncio.to_thread(proc.stop)
    assert returncode == 0, proc.log()
    assert sim_server.sessions == {}
    assert all(not world.players for world in sim_server.worlds.values())
    fleet = LocalFleet(FleetConfig(sim_address=sim_server.address, db_path=db))
    await fleet.start()
    try:
        assert await fleet.storage_get("global", "shutdown-cleanup") == "ran"
        status = await fleet.status("keeper", "forever")
        assert status["running"] is False and status["state"] == "CANCELLED"
    finally:
        await fleet.close()
