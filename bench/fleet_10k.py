"""Ten thousand bots on one real server: creating them, listing them (whole and paged), and the
event stream while they change status in bursts.

Starts a real ``jupyter server`` with only ``seraph_ext`` (``rest_load.start_server``) and:

1. creates ``--baseline`` bots (1,000) over REST, then grows to ``--bots`` (10,000), timing both;
2. at each size, times ``GET /api/bots`` whole (back to back; 0.3 s apart, past the cache's
   0.25 s, so each request rebuilds the body; with a matching ``If-None-Match``) and
   ``GET /api/bots?limit=100`` at random places (``after``): median, p99, the server's CPU per
   request, and the ratios 10,000 / 1,000 of the same run (the machine's load average is printed:
   other work on it slows every figure);
3. attaches two event-stream clients (a fast one, and a stalled one that reads nothing until
   the bursts are over), makes ``--burst`` bots connect and disconnect in bursts for
   ``--seconds`` while a script prints ``--flood-lines`` lines of 10 kB (40 MB: more than the
   socket buffers hold), and meanwhile polls ``GET /api/status``, ``GET /api/bots?limit=100``
   and ``GET /api/bots``: their p99, the frames each stream client got (per kind, and
   ``session`` frames per bot), the events it was told it lost (``event: dropped``), and each
   stream's backlog on the server (``GET /api/seraph/info``);
4. prints the server's RSS at each step.

Targets (issue 14): ``GET /api/bots`` ≤ 50 ms with 10,000 bots, paged; ``/api/status`` p99 ≤
100 ms while bots change; a slow stream client loses old frames with a marker, memory bounded.

    python bench/fleet_10k.py [--bots 10000] [--baseline 1000] [--burst 1000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import time
from collections import Counter

import httpx
from rest_load import ServerTree, add_fleet_option, fetch, fleet_env, run_on_server

#: The console flood during the bursts: lines of 10,000 characters (a printing farm's worth).
FLOOD = (
    "local s = string.rep('z', 10000) for i = 1, {lines} "
    "do print(i, s) if i % 100 == 0 then sleep(10) end end"
)
#: Concurrent connections creating bots.
CREATORS = 8


def quantiles(samples: list[float]) -> tuple[float, float]:
    """Median and p99 in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def rss_mb(proc: ServerTree) -> float:
    return proc.memory_info().rss / 2**20


async def create_bots(url: str, headers: dict[str, str], first: int, count: int) -> float:
    """Create bots ``b-<first>`` … over ``CREATORS`` raw keep-alive connections (a bare client
    keeps the client's CPU out of the figure); the seconds it took."""
    target = httpx.URL(url).join("api/bots")
    head = [f"POST {target.raw_path.decode()} HTTP/1.1", f"Host: {target.host}:{target.port}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    ids = iter(range(first, first + count))

    async def creator() -> None:
        reader, writer = await asyncio.open_connection(target.host, target.port)
        for n in ids:
            body = json.dumps({"id": f"b-{n}"}).encode()
            request = "\r\n".join([*head, f"Content-Length: {len(body)}"]) + "\r\n\r\n"
            status = await fetch(reader, writer, request.encode() + body)
            if status != 201:
                raise SystemExit(f"creating b-{n} answered {status}")
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(creator() for _ in range(CREATORS)))
    return time.perf_counter() - started


async def timed_creation(url: str, headers: dict[str, str], proc: ServerTree, first: int, count: int) -> None:
    cpu = sum(proc.cpu_times()[:2])
    took = await create_bots(url, headers, first, count)
    per_bot = (sum(proc.cpu_times()[:2]) - cpu) / count * 1000
    rate = f"{count / took:.0f}/s; server CPU {per_bot:.2f} ms a bot"
    print(f"created {count} bots in {took:.1f} s ({rate}), RSS {rss_mb(proc):.0f} MB")


async def timed_get(
    client: httpx.AsyncClient, path: str, params: dict[str, str | int] | None = None
) -> float:
    started = time.perf_counter()
    response = await client.get(path, params=params)
    response.raise_for_status()
    return time.perf_counter() - started


