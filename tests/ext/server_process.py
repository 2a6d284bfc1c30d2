"""A real ``jupyter server`` subprocess with ``seraph_ext``: private Jupyter dirs, a fresh SQLite
file, a non-trivial base_url, started and stopped the way a user or process manager does."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from seraph_ext.testing import free_port

BASE_URL = "/seraph-test/"
STARTUP_TIMEOUT_S = 60.0
OTHER_EXTENSIONS = ("jupyterlab", "jupyter_lsp", "notebook_shim", "jupyter_server_terminals")


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

    def rss_bytes(self) -> int:
        """Resident memory of the server and its child processes (the fleet's process)."""
        return sum(rss_of(pid) for pid in process_tree(self.process.pid))

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


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    pids, i = [pid], 0
    while i < len(pids):
        for task in Path(f"/proc/{pids[i]}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # it ended meanwhile
                pids.extend(int(child) for child in task.read_text().split())
        i += 1
    return pids


def rss_of(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass  # it ended meanwhile
    return 0


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
    )
    env.update(extra)
    return env


def start_server(root: Path, *args: str, env: dict[str, str] | None = None) -> ServerProcess:
    """Launch ``jupyter server`` with ``seraph_ext`` and wait until its fleet answers. The
    other installed extensions (JupyterLab, LSP…) are disabled in the private config dir: they
    only slow startup down."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config").mkdir(exist_ok=True)
    only_seraph = {name: False for name in OTHER_EXTENSIONS}
    (root / "config" / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {**only_seraph, "seraph_ext": True}}})
    )
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
