"""Soak: 200 scripts, mixing ordinary work and the attacks of issue 16, against one server.

Starts a real ``jupyter server`` with only ``seraph_ext`` (see ``rest_load.start_server``),
creates ``--bots`` bots (half of them standing in a world), then keeps ``--scripts`` script
slots busy for ``--minutes``: whenever a slot's run ends, the slot executes a new script
picked at random (seeded) from ``KINDS``, and now and then the soak stops a running one.
Meanwhile a probe, in its own process (the soak's client loop is busy), reads
``GET /api/status`` every 100 ms.

Figures: ``/api/status`` p50/p99 under load against the same probe on the idle server first
(the baseline, measured in the same run: quote the ratio), the server's RSS growth from the
end of warm-up to the end (and its peak), runs started/ended per kind, runs that never ended
(still running 60 s after the soak stopped launching), runs that outlived their kind's bound by
30 s (reported apart: they may still have ended), and how long stops took to answer.

Targets: p99 ≤ 100 ms, RSS growth ≤ 100 MB, zero unended runs.

    python bench/soak.py [--minutes 10] [--scripts 200] [--bots 10] [--seed 1] [--in-process | --ray]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import http.client
import multiprocessing
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from rest_load import add_fleet_option, fleet_env, start_server

WORLD = "LUAWALK"
#: Fills the VM until allocations fail (the memory attacks start from a full VM).
FILL = """
hog = {}
local n = 0
local function big() n = n + 1; hog[n] = string.rep("x", 65536 + n) end
local function small() n = n + 1; hog[n] = tostring(n) .. "." end
while pcall(big) do end
while pcall(small) do end
"""

#: name -> (Lua source, in_world, longest it may take in seconds)
KINDS: dict[str, tuple[str, bool, float]] = {
    # ordinary work
    "sleeper": ("for i = 1, 20 do sleep(100) print('tick', i) end return 'slept'", False, 30),
    "compute": ("local s = 0 for i = 1, 2e6 do s = s + i % 7 end return s", False, 30),
    "yielding": (
        """
        local s = 0
        for r = 1, 20 do for i = 1, 1e5 do s = s + i end sleep(0) end
        return s""",
        False,
        30,
    ),
    "storage": (
        """
        for i = 1, 20 do storage:set('k' .. i, {i = i, s = string.rep('v', 100)}) end
        local n = 0
        for i = 1, 20 do n = n + storage:get('k' .. i).i end
        return n""",
        False,
        30,
    ),
    "json": (
        """
        local t = {}
        for i = 1, 1000 do t[i] = {i, tostring(i)} end
        return #json.decode(json.encode(t))""",
        False,
        30,
    ),
    "walker": (
        """
        local c = getClient()
        for i = 1, 4 do c:setPoint(Vector2i.new(i % 2 == 0 and 62 or 70, 35)) end
        return c:point().x""",
        True,
        60,
    ),
    "snapshot": (
        """
        local c, n = getClient(), 0
        for i = 1, 50 do n = n + #c:getWorld().name sleep(20) end
        return n""",
        True,
        30,
    ),
    # attacks
    "memory_fill": (FILL + "local keep = {} for i = 1, 1e9 do keep[i] = {} end", False, 30),
    "json_bomb": (
        """
        local text = '[' .. string.rep('[1,2],', 300000) .. '1]'
        local f = function() return json.decode(text) end"""
        + FILL
        + "local ok, err = pcall(f) hog = nil return ok, err",
        False,
        30,
    ),
    "console_flood": ("for i = 1, 20000 do print(string.rep('c', 16000) .. i) end return 1", False, 60),
    "console_read": (
        """
        for i = 1, 2000 do print(string.rep('r', 8000)) end
        local n = 0
        for i = 1, 5 do n = n + #getConsole().entries end
        return n""",
        False,
        60,
    ),
    "storage_flood": (
        """
        local v = string.rep('s', 60000)
        for i = 1, 5000 do
          if not pcall(function() storage:set('f' .. i, v) end) then return 'refused at ' .. i end
        end
        for i = 1, 5000 do storage:set('f' .. i, nil) end
        return 'kept'""",
        False,
        60,
    ),
    "close_loop": (
        """
        co = coroutine.create(function()
          local g <close> = setmetatable({}, {__close = function() while true do end end})
          coroutine.yield()
        end)
        coroutine.resume(co)
        return 1""",
        False,
        60,
    ),
    "cleanup_chain": (
        "local function again() cleanup(again) sleep(200) end cleanup(again) return 1",
        False,
        60,
    ),
    "self_cancel": ("me = task.defer(function() sleep(10) task.cancel(me) sleep(10) end)", False, 30),
    "spinner": ("while true do end", False, 30),
    "rep_empty": ("return #string.rep('', math.maxinteger)", False, 30),
    "move_huge": ("table.move({}, 1, math.maxinteger - 1, 2) return 1", False, 30),
    "pattern": ("local s = string.rep('a', 300000) return string.find(s, '.-b')", False, 30),
    "len_shift": (
        """
        local t = setmetatable({}, {__len = function() return math.maxinteger end})
        table.insert(t, 1, 'x')
        return 1""",
        False,
        30,
    ),
    "nonfinite": ("return 'BaNaNa', math.huge, 0/0", False, 30),
}


