"""Ten thousand detached scripts on one real server: memory per script, lateness, REST latency.

Starts a real ``jupyter server`` with only ``seraph_ext`` (``rest_load.start_server``), creates
``--bots`` bots, attaches one client to the event stream (``GET /api/seraph/events``), then
starts ``--scripts`` detached scripts (``POST /api/scripts/execute``, 100 at a time, progress
shown) that each loop::

    local t = now() sleep(100) print(i, now() - t - 100)

(``--quiet``: the same loop without ``print``; one script in ten still prints, for lateness;
``--luau``: the loop written in Luau, as Seraph's users write it, ``local t: number = now()``).
Once every script runs, it measures for ``--seconds``: the server's RSS above idle per script,
sleep lateness p50/p99 (measured in Lua, read back from the console lines stamped inside the
window), ``GET /api/status`` p50/p99 (one client polling) against the same poll on the idle
server first, the server's CPU; then stops every script (``POST /api/jobs/stop_all``) and
counts the console lines: in the buffers (above the buffers' documented trim, see
docs/runtime.md "Limits and quotas") and on the stream, against the lines printed.

Baseline in the same invocation: extra RSS per runtime of up to 2,000 bare ``lupa.LuaRuntime``
coroutines looping ``sleep`` on asyncio (``scripts_concurrency.py --phase bare``).

Targets (issue 14): 10,000 scripts run, lateness p99 <= 50 ms, ``GET /api/status`` p99 <= 100 ms
while they run, RSS <= 80 KB per script above idle.

    python bench/scripts_10k.py [--scripts 10000] [--bots 10] [--seconds 10] [--quiet] [--luau]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rest_load import ServerTree, add_bots, add_fleet_option, fleet_env, fleet_layout, start_server

SOURCE = """
for i = 1, 1e9 do
  local t{annotation} = now()
  sleep(100)
  {body}
end
"""
PRINT = "print(i, now() - t - 100)"
PROBES = 10
"""One script in ``PROBES`` prints in a ``--quiet`` run too, so lateness can be read."""
BATCH = 100
SCRIPT_PREFIX = "s10k-"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


class StreamCounter:
    """Counts this bench's console lines on the event stream, cheaply (a byte count per chunk,
    so the counting client does not compete with the server for the two cores)."""

    NEEDLE = f'"scope":"script:{SCRIPT_PREFIX}'.encode()

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url, headers
        self.lines = 0
        self.ready = asyncio.Event()

    async def run(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=None) as client,
            client.stream("GET", "api/seraph/events") as response,
        ):
            self.ready.set()
            tail = b""
            async for chunk in response.aiter_bytes():
                data = tail + chunk
                self.lines += data.count(self.NEEDLE)
                tail = data[-len(self.NEEDLE) + 1 :]


async def poll_status(client: httpx.AsyncClient, seconds: float) -> list[float]:
    """``GET /api/status`` every 50 ms for ``seconds``; each answer's latency in ms."""
    latencies: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        (await client.get("api/status")).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)
    return latencies


BARE_SCRIPTS = 2000
"""The baseline runs at most this many bare runtimes (per-runtime RSS is flat; 10,000 Python-driven
coroutines at 10 Hz would only make the baseline slow)."""


