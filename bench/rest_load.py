"""REST load: ``GET /api/bots`` with 100 bots against ``GET /api/status`` of the same server.

Starts a real ``jupyter server`` subprocess with only ``seraph_ext`` (private Jupyter dirs, a
temporary SQLite file, the embedded sim world), creates and connects the bots, then runs
``--clients`` concurrent keep-alive clients for ``--seconds`` on each route in alternating
rounds. The baseline is Jupyter's own ``/api/status`` (authenticated, tiny JSON) measured in
the same run. Figures: throughput and p50/p99 latency (medians over rounds), errors, and the
median of the per-round throughput ratios (adjacent rounds share the machine's load).

Target: throughput ratio bots/status ≥ 0.8 with zero errors.

    python bench/rest_load.py [--bots 100] [--clients 50] [--seconds 3] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

import httpx
import psutil

from seraph_ext.testing import free_port

BASE_URL = "/bench/"


class TreeCpu(NamedTuple):
    user: float
    system: float

    @property
    def seconds(self) -> float:
        """User and system CPU seconds together."""
        return self.user + self.system


class TreeMemory(NamedTuple):
    rss: int


class ServerTree:
    """The server process and its descendants, read like one ``psutil.Process``.

    The extension runs its fleet (bots, scripts, the sim) in a child process by default, so
    the server's own figures alone would leave out the work being measured."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)

    def _summed(self, read: Callable[[psutil.Process], tuple[float, ...]]) -> list[float]:
        """``read`` of every process of the tree, added up field by field (a process that
        ended meanwhile counts for nothing)."""
        total: list[float] = []
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                values = read(process)
            except psutil.NoSuchProcess:
                continue
            total = [a + b for a, b in zip(total, values, strict=True)] if total else list(values)
        return total

    def cpu_times(self) -> TreeCpu:
        return TreeCpu(*self._summed(lambda process: process.cpu_times()[:2]))

    def server_cpu(self) -> float:
        """The server process's own CPU seconds (the front door, without its fleet process)."""
        return sum(self.root.cpu_times()[:2])

    def memory_info(self) -> TreeMemory:
        return TreeMemory(*self._summed(lambda process: (process.memory_info().rss,)))


def add_fleet_option(parser: argparse.ArgumentParser) -> None:
    """The fleet's layout, read back by :func:`fleet_env`: its child process (the default),
    ``--in-process`` (``SERAPH_FLEET_PROCESS=0``, the layout before the fleet process) or
    ``--ray-shards N`` (a local Ray the server starts, ``N`` shard processes on this machine)."""
    layout = parser.add_mutually_exclusive_group()
    layout.add_argument(
        "--in-process",
        action="store_true",
        help="SERAPH_FLEET_PROCESS=0: the fleet in the server's own process (the scripts' Python "
        "work then competes with the REST loop for the GIL)",
    )
    layout.add_argument(
        "--ray-shards",
        type=int,
        metavar="N",
        help="SERAPH_RAY_ADDRESS=local with SERAPH_RAY_SHARDS_PER_NODE=N: N shard processes share "
        "the scripts (Ray's own processes count in the figures too)",
    )


def fleet_layout(args: argparse.Namespace) -> str:
    """The layout :func:`add_fleet_option` parsed, in words, for a bench's report."""
    if args.ray_shards:
        return f"{args.ray_shards} Ray shard(s) on a local Ray"
    return "fleet in the server's process" if args.in_process else "fleet in its own process"


def fleet_env(args: argparse.Namespace) -> dict[str, str]:
    """The server's environment for the layout :func:`add_fleet_option` parsed."""
    if args.ray_shards:
        return {"SERAPH_RAY_ADDRESS": "local", "SERAPH_RAY_SHARDS_PER_NODE": str(args.ray_shards)}
    return {"SERAPH_FLEET_PROCESS": "0"} if args.in_process else {}


def start_server(
    root: Path, env_extra: dict[str, str] | None = None, timeout_s: float = 60.0
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    """A ``jupyter server`` with only seraph_ext (and ``env_extra`` in its environment: a Ray
    address); returns once its fleet answers, within ``timeout_s``."""
    config = root / "config"
    config.mkdir(parents=True)
    others = ("jupyterlab", "jupyter_lsp", "notebook_shim", "jupyter_server_terminals")
    extensions = {**{name: False for name in others}, "seraph_ext": True}
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": extensions}})
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERAPH_", "JUPYTER_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(root / "data"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        SERAPH_DB=str(root / "seraph.sqlite"),
    )
    env.update(env_extra or {})
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyter_server", "--allow-root", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--port-retries=0", f"--ServerApp.base_url={BASE_URL}",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}", "--log-level=WARN",
    ]  # fmt: skip
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}{BASE_URL}"
    headers = {"Authorization": f"token {token}"}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "api/seraph/info", headers=headers, timeout=2).status_code == 200:
                return process, url, headers
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start; see {root / 'server.log'}")