def fleet_rss_mb(pid: int, ray: bool) -> float:
    """The server's RSS, plus that of the processes that hold the fleet: its fleet process
    (``fleet/process_host.py``, the default), or on Ray the shard and store actors (Ray's own
    daemons are not counted)."""
    total = rss_mb(pid)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != pid:
            try:
                if holds_fleet(proc, pid, ray):
                    total += rss_mb(int(proc.name))
            except OSError:
                continue
    return total


def holds_fleet(proc: Path, server_pid: int, ray: bool) -> bool:
    cmdline = (proc / "cmdline").read_bytes()
    if ray:
        return cmdline.startswith((b"ray::ShardActor", b"ray::FarmStore"))
    parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    return parent == server_pid and b"seraph_kernel.fleet.process_host" in cmdline


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def probe_process(url: str, headers: dict[str, str], stop: Any, out: Any) -> None:
    """In its own process (so the soak's busy client loop does not delay it): ``GET /api/status``
    every 100 ms until ``stop`` is set; sends ([(wall time, latency in ms)], failed statuses)."""
    parsed = urlsplit(url)
    path = parsed.path.rstrip("/") + "/api/status"
    latencies: list[tuple[float, float]] = []
    errors: list[int] = []
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    while not stop.is_set():
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append(0)
            conn.close()
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        latencies.append((time.time(), (time.perf_counter() - began) * 1000))
        time.sleep(0.1)
    out.send((latencies, errors))


