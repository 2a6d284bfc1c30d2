"""``seraph-sim``: run the simulated world standalone, so several Jupyter servers and kernels
can share one world. Prints the entry address, every host and the admin token; Ctrl-C (or
SIGTERM) stops it cleanly."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from seraph_kernel.sim.server import DEFAULT_HOSTS, SimWorldServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="seraph-sim", description="Run the Seraph simulated world server.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=10001, help="entry host port; other hosts use the next ports")
    p.add_argument("--seed", type=int, default=42, help="world seed (same seed, same worlds)")
    p.add_argument("--hosts", default=",".join(DEFAULT_HOSTS), help="comma-separated simulated host names")
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
        world_cap=args.world_cap,
        ban_list=args.ban,
        move_interval_ms=args.move_interval_ms,
        tick_hz=args.tick_hz,
        admin_token=args.admin_token,
    )
    await server.start()
    print(f"seraph-sim: seed {args.seed}, entry {server.address}", flush=True)
    for name, (ip, port) in server.hosts.items():
        print(f"  host {name} at {ip}:{port}", flush=True)
    print(f"  admin token {server.admin_token}", flush=True)
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


def main(argv: list[str] | None = None) -> int:
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
