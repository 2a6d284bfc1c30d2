"""Shards on Ray against the single-process fleet, in one invocation (issue 14 part B).

Starts the same real ``jupyter server`` with ``seraph_ext`` (``rest_load.start_server``) once
without Ray (the baseline: one process does everything) and then on a real Ray cluster on this
machine (``tests/ray/ray_cluster.py``) of 1, 2, … ``--nodes`` nodes, a fresh server per size
(shards are made at start-up, one per node). For each server:

- ``rest``: ``GET /api/bots/{id}`` round trips (p50 / p99 over ``--calls`` calls): the router's
  overhead per REST call is the ratio against the baseline;
- ``lines``: ``--scripts-per-node`` scripts per node (each on its own bot) print ``--lines``
  lines each; the wall time until every line has arrived on the event stream (one SSE client),
  and the front door's CPU per line (the server process, psutil): on Ray the shards print and
  the front door only routes, so the ratio against the baseline is the router's cost per
  console line against doing everything;
- ``per node``: how the bots (and their scripts) spread over the shards.

    python bench/ray_scale.py [--nodes 3] [--calls 300] [--scripts-per-node 20] [--lines 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from rest_load import start_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ray"))

LINES = 'for i = 1, {lines} do print("ln" .. i) sleep(10) end'
STARTUP_S = 300.0


async def count_lines(api: httpx.AsyncClient, seen: list[int], ready: asyncio.Event) -> None:
    """Count the benchmark's console lines on the event stream."""
    async with api.stream("GET", "api/seraph/events", timeout=httpx.Timeout(30, read=None)) as response:
        async for line in response.aiter_lines():
            if line == ": connected":
                ready.set()
            elif line.startswith("data: ") and '"ln' in line:
                data = json.loads(line[len("data: ") :])
                if data.get("scope") == "script:lines" and data.get("message", "").startswith("ln"):
                    seen[0] += 1


async def measure(url: str, headers: dict[str, str], pid: int, bots: int, args: argparse.Namespace) -> dict:
    """The figures of one server with ``bots`` bots."""
    server = psutil.Process(pid)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as api:
        ids = [f"b-{i}" for i in range(bots)]
        for bot_id in ids:
            (await api.post("api/bots", json={"id": bot_id})).raise_for_status()
        for bot_id in ids[:3]:
            (await api.get(f"api/bots/{bot_id}")).raise_for_status()
        rest = []
        for i in range(args.calls):
            start = time.perf_counter()
            (await api.get(f"api/bots/{ids[i % bots]}")).raise_for_status()
            rest.append((time.perf_counter() - start) * 1000)
        seen, ready = [0], asyncio.Event()
        counter = asyncio.create_task(count_lines(api, seen, ready))
        await asyncio.wait_for(ready.wait(), 30)
        expected = bots * args.lines
        cpu = sum(server.cpu_times()[:2])
        start = time.perf_counter()
        source = LINES.format(lines=args.lines)
        for bot_id in ids:
            body = {"client_id": bot_id, "script_id": "lines", "source": source}
            (await api.post("api/scripts/execute", json=body)).raise_for_status()
        while seen[0] < expected and time.perf_counter() - start < 300:
            await asyncio.sleep(0.05)
        wall = time.perf_counter() - start
        cpu = sum(server.cpu_times()[:2]) - cpu
        counter.cancel()
        info = (await api.get("api/seraph/info")).json()
    per_node = sorted(len(shard["bots"]) for shard in info.get("shards", [])) or [bots]
    return {
        "rest_p50_ms": statistics.median(rest),
        "rest_p99_ms": statistics.quantiles(rest, n=100)[98],
        "lines": seen[0],
        "expected": expected,
        "lines_wall_s": wall,
        "cpu_us_per_line": cpu / max(seen[0], 1) * 1e6,
        "per_node": per_node,
    }


def run_server(root: Path, env: dict[str, str], bots: int, args: argparse.Namespace) -> dict[str, Any]:
    process, url, headers = start_server(root, env, timeout_s=STARTUP_S)
    try:
        return asyncio.run(measure(url, headers, process.pid, bots, args))
    finally:
        process.terminate()
        try:
            process.wait(60)
        except Exception:
            process.kill()


def report(name: str, figures: dict[str, Any], base: dict[str, Any]) -> None:
    rest, per_line = figures["rest_p50_ms"], figures["cpu_us_per_line"]
    print(
        f"{name:>9}: rest p50 {rest:.2f} ms ({rest / base['rest_p50_ms']:.2f}x),"
        f" p99 {figures['rest_p99_ms']:.2f} ms; lines {figures['lines']}/{figures['expected']}"
        f" in {figures['lines_wall_s']:.1f} s, front door {per_line:.0f} us CPU/line"
        f" ({per_line / base['cpu_us_per_line']:.2f}x); bots per node {figures['per_node']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--scripts-per-node", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50)
    args = parser.parse_args()
    from ray_cluster import RAY_ENV, add_node, start_cluster

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bots = args.scripts_per_node * args.nodes
        before = run_server(root / "local-before", {}, bots, args)
        rounds = []
        cluster = start_cluster(1)
        try:
            for nodes in range(1, args.nodes + 1):
                if nodes > 1:
                    add_node(cluster)
                env = {"SERAPH_RAY_ADDRESS": cluster.address, **RAY_ENV}
                rounds.append(run_server(root / f"ray-{nodes}", env, args.scripts_per_node * nodes, args))
        finally:
            cluster.shutdown()
        after = run_server(root / "local-after", {}, bots, args)
    # The baseline runs before and after the Ray rounds; the better of the two is the one the
    # ratios are against (a busy machine only ever makes a run slower).
    base = {key: min(before[key], after[key]) for key in ("rest_p50_ms", "cpu_us_per_line")}
    report("local 1st", before, base)
    report("local 2nd", after, base)
    for nodes, figures in enumerate(rounds, 1):
        report(f"ray {nodes}n", figures, base)


if __name__ == "__main__":
    main()