class Prober:
    """A probe process; ``stop()`` returns its latencies and errors."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=probe_process, args=(url, headers, self._stop, send))
        self._process.start()

    def stop(self) -> tuple[list[tuple[float, float]], list[int]]:
        self._stop.set()
        result = self._receive.recv()
        self._process.join(30)
        return result


async def baseline(url: str, headers: dict[str, str], seconds: float) -> list[float]:
    prober = Prober(url, headers)
    await asyncio.sleep(seconds)
    return [ms for _, ms in (await asyncio.to_thread(prober.stop))[0]]


async def setup_bots(client: httpx.AsyncClient, count: int) -> tuple[list[str], list[str]]:
    idle, walking = [], []
    for i in range(count):
        bot_id = f"soak-{i}"
        (await client.post("api/bots", json={"id": bot_id})).raise_for_status()
        (await client.post(f"api/bots/{bot_id}/connect", params={"wait": "true"})).raise_for_status()
        if i % 2:
            response = await client.post(
                f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": WORLD}
            )
            response.raise_for_status()
            walking.append(bot_id)
        else:
            idle.append(bot_id)
    return idle, walking


class Soak:
    """The slots, what runs in each, and what the soak saw."""

    def __init__(self, client: httpx.AsyncClient, bots: tuple[list[str], list[str]], seed: int) -> None:
        self.client = client
        self.idle, self.walking = bots
        self.random = random.Random(seed)
        self.started: collections.Counter[str] = collections.Counter()
        self.ended: collections.Counter[str] = collections.Counter()
        self.states: collections.Counter[str] = collections.Counter()
        self.overdue: list[str] = []
        self.errors: collections.Counter[str] = collections.Counter()
        #: seconds each ``POST /api/scripts/stop`` took to answer (it waits for the run's end)
        self.stops: list[tuple[str, float]] = []

    async def slot(self, index: int, until: float) -> None:
        script_id = f"slot-{index}"
        while time.monotonic() < until:
            kind = self.random.choice(list(KINDS))
            source, in_world, bound = KINDS[kind]
            bot = self.random.choice(self.walking if in_world else self.idle)
            key = {"client_id": bot, "script_id": script_id}
            try:
                response = await self.client.post("api/scripts/execute", json={**key, "source": source})
            except httpx.HTTPError as exc:
                self.errors[f"execute: {type(exc).__name__}"] += 1
                await asyncio.sleep(1)
                continue
            if response.status_code >= 300:
                self.errors[f"execute {response.status_code}"] += 1
                await asyncio.sleep(1)
                continue
            self.started[kind] += 1
            began = time.monotonic()
            stop_after = began + self.random.uniform(0.5, 5) if self.random.random() < 0.1 else None
            while True:
                await asyncio.sleep(1)
                if stop_after is not None and time.monotonic() > stop_after:
                    stop_after = None
                    asked = time.monotonic()
                    try:
                        await self.client.post("api/scripts/stop", json=key)
                    except httpx.HTTPError as exc:
                        self.errors[f"stop: {type(exc).__name__}"] += 1
                    self.stops.append((kind, time.monotonic() - asked))
                try:
                    status = (await self.client.get("api/scripts/status", params=key)).json()
                except (httpx.HTTPError, ValueError) as exc:
                    self.errors[f"status: {type(exc).__name__}"] += 1
                    continue
                if not status.get("running", False):
                    self.ended[kind] += 1
                    self.states[status.get("state", "?")] += 1
                    break
                if time.monotonic() - began > bound + 30:
                    lines = (await self.client.get("api/scripts/console", params=key)).json().get("lines", [])
                    last = lines[-1]["text"][:60] if lines else None
                    self.overdue.append(
                        f"{bot}/{script_id} ({kind}) ran {time.monotonic() - began:.0f} s: state "
                        f"{status.get('state')}, {len(lines)} console lines, the last {last!r}"
                    )
                    break

    async def unended(self, count: int) -> list[str]:
        """Slots whose run still runs once launching has stopped and 60 s have passed."""
        deadline = time.monotonic() + 60
        while True:
            jobs = (await self.client.get("api/jobs")).json()
            running = [job for job in jobs.get("jobs", jobs) if isinstance(job, dict) and job.get("running")]
            if not running or time.monotonic() > deadline:
                return [f"{job.get('client_id')}/{job.get('script_id')}" for job in running]
            await asyncio.sleep(1)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ray = bool(args.ray_shards)
        process, url, headers = start_server(Path(tmp), fleet_env(args), timeout_s=180 if ray else 60)
        try:
            limits = httpx.Limits(
                max_connections=args.scripts + 20, max_keepalive_connections=args.scripts + 20
            )
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as client:
                bots = await setup_bots(client, args.bots)
                idle = await baseline(url, headers, args.baseline_seconds)
                soak = Soak(client, bots, args.seed)
                until = time.monotonic() + args.minutes * 60
                prober = Prober(url, headers)
                slots = [asyncio.create_task(soak.slot(i, until)) for i in range(args.scripts)]
                warm_up = min(60, args.minutes * 60 / 5)
                await asyncio.sleep(warm_up)
                rss_start, rss_peak, last_report = fleet_rss_mb(process.pid, ray), 0.0, time.monotonic()
                warm_end = time.time()
                while time.monotonic() < until:
                    await asyncio.sleep(5)
                    rss_peak = max(rss_peak, fleet_rss_mb(process.pid, ray))
                    if time.monotonic() - last_report > 60:
                        last_report = time.monotonic()
                        print(
                            f"  {sum(soak.started.values())} runs started,"
                            f" RSS {fleet_rss_mb(process.pid, ray):.0f} MB",
                            flush=True,
                        )
                await asyncio.gather(*slots)
                soak_end = time.time()
                unended = await soak.unended(args.scripts)
                probes, probe_errors = await asyncio.to_thread(prober.stop)
                rss_end = fleet_rss_mb(process.pid, ray)
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    under_load = [ms for at, ms in probes if warm_end <= at <= soak_end]
    p99_idle, p99_load = percentile(idle, 0.99), percentile(under_load, 0.99)
    print(f"\nsoak: {args.scripts} script slots, {args.minutes} min, {args.bots} bots, seed {args.seed}")
    print(
        f"runs started {sum(soak.started.values())}, ended {sum(soak.ended.values())};"
        f" states {dict(soak.states)}"
    )
    for kind in KINDS:
        print(f"  {kind:14s} started {soak.started[kind]:5d} ended {soak.ended[kind]:5d}")
    print(
        f"/api/status idle:  p50 {statistics.median(idle):.1f} ms, p99 {p99_idle:.1f} ms"
        f" ({len(idle)} probes)\n"
        f"/api/status load:  p50 {statistics.median(under_load):.1f} ms, p99 {p99_load:.1f} ms "
        f"({len(under_load)} probes, {len(probe_errors)} errors)\n"
        f"p99 ratio load/idle: {p99_load / p99_idle:.2f}  (target: p99 under load <= 100 ms)"
    )
    print(f"RSS after warm-up {rss_start:.0f} MB, at the end {rss_end:.0f} MB, peak {rss_peak:.0f} MB")
    print(f"RSS growth: {rss_end - rss_start:+.0f} MB  (target <= 100 MB)")
    print(f"runs that never ended (running 60 s after launching stopped): {len(unended)}  (target 0)")
    for line in unended[:20]:
        print(f"  {line}")
    print(f"runs that outlived their kind's bound by 30 s (they may have ended later): {len(soak.overdue)}")
    for line in soak.overdue[:20]:
        print(f"  {line}")
    if soak.stops:
        took = [seconds for _kind, seconds in soak.stops]
        print(f"stops: {len(took)}, median {statistics.median(took):.2f} s, max {max(took):.1f} s")
        by_kind: dict[str, list[float]] = collections.defaultdict(list)
        for kind, seconds in soak.stops:
            by_kind[kind].append(seconds)
        print("  " + ", ".join(f"{k} {statistics.median(v):.1f} s" for k, v in sorted(by_kind.items())))
    if soak.errors:
        print(f"request errors: {dict(soak.errors)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--scripts", type=int, default=200)
    parser.add_argument("--bots", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument(
        "--ray",
        action="store_true",
        help="SERAPH_RAY_ADDRESS=local (--ray-shards 1): the scripts run in a shard process, the "
        "server only routes",
    )
    add_fleet_option(parser)
    args = parser.parse_args()
    if args.ray and not args.ray_shards:
        args.ray_shards = 1
    asyncio.run(main(args))