async def list_figures(
    client: httpx.AsyncClient, proc: ServerTree, size: int, rounds: int
) -> dict[str, tuple[float, float, float]]:
    """``GET /api/bots`` whole (back to back: the cached body while requests come within its
    0.25 s; spaced 0.3 s apart: rebuilt each time), with a matching ``If-None-Match`` (304),
    and pages of 100 at random places: median and p99 ms, and the server's CPU ms a request."""
    etag = (await client.get("api/bots")).headers["Etag"]
    figures = {}
    kinds = {
        "whole, back to back": ({}, {}, 0.0),
        "whole, 0.3 s apart": ({}, {}, 0.3),
        "whole, 304": ({}, {"If-None-Match": etag}, 0.0),
        "page of 100": ({"limit": 100}, {}, 0.0),
    }
    for name, (params, extra, pause) in kinds.items():
        samples, cpu = [], 0.0
        for _ in range(rounds if not pause else max(rounds // 4, 5)):
            await asyncio.sleep(pause)
            if "limit" in params:
                params = {"limit": 100, "after": f"b-{random.randrange(size)}"}
            before = sum(proc.cpu_times()[:2])
            started = time.perf_counter()
            response = await client.get("api/bots", params=params, headers=extra)
            samples.append(time.perf_counter() - started)
            cpu += sum(proc.cpu_times()[:2]) - before
            if response.status_code not in (200, 304):
                raise SystemExit(f"GET /api/bots answered {response.status_code}")
        figures[name] = (*quantiles(samples), cpu / len(samples) * 1000)
    body = (await client.get("api/bots")).content
    print(f"  {size} bots: the whole list is {len(body) / 2**20:.1f} MB")
    return figures


class StreamClient:
    """An event-stream client counting frames per kind, the drops it is told of, and the
    snapshots per bot. A ``stalled`` one reads nothing until ``resume`` is set (a frozen
    browser tab): the server's socket buffers fill, then its queue for the client."""

    def __init__(self, url: str, headers: dict[str, str], stalled: bool = False) -> None:
        self.url, self.headers = url, headers
        self.frames: Counter[str] = Counter()
        self.snapshots: Counter[str] = Counter()
        self.dropped = 0
        self.ready = asyncio.Event()
        self.done = asyncio.Event()
        self.resume = asyncio.Event()
        if not stalled:
            self.resume.set()

    async def run(self) -> None:
        """A raw HTTP/1.0 stream on a socket with a small receive buffer, so that a stalled
        client holds few frames in its kernel buffers and the server's queue does fill."""
        target = httpx.URL(self.url).join("api/seraph/events")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (target.host, target.port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=16384)
        request = [f"GET {target.raw_path.decode()} HTTP/1.0", f"Host: {target.host}:{target.port}"]
        request += [f"{name}: {value}" for name, value in self.headers.items()]
        writer.write(("\r\n".join(request) + "\r\n\r\n").encode())
        await reader.readuntil(b"\r\n\r\n")
        self.ready.set()
        event = ""
        try:
            while line := (await reader.readline()).decode():
                await self.resume.wait()
                if line.startswith("event: "):
                    event = line[7:].strip()
                elif line.startswith("data: "):
                    self.frames[event] += 1
                    data = json.loads(line[6:])
                    if event == "dropped":
                        self.dropped += data["dropped"]
                    elif event == "session":
                        self.snapshots[data["client_id"]] += 1
                        if data["client_id"] == "bench-end":
                            self.done.set()
        finally:
            writer.close()


async def poll(
    url: str, headers: dict[str, str], path: str, params: dict[str, str | int], until: float
) -> list[float]:
    """GET ``path`` back to back until ``until`` on a client of its own (a shared client's
    connection pool would queue it behind the bursts' requests)."""
    samples = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        while time.monotonic() < until:
            samples.append(await timed_get(client, path, params))
    return samples


async def bursts(url: str, headers: dict[str, str], ids: list[str], until: float) -> int:
    """Connect then disconnect ``ids`` (all at once, one connection each, without waiting for
    the outcome), again and again until ``until``; the number of rounds."""
    rounds = 0
    limits = httpx.Limits(max_connections=len(ids))
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=None, limits=limits) as client:
        while time.monotonic() < until:
            for action in ("connect", "disconnect"):
                await asyncio.gather(*(client.post(f"api/bots/{bot}/{action}") for bot in ids))
                await asyncio.sleep(0.5)
            rounds += 1
    return rounds


async def run(url: str, headers: dict[str, str], pid: int, args: argparse.Namespace) -> None:
    proc = ServerTree(pid)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        idle = rss_mb(proc)
        load = f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        print(f"idle server RSS {idle:.0f} MB; {load}")
        await timed_creation(url, headers, proc, 0, args.baseline)
        base = await list_figures(client, proc, args.baseline, args.rounds)
        await timed_creation(url, headers, proc, args.baseline, args.bots - args.baseline)
        big = await list_figures(client, proc, args.bots, args.rounds)
        sizes = f"{args.baseline:>6} bots: median / p99  {args.bots:>6} bots: median / p99"
        print(f"GET /api/bots  {sizes}  ratio; server CPU a request")
        for name, (median, p99, cpu) in big.items():
            bmed, bp99, bcpu = base[name]
            figures = f"{bmed:8.1f} / {bp99:6.1f} ms   {median:8.1f} / {p99:6.1f} ms"
            print(f"  {name:20} {figures}   {median / bmed:5.1f}x; {bcpu:.1f} -> {cpu:.1f} ms")

        fast = StreamClient(url, headers)
        slow = StreamClient(url, headers, stalled=True)
        tasks = [asyncio.create_task(stream.run()) for stream in (fast, slow)]
        await asyncio.gather(fast.ready.wait(), slow.ready.wait())
        before = rss_mb(proc)
        until = time.monotonic() + args.seconds
        burst_ids = [f"b-{n}" for n in range(args.burst)]
        flood = {"client_id": "b-0", "script_id": "flood", "source": FLOOD.format(lines=args.flood_lines)}
        (await client.post("api/scripts/execute", json=flood)).raise_for_status()
        rounds, status, pages, whole = await asyncio.gather(
            bursts(url, headers, burst_ids, until),
            poll(url, headers, "api/status", {}, until),
            poll(url, headers, "api/bots", {"limit": 100}, until),
            poll(url, headers, "api/bots", {}, until),
        )
        backlog = (await client.get("api/seraph/info")).json()["event_stream_backlog"]
        after = rss_mb(proc)
        slow.resume.set()
        (await client.post("api/bots", json={"id": "bench-end"})).raise_for_status()
        await asyncio.wait_for(asyncio.gather(fast.done.wait(), slow.done.wait()), 120)
        for task in tasks:
            task.cancel()
        print(f"{rounds} bursts of {args.burst} bots connecting and disconnecting over {args.seconds:.0f} s:")
        polled = (("GET /api/status", status), ("GET /api/bots?limit=100", pages), ("GET /api/bots", whole))
        for name, samples in polled:
            median, p99 = quantiles(samples)
            print(f"  {name:24} median {median:6.1f} ms  p99 {p99:6.1f} ms  ({len(samples)} requests)")
        for name, stream in (("fast", fast), ("slow", slow)):
            kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(stream.frames.items()))
            got = sum(stream.frames.values())
            print(f"  {name} stream client: {got} frames ({kinds}); told of {stream.dropped} dropped")
            per_bot = [stream.snapshots[bot] for bot in burst_ids]
            print(f"    session frames per burst bot: {min(per_bot)} to {max(per_bot)}")
        for entry in backlog:
            print(f"  server backlog of a stream at the end of the bursts: {entry}")
        grew = f"{after - idle:+.0f} MB over idle"
        print(f"  server RSS {before:.0f} MB before the bursts, {after:.0f} MB after ({grew})")
        print(f"machine load average at the end {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--flood-lines", type=int, default=4000, help="10 kB console lines during the bursts")
    add_fleet_option(parser)
    args = parser.parse_args()
    run_on_server(lambda url, headers, pid: run(url, headers, pid, args), fleet_env(args))


if __name__ == "__main__":
    main()
