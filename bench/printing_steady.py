"""The steady state of a thousand 10 Hz scripts, quiet then printing, on one real server.

``printing_scripts.py`` measures whole runs: its window starts a second after the last script
was posted, so it also counts what starting a thousand scripts leaves behind (run records in
SQLite, the start-up garbage, scripts still settling into their rhythm). This bench measures
only the steady middle: it starts ``--scripts`` scripts that loop ``sleep(100)`` for longer
than the window, waits ``--warm`` seconds, measures ``--seconds``, then stops them (REST) and
does the same with scripts that also ``print`` once a tick. One client reads the event stream
throughout and counts the console lines it gets.

Figures per phase: CPU of the server and its fleet process (``ServerTree``) per tick done (the
ticks counted on the event stream for ``print``; for ``quiet`` the scripts' rate, 10 a second
each, which the printing phase shows they keep), the server process's own share, and lines per
second on the stream; for ``print``, sleep lateness p50/p99 inside the window, from the console
lines of one script in ten (issue 14's target: p99 ≤ 10 ms). The quiet phase is one baseline:
``print - quiet`` is what a console line costs from the script to the stream's client. The other,
run first in the same invocation, is ``lupa_floor.py``: as many bare lupa coroutines resumed by
asyncio, quiet and handing Python a line a tick, with nothing else; each phase's CPU is quoted
as a ratio to it (``--no-floor`` skips it).

    python bench/printing_steady.py [--scripts 1000] [--warm 5] [--seconds 12] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time

import httpx
from lupa_floor import floor
from printing_scripts import StreamCounter
from rest_load import (
    ServerTree,
    add_bots,
    add_fleet_option,
    fleet_env,
    fleet_layout,
    post_all,
    run_on_server,
)

from seraph_kernel.sim.admin import percentile

BODIES = {"quiet": "", "print": "print('tick', i)"}
PROBES = 10
"""One printing script in ``PROBES`` has its console read for sleep lateness."""


async def phase(client: httpx.AsyncClient, tree: ServerTree, counter: StreamCounter, args, name: str) -> dict:
    ticks = int((args.warm + args.seconds + 30) * 10)
    source = f"for i = 1, {ticks} do sleep(100) {BODIES[name]} end return 1"
    keys = [(f"load-{i % args.bots}", f"{name}-{i}") for i in range(args.scripts)]
    await post_all(
        client, "api/scripts/execute", [{"client_id": c, "script_id": s, "source": source} for c, s in keys]
    )
    await asyncio.sleep(args.warm)
    cpu0, server0, lines0, t0 = tree.cpu_times(), tree.server_cpu(), counter.lines, time.monotonic()
    epoch0 = time.time() * 1000
    await asyncio.sleep(args.seconds)
    cpu1, server1, lines1, t1 = tree.cpu_times(), tree.server_cpu(), counter.lines, time.monotonic()
    epoch1 = time.time() * 1000
    await post_all(client, "api/scripts/stop", [{"client_id": c, "script_id": s} for c, s in keys])
    late = await lateness(client, keys[::PROBES], epoch0, epoch1) if name == "print" else None
    wall = t1 - t0
    cpu = cpu1.seconds - cpu0.seconds
    lines = lines1 - lines0
    done = lines if name == "print" else args.scripts * 10 * wall
    server = (server1 - server0) / wall
    us = cpu / done * 1e6
    return {"core": cpu / wall, "server": server, "lines_s": lines / wall, "us": us, "late": late}


async def lateness(
    client: httpx.AsyncClient, keys: list[tuple[str, str]], epoch0: float, epoch1: float
) -> tuple[float, float]:
    """Sleep lateness p50/p99 (ms) inside the window: the gaps between a printing script's
    consecutive console lines (stamped as each tick's line reaches its buffer) less 100 ms."""
    late: list[float] = []
    for c, s in keys:
        params = {"client_id": c, "script_id": s}
        lines = (await client.get("api/scripts/console", params=params)).json()["lines"]
        stamps = [line["ts_ms"] for line in lines if epoch0 <= line["ts_ms"] <= epoch1]
        late += [b - a - 100 for a, b in itertools.pairwise(stamps)]
    return statistics.median(late), percentile(late, 0.99)


async def run(
    url: str, headers: dict[str, str], pid: int, args: argparse.Namespace, floors: dict[str, dict] | None
) -> None:
    tree = ServerTree(pid)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await add_bots(client, args.bots)
        counter = StreamCounter(url, headers)
        counter.task = asyncio.create_task(counter.run())
        await counter.ready.wait()
        layout = fleet_layout(args)
        print(f"{args.scripts} scripts at 10 Hz, {args.seconds:g} s windows after {args.warm:g} s; {layout}")
        results = {}
        for name in BODIES:
            results[name] = r = await phase(client, tree, counter, args, name)
            print(
                f"  {name:6} {r['core'] * 100:5.1f}% of a core"
                f" ({r['server'] * 100:.1f}% in the server process), {r['us']:.1f} us of CPU per tick,"
                f" {r['lines_s']:.0f} lines/s on the stream"
                + (f", lateness p50 {r['late'][0]:.0f} ms p99 {r['late'][1]:.0f} ms" if r["late"] else "")
                + (f"; {r['us'] / floors[name]['us']:.1f}x the bare lupa floor" if floors else "")
            )
            await asyncio.sleep(2)
        quiet, loud = results["quiet"]["us"], results["print"]["us"]
        print(f"print / quiet CPU per tick: {loud / quiet:.2f}x; a console line costs {loud - quiet:.1f} us")
        counter.task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=1000)
    parser.add_argument("--bots", type=int, default=10)
    parser.add_argument("--warm", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--no-floor", action="store_true", help="skip the bare lupa baseline")
    add_fleet_option(parser)
    args = parser.parse_args()
    floors = None
    if not args.no_floor:
        floors = {name: floor(args.scripts, args.seconds, name == "print") for name in BODIES}
        print(f"bare lupa floor ({args.scripts} runtimes resumed by asyncio, nothing else):")
        for name, r in floors.items():
            print(f"  {name:6} {r['core'] * 100:5.1f}% of a core, {r['us']:.1f} us per tick")
    run_on_server(lambda url, headers, pid: run(url, headers, pid, args, floors), fleet_env(args))


if __name__ == "__main__":
    main()