def bare_baseline(scripts: int) -> dict[str, float]:
    """Extra RSS per runtime (KB) of ``scripts`` bare lupa runtimes looping sleep
    (scripts_concurrency.py's ``bare`` phase)."""
    bench = Path(__file__).with_name("scripts_concurrency.py")
    cmd = [sys.executable, str(bench), "--phase", "bare", "--scripts", str(scripts), "--seconds", "2"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {"kb_per_script": result["extra_rss_mb"] * 1024 / scripts, "scripts": scripts}


async def start_scripts(
    client: httpx.AsyncClient, proc: ServerTree, args: argparse.Namespace, rss0: int
) -> tuple[list[tuple[str, str]], float]:
    keys = [(f"load-{i % args.bots}", f"{SCRIPT_PREFIX}{i}") for i in range(args.scripts)]
    annotation = ": number" if args.luau else ""
    loud = SOURCE.format(body=PRINT, annotation=annotation)
    quiet = SOURCE.format(body="", annotation=annotation)
    began = time.monotonic()
    step = max(BATCH, args.scripts // 10)
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        answers = await asyncio.gather(
            *(
                client.post(
                    "api/scripts/execute",
                    json={
                        "client_id": c,
                        "script_id": s,
                        "source": quiet if args.quiet and (start + n) % PROBES else loud,
                    },
                )
                for n, (c, s) in enumerate(batch)
            )
        )
        for answer in answers:
            answer.raise_for_status()
        done = start + len(batch)
        if done % step == 0 or done == len(keys):
            elapsed = time.monotonic() - began
            rss = (proc.memory_info().rss - rss0) / 2**20
            print(
                f"  started {done:6d} scripts in {elapsed:6.1f} s ({done / elapsed:6.0f}/s),"
                f" RSS +{rss:.0f} MB",
                flush=True,
            )
    return keys, time.monotonic() - began


async def read_consoles(
    client: httpx.AsyncClient, keys: list[tuple[str, str]], window: tuple[int, int], quiet: bool
) -> dict[str, float]:
    """Lateness inside the window, and lines printed / kept / lost, from every console."""
    lateness: list[float] = []
    printed = kept = lost = 0
    for n, (c, s) in enumerate(keys):
        if quiet and n % PROBES:
            continue
        params = {"client_id": c, "script_id": s}
        lines = (await client.get("api/scripts/console", params=params)).json()["lines"]
        ticks = []
        for line in lines:
            fields = line["text"].split("\t")
            if len(fields) != 2:
                continue
            ticks.append(int(fields[0]))
            if window[0] <= line["ts_ms"] <= window[1]:
                lateness.append(float(fields[1]))
        if ticks:
            printed += max(ticks)
            kept += len(ticks)
            lost += max(ticks) - min(ticks) + 1 - len(set(ticks))  # gaps above the trim
    return {"lateness": lateness, "printed": printed, "kept": kept, "lost": lost}


async def run(url: str, headers: dict[str, str], pid: int, args: argparse.Namespace) -> dict[str, float]:
    proc = ServerTree(pid)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
        await add_bots(client, args.bots)
        counter = StreamCounter(url, headers)
        stream = asyncio.create_task(counter.run())
        await counter.ready.wait()
        await asyncio.sleep(1.0)
        idle_status = await poll_status(client, args.idle)
        cpu0, t0 = proc.cpu_times(), time.monotonic()
        await asyncio.sleep(1.0)
        cpu1, t1 = proc.cpu_times(), time.monotonic()
        idle_cpu = (cpu1.seconds - cpu0.seconds) / (t1 - t0)
        rss0 = proc.memory_info().rss
        print(f"idle server: RSS {rss0 / 2**20:.0f} MB, {idle_cpu * 100:.1f}% of a core")
        keys, startup_s = await start_scripts(client, proc, args, rss0)
        await asyncio.sleep(2.0)
        window0 = int(time.time() * 1000)
        cpu0, t0 = proc.cpu_times(), time.monotonic()
        busy_status = await poll_status(client, args.seconds)
        cpu1, t1 = proc.cpu_times(), time.monotonic()
        window1 = int(time.time() * 1000)
        rss = proc.memory_info().rss
        jobs = (await client.get("api/jobs")).json()["jobs"]
        running = sum(1 for job in jobs if job["running"] and job["script_id"].startswith(SCRIPT_PREFIX))
        stopping = time.monotonic()
        stopped = (await client.post("api/jobs/stop_all")).json()["stopped"]
        stop_s = time.monotonic() - stopping
        await asyncio.sleep(2.0)
        counts = await read_consoles(client, keys, (window0, window1), args.quiet)
        stream.cancel()
    return {
        "scripts": args.scripts,
        "running": running,
        "stopped": stopped,
        "startup_s": startup_s,
        "stop_s": stop_s,
        "rss_mb": (rss - rss0) / 2**20,
        "kb_per_script": (rss - rss0) / 1024 / args.scripts,
        "cpu": (cpu1.seconds - cpu0.seconds) / (t1 - t0) - idle_cpu,
        "late_p50": statistics.median(counts["lateness"]) if counts["lateness"] else float("nan"),
        "late_p99": percentile(counts["lateness"], 0.99),
        "late_samples": len(counts["lateness"]),
        "idle_status_p50": statistics.median(idle_status),
        "idle_status_p99": percentile(idle_status, 0.99),
        "status_p50": statistics.median(busy_status),
        "status_p99": percentile(busy_status, 0.99),
        "printed": counts["printed"],
        "kept": counts["kept"],
        "lost": counts["lost"],
        "on_stream": counter.lines,
    }


def report(r: dict[str, float], bare: dict[str, float], quiet: bool, luau: bool) -> None:
    bare_kb = bare["kb_per_script"]
    loop = ("sleep(100)" if quiet else "sleep(100) + print") + (" (Luau)" if luau else "")
    print(f"{r['scripts']:.0f} scripts looping {loop}: {r['running']:.0f} running in the window")
    rate = r["scripts"] / r["startup_s"]
    print(f"  start-up {r['startup_s']:.1f} s ({rate:.0f} scripts/s), stop_all {r['stop_s']:.1f} s")
    print(
        f"  RSS +{r['rss_mb']:.0f} MB = {r['kb_per_script']:.1f} KB per script (target <= 80);"
        f" bare lupa {bare_kb:.1f} KB per script, ratio {r['kb_per_script'] / bare_kb:.2f}"
    )
    print(
        f"  sleep lateness p50 {r['late_p50']:.0f} ms p99 {r['late_p99']:.0f} ms"
        f" ({r['late_samples']:.0f} samples; target p99 <= 50 ms)"
    )
    print(
        f"  GET /api/status p50 {r['status_p50']:.1f} ms p99 {r['status_p99']:.1f} ms (target p99 <= 100 ms);"
        f" idle p50 {r['idle_status_p50']:.1f} ms p99 {r['idle_status_p99']:.1f} ms,"
        f" p99 ratio {r['status_p99'] / r['idle_status_p99']:.1f}"
    )
    print(f"  server CPU above idle: {r['cpu'] * 100:.0f}% of a core")
    print(
        f"  lines printed {r['printed']:.0f}, in the buffers {r['kept']:.0f} (lost above the trim"
        f" {r['lost']:.0f}), on the stream {r['on_stream']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=10000)
    parser.add_argument("--bots", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--quiet", action="store_true", help="only one script in ten prints")
    parser.add_argument("--luau", action="store_true", help="the loop in Luau (a type annotation)")
    add_fleet_option(parser)
    args = parser.parse_args()
    bare_count = min(args.scripts, BARE_SCRIPTS)
    print(f"baseline: {bare_count} bare lupa runtimes ...", flush=True)
    bare = bare_baseline(bare_count)
    with tempfile.TemporaryDirectory() as tmp:
        process, url, headers = start_server(Path(tmp), fleet_env(args))
        try:
            result = asyncio.run(run(url, headers, process.pid, args))
        finally:
            process.terminate()
            process.wait(60)
    print(f"layout: {fleet_layout(args)}")
    report(result, bare, args.quiet, args.luau)


if __name__ == "__main__":
    main()
