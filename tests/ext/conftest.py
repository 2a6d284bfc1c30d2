"""Fixtures of the REST API tests: one real ``jupyter server`` subprocess with ``seraph_ext``
(its own Jupyter dirs, a fresh SQLite file, the embedded sim world, a non-trivial base_url)
shared by the session, HTTP clients for it, and bots made fresh for each test."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from seraph_ext.testing import free_port

BASE_URL = "/seraph-test/"
STARTUP_TIMEOUT_S = 60.0
_bot_numbers = itertools.count(1)


@dataclass
class ServerProcess:
    """A ``jupyter server`` subprocess; ``url`` includes the base_url."""

    url: str
    token: str
    process: subprocess.Popen[bytes]
    log_path: Path
    root: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a process manager would; the server runs its shutdown hooks."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def jupyter_env(root: Path, **extra: str) -> dict[str, str]:
    """This process's environment with private Jupyter dirs and no inherited Seraph settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERAPH_", "JUPYTER_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(root / "config"),
        JUPYTER_DATA_DIR=str(root / "data"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        SERAPH_DB=str(root / "seraph.sqlite"),
        SERAPH_SIM_SEED="42",
        **extra,
    )
    return env


def start_server(root: Path, *args: str, env: dict[str, str] | None = None) -> ServerProcess:
    """Launch ``jupyter server`` with ``seraph_ext`` and wait until its fleet answers."""
    root.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    log_path = root / "server.log"
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--allow-root",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--ServerApp.base_url={BASE_URL}",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--SeraphExtension.sse_heartbeat_seconds=0.5",
        *args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env or jupyter_env(root), stdout=log, stderr=subprocess.STDOUT, cwd=root
        )
    server = ServerProcess(f"http://127.0.0.1:{port}{BASE_URL}", token, process, log_path, root)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited {process.returncode}:\n{server.log()}")
        try:
            if (
                httpx.get(server.url + "api/seraph/info", headers=server.headers, timeout=2).status_code
                == 200
            ):
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"jupyter server did not start:\n{server.log()}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    """The session's Jupyter server with seraph_ext."""
    proc = start_server(tmp_path_factory.mktemp("jupyter"))
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def api(server) -> httpx.AsyncClient:
    """An authenticated client of the session server (paths relative to its base_url)."""
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        yield client


@pytest.fixture
async def anonymous(server) -> httpx.AsyncClient:
    """A client without the token."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
async def make_bot(api):
    """``await make_bot(connect=False, world=None)``: a bot with an id unique in the session,
    deleted at the end of the test."""
    made: list[str] = []

    async def make(connect: bool = False, world: str | None = None) -> str:
        bot_id = f"t{next(_bot_numbers)}-{secrets.token_hex(2)}"
        response = await api.post("api/bots", json={"id": bot_id})
        assert response.status_code == 201, response.text
        made.append(bot_id)
        if connect or world:
            response = await api.post(f"api/bots/{bot_id}/connect", params={"wait": "true"})
            assert response.status_code == 200, response.text
        if world:
            response = await api.post(
                f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": world}
            )
            assert response.status_code == 200, response.text
        return bot_id

    yield make
    for bot_id in made:
        await api.delete(f"api/bots/{bot_id}")
