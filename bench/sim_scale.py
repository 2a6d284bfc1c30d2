"""Benchmark: many bots walking on one sim server.

Starts ``seraph-sim`` in a child process (so the server's tick is not disturbed by the bots'
own work), then in this process:

1. baseline: 1 bot walks for ``--baseline-seconds``;
2. load: ``--bots`` bots (default 500, ``--per-world`` to a world, over both hosts) all walk
   at the default pace for ``--seconds``.

For each phase it prints the server tick duration (p50/p99, from the server's admin stats)
and the bot-side move confirmation latency (send → the server's position echo, p50/p99), and
the ratio load/baseline. Target: tick p99 ≤ 50 ms under load.

    python bench/sim_scale.py                 # the full run (~1 min)
    python bench/sim_scale.py --bots 100 --seconds 5 --baseline-seconds 3   # shorter
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import secrets
import statistics
import subprocess
import sys
import time

from seraph_kernel.backends.sim import SimBackend, SimBot
from seraph_kernel.backends.sim.link import SimLink
from seraph_kernel.sim.admin import percentile

TARGET_TICK_P99_MS = 50.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bots", type=int, default=500)
    p.add_argument("--per-world", type=int, default=25, help="bots per world")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the load phase")
    p.add_argument("--baseline-seconds", type=float, default=8.0)
    p.add_argument("--move-interval-ms", type=int, default=250)
    p.add_argument("--connect-batch", type=int, default=50, help="bots connecting at once")
    return p.parse_args()


def start_server(args: argparse.Namespace, token: str) -> tuple[subprocess.Popen, str]:
    cmd = [
        sys.executable, "-m", "seraph_kernel.sim.cli", "--port", "0", "--admin-token", token,
        "--world-cap", str(max(args.per_world, 1)), "--move-interval-ms", str(args.move_interval_ms),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"entry (\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"seraph-sim did not start: {line!r}")
    return proc, match.group(1)


class Admin:
    """An admin connection to the child server."""

    def __init__(self, address: str, token: str) -> None:
        self.address, self.token = address, token
        self.link = SimLink(lambda msg: None, lambda link: None)

    async def open(self) -> None:
        ip, port = self.address.rsplit(":", 1)
        await self.link.open(ip, int(port))
        await self.link.request("admin_hello", 5, token=self.token)

    async def op(self, op: str) -> dict:
        return await self.link.request("admin", 10, op=op)


async def connect_bots(backend: SimBackend, n: int, per_world: int, batch: int) -> list[SimBot]:
    tag = secrets.token_hex(2)
    bots = [backend.create_bot(f"bot-{i}", f"B{tag}x{i}", {}, lambda kind, data: None) for i in range(n)]

    async def bring_up(i: int, bot: SimBot) -> None:
        assert await bot.connect() is None, bot.last_error
        err = await bot.warp(f"BENCH-{i // per_world}")
        assert err is None, f"{bot.username}: {err} {bot.last_error}"

    for start in range(0, n, batch):
        await asyncio.gather(*(bring_up(i, bots[i]) for i in range(start, min(n, start + batch))))
    return bots


async def walk_forever(bot: SimBot, rng: random.Random, interval: float) -> None:
    """Walk to random reachable tiles, one after another (starting at a random moment within
    one move interval, as independent players would)."""
    view = bot.world()
    assert view is not None
    await asyncio.sleep(rng.uniform(0, interval))
    while True:
        x, y = rng.randrange(1, view.width - 1), rng.randrange(1, view.height - 1)
        if await bot.get_path(x, y):
            await bot.walk_to(x, y)


async def phase(admin: Admin, bots: list[SimBot], seconds: float, interval: float) -> dict:
    for bot in bots:
        bot.move_latency_ms.clear()
    await admin.op("reset_stats")
    rng = random.Random(1)
    walkers = [
        asyncio.ensure_future(walk_forever(bot, random.Random(rng.random()), interval)) for bot in bots
    ]
    await asyncio.sleep(seconds)
    for w in walkers:
        w.cancel()
    await asyncio.gather(*walkers, return_exceptions=True)
    stats = await admin.op("stats")
    moves = [ms for bot in bots for ms in bot.move_latency_ms]
    return {
        "bots": len(bots),
        "moves": len(moves),
        "tick_p50_ms": stats["tick_p50_ms"],
        "tick_p99_ms": stats["tick_p99_ms"],
        "ticks": stats["ticks"],
        "move_p50_ms": round(statistics.median(moves), 3) if moves else float("nan"),
        "move_p99_ms": round(percentile(moves, 0.99), 3),
    }


def report(name: str, r: dict) -> None:
    print(
        f"{name:9s} bots={r['bots']:4d} ticks={r['ticks']:4d} tick p50={r['tick_p50_ms']:.3f} ms "
        f"p99={r['tick_p99_ms']:.3f} ms | moves={r['moves']:6d} confirm p50={r['move_p50_ms']:.3f} ms "
        f"p99={r['move_p99_ms']:.3f} ms",
        flush=True,
    )


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


async def main(args: argparse.Namespace) -> int:
    token = secrets.token_hex(8)
    proc, address = start_server(args, token)
    try:
        admin = Admin(address, token)
        await admin.open()
        backend = SimBackend(address, ping_interval_ms=5000)
        started = time.perf_counter()
        baseline_bot = await connect_bots(backend, 1, 1, 1)
        interval = args.move_interval_ms / 1000
        base = await phase(admin, baseline_bot, args.baseline_seconds, interval)
        report("baseline", base)
        await asyncio.gather(*(b.close() for b in baseline_bot))
        bots = await connect_bots(backend, args.bots, args.per_world, args.connect_batch)
        print(f"connected {len(bots)} bots in {time.perf_counter() - started:.1f} s", flush=True)
        load = await phase(admin, bots, args.seconds, interval)
        report("load", load)
        print(
            f"ratio load/baseline: tick p50 {ratio(load['tick_p50_ms'], base['tick_p50_ms'])}, "
            f"tick p99 {ratio(load['tick_p99_ms'], base['tick_p99_ms'])}, "
            f"move confirm p50 {ratio(load['move_p50_ms'], base['move_p50_ms'])}, "
            f"p99 {ratio(load['move_p99_ms'], base['move_p99_ms'])}"
        )
        ok = load["tick_p99_ms"] <= TARGET_TICK_P99_MS
        print(f"target tick p99 <= {TARGET_TICK_P99_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")
        await asyncio.gather(*(b.close() for b in bots))
        await admin.link.close()
        return 0 if ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
