"""``seraph-sim``: run the simulated world standalone, so several Jupyter servers and kernels
can share one world. Prints the entry address, every host and the admin token; Ctrl-C (or
SIGTERM) stops it cleanly.

``seraph-sim admin OP [key=value ...] --address HOST:PORT --token TOKEN`` sends one admin
operation to a running server and prints the JSON reply (``seraph-sim admin kick
username=P123 reason=bye``, ``seraph-sim admin stats``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from seraph_kernel.sim.protocol import encode, read_frame
from seraph_kernel.sim.server import DEFAULT_HOSTS, DEFAULT_LOBBIES, SimWorldServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="seraph-sim", description="Run the Seraph simulated world server.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=10001, help="entry host port; other hosts use the next ports")
    p.add_argument("--seed", type=int, default=42, help="world seed (same seed, same worlds)")
    p.add_argument("--hosts", default=",".join(DEFAULT_HOSTS), help="comma-separated simulated host names")
    p.add_argument(
        "--lobbies", default=",".join(DEFAULT_LOBBIES), help="comma-separated lobby host names (setSubserver)"
    )
    p.add_argument("--world-cap", type=int, default=50, help="players per world")
    p.add_argument("--move-interval-ms", type=int, default=250, help="minimum time between two moves")
    p.add_argument("--tick-hz", type=float, default=10.0, help="server ticks per second")
    p.add_argument("--ban", action="append", default=[], help="a banned username (repeatable)")
    p.add_argument("--admin-token", default=None, help="token for admin frames (default: random)")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    server = SimWorldServer(
        seed=args.seed,
        host=args.host,
        port=args.port,
        hosts=tuple(h.strip() for h in args.hosts.split(",") if h.strip()),
        lobbies=tuple(h.strip() for h in args.lobbies.split(",") if h.strip()),
        world_cap=args.world_cap,
        ban_list=args.ban,
        move_interval_ms=args.move_interval_ms,
        tick_hz=args.tick_hz,
        admin_token=args.admin_token,
    )
    await server.start()
    print(f"seraph-sim: seed {args.seed}, entry {server.address}", flush=True)
    for name in server.host_names:
        print(f"  host {name} at {':'.join(map(str, server.hosts[name]))}", flush=True)
    print(f"  admin token {server.admin_token}", flush=True)
    for name in server.lobby_names:
        print(f"  lobby {name} at {':'.join(map(str, server.hosts[name]))}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print("seraph-sim: stopped", flush=True)


def parse_admin_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="seraph-sim admin", description="Send one admin operation.")
    p.add_argument("op", help="kick, ban, unban, drop_all, set_world_cap, pause, resume, stats, reset_stats")
    p.add_argument("params", nargs="*", help="key=value arguments (cap=3 is sent as a number)")
    p.add_argument("--address", default="127.0.0.1:10001", help="any host of the server")
    p.add_argument("--token", required=True, help="the admin token the server printed")
    args = p.parse_args(argv)
    fields = {}
    for param in args.params:
        key, sep, value = param.partition("=")
        if not sep or not key:
            p.error(f"expected key=value, got {param!r}")
        fields[key] = int(value) if value.isdigit() else value
    args.fields = fields
    return args


async def admin(args: argparse.Namespace) -> int:
    ip, _, port = args.address.rpartition(":")
    reader, writer = await asyncio.open_connection(ip, int(port))
    try:
        writer.write(encode({"t": "admin_hello", "rid": 1, "token": args.token}))
        reply = await read_frame(reader)
        if reply["t"] == "ok":
            writer.write(encode({"t": "admin", "rid": 2, "op": args.op, **args.fields}))
            reply = await read_frame(reader)
    finally:
        writer.close()
    body = {k: v for k, v in reply.items() if k not in ("t", "rid")}
    print(json.dumps(body, indent=2, sort_keys=True))
    return 0 if reply["t"] == "ok" else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["admin"]:
        try:
            return asyncio.run(admin(parse_admin_args(argv[1:])))
        except (OSError, asyncio.IncompleteReadError) as exc:
            print(f"seraph-sim admin: {exc or 'connection closed'}", file=sys.stderr)
            return 1
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print(f"seraph-sim: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
