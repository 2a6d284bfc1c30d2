"""``seraph-sim``: the standalone server prints where it listens, serves, and stops cleanly."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import sys

from .helpers import RawClient


async def start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "seraph_kernel.sim.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_serves_and_stops_on_ctrl_c():
    proc = await start("--port", "0", "--seed", "7", "--admin-token", "tok")
    try:
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 20)).decode() for _ in range(4)]
        entry = re.search(r"seed 7, entry 127\.0\.0\.1:(\d+)", lines[0])
        assert entry, lines
        assert "host game-lava.sim at 127.0.0.1:" + entry.group(1) in lines[1]
        assert "host game-ice.sim" in lines[2] and "admin token tok" in lines[3]
        client = await RawClient().open(("127.0.0.1", int(entry.group(1))))
        assert (await client.req("hello", username="Visitor", device_id="d"))["t"] == "auth_ok"
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        assert b"stopped" in await proc.stdout.read()
        await client.wait_closed()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_a_busy_port_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        proc = await start("--port", str(s.getsockname()[1]))
        assert await asyncio.wait_for(proc.wait(), 20) == 1
        assert b"address already in use" in (await proc.stderr.read()).lower()


async def run_admin(*args: str) -> tuple[int, str]:
    proc = await start("admin", *args)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    return proc.returncode, (out + err).decode()


async def test_admin_subcommand_talks_to_a_running_server(make_server, connect):
    server = await make_server(admin_token="tok")
    player = await connect(server, "Victim")
    rc, out = await run_admin(
        "kick", "username=Victim", "reason=bye", "--address", server.address, "--token", "tok"
    )
    assert rc == 0 and json.loads(out) == {"kicked": True}
    assert (await player.wait_push("kicked"))["reason"] == "bye"
    rc, out = await run_admin(
        "set_world_cap", "world=FOO", "cap=3", "--address", server.address, "--token", "tok"
    )
    assert rc == 0 and server.worlds["FOO"].cap == 3
    rc, out = await run_admin("stats", "--address", server.address, "--token", "wrong")
    assert rc == 1 and json.loads(out)["code"] == "AUTH_FAILED"
    rc, out = await run_admin("explode", "--address", server.address, "--token", "tok")
    assert rc == 1 and "unknown admin op" in out