def run_on_server(
    run: Callable[[str, dict[str, str], int], Awaitable[None]], env_extra: dict[str, str] | None = None
) -> None:
    """``asyncio.run(run(url, headers, pid))`` against a fresh server in a temporary directory
    (``pid``: the server process, for ``ServerTree``), then stop the server."""
    with tempfile.TemporaryDirectory() as tmp:
        process, url, headers = start_server(Path(tmp), env_extra)
        try:
            asyncio.run(run(url, headers, process.pid))
        finally:
            process.terminate()
            process.wait(30)


async def post_all(client: httpx.AsyncClient, route: str, bodies: list[dict], at_once: int = 100) -> None:
    """``POST route`` with each body, ``at_once`` requests in flight at a time (a thousand at
    once would time out behind each other on a busy server)."""
    for start in range(0, len(bodies), at_once):
        await asyncio.gather(*(client.post(route, json=body) for body in bodies[start : start + at_once]))


async def add_bots(client: httpx.AsyncClient, count: int) -> None:
    """Create bots ``load-0`` … ``load-{count-1}`` (not connected)."""
    for i in range(count):
        (await client.post("api/bots", json={"id": f"load-{i}"})).raise_for_status()


async def make_bots(url: str, headers: dict[str, str], count: int) -> None:
    """Create ``count`` bots and connect them all (they sit at the menu, pinging)."""
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        await add_bots(client, count)
        connects = [client.post(f"api/bots/load-{i}/connect", params={"wait": "true"}) for i in range(count)]
        for response in await asyncio.gather(*connects):
            response.raise_for_status()
        bots = (await client.get("api/bots")).json()["bots"]
        ready = sum(bot["status"] == "menu_ready" for bot in bots)
        print(f"{len(bots)} bots, {ready} connected; GET /api/bots is {len(json.dumps(bots))} bytes of bots")


async def fetch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive HTTP/1.1 GET on a raw connection; the status code (body read and dropped).
    A bare client keeps the client's own CPU small, so the server's cost is what is measured."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(
    url: str, headers: dict[str, str], path: str, clients: int, seconds: float
) -> dict[str, float]:
    """``clients`` concurrent keep-alive connections looping GET ``path`` for ``seconds``."""
    target = httpx.URL(url).join(path)
    lines = [f"GET {target.raw_path.decode()} HTTP/1.1", f"Host: {target.host}:{target.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    errors = 0
    connections = [await asyncio.open_connection(target.host, target.port) for _ in range(clients)]
    for reader, writer in connections:
        await fetch(reader, writer, request)
    stop_at = time.perf_counter() + seconds

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                ok = await fetch(reader, writer, request) == 200
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
                reader, writer = await asyncio.open_connection(target.host, target.port)
            latencies.append(time.perf_counter() - started)
            errors += not ok

    began = time.perf_counter()
    await asyncio.gather(*(worker(r, w) for r, w in connections))
    elapsed = time.perf_counter() - began
    for _, writer in connections:
        writer.close()
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "requests": len(latencies),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=100)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seraph-rest-load-") as tmp:
        process, url, headers = start_server(Path(tmp))
        try:
            asyncio.run(run(url, headers, args))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


async def run(url: str, headers: dict[str, str], args: argparse.Namespace) -> None:
    await make_bots(url, headers, args.bots)
    results: dict[str, list[dict[str, float]]] = {"api/status": [], "api/bots": []}
    for round_no in range(args.rounds):
        for path in results:
            figures = await load(url, headers, path, args.clients, args.seconds)
            results[path].append(figures)
            print(
                f"round {round_no + 1} GET /{path:<11} {figures['rps']:8.0f} req/s  "
                f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
                f"errors {figures['errors']:.0f}/{figures['requests']:.0f}"
            )
    summary = {
        path: {key: statistics.median(r[key] for r in rounds) for key in ("rps", "p50_ms", "p99_ms")}
        for path, rounds in results.items()
    }
    errors = sum(r["errors"] for rounds in results.values() for r in rounds)
    pairs = zip(results["api/bots"], results["api/status"], strict=True)
    ratio = statistics.median(bots["rps"] / status["rps"] for bots, status in pairs)
    print()
    for path, figures in summary.items():
        print(
            f"median GET /{path:<11} {figures['rps']:8.0f} req/s  "
            f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms"
        )
    verdict = "OK" if ratio >= 0.8 and errors == 0 else "BELOW TARGET"
    print(
        f"throughput ratio bots/status (median of per-round ratios): {ratio:.2f} (target >= 0.8), "
        f"errors: {errors:.0f} -> {verdict}"
    )


if __name__ == "__main__":
    main()
