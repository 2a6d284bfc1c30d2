"""Fixtures of the Ray tests: one real three-node Ray cluster on this machine (Ray's
``cluster_utils.Cluster``: a head and two more raylets, each a node with its own workers) and
one real ``jupyter server`` with ``seraph_ext`` pointed at it (``SERAPH_RAY_ADDRESS``), shared
by the module. Skipped, with the reason, only when Ray is not installed."""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("ray", reason="Ray is not installed: pip install 'seraph-notebook[ray]'")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ext"))

import server_process
from server_process import ServerProcess, jupyter_env, start_server

from seraph_ext.testing import free_port

#: A loaded 2-core machine brings raylets and the server's three shards up slowly.
RAY_STARTUP_TIMEOUT_S = 240.0
#: Ports the dashboard agent reports to its raylet through files; this install's agent (Ray
#: without its dashboard extras) reports ``-1`` (none) for each.
AGENT_PORT_FILES = ("metrics_agent_port", "metrics_export_port", "dashboard_agent_listen_port")
CLUSTER_ATTEMPTS = 3
#: Ray's own waits for a node's agents, raised for the same reason (inherited by the raylets).
RAY_ENV = {"RAY_agent_register_timeout_ms": "180000", "RAY_raylet_start_wait_time_s": "180"}


def node_args() -> dict[str, int]:
    """One CPU, and the runtime-env agent's port chosen here (a raylet told it does not wait
    for the agent to report it)."""
    return {"num_cpus": 1, "runtime_env_agent_port": free_port()}


@contextlib.contextmanager
def agent_ports_known() -> Iterator[None]:
    """Ray 2.60's raylet waits a fixed 15 s for its dashboard agent to write its ports to files,
    then crashes; on a busy 2-core machine the agent's start alone (importing Ray) takes longer.
    While the cluster starts, each raylet's port files get the value this install's agent writes
    anyway (``-1``: no metrics or dashboard server) just before the raylet starts; the agent
    overwrites them when it is up."""
    from ray._private import services

    original = services.start_raylet
    signature = inspect.signature(original)

    def start_raylet(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs).arguments
        for name in AGENT_PORT_FILES:
            path = Path(bound["session_dir"]) / f"{name}_{bound['node_id']}"
            if not path.exists():
                path.write_text("-1")
        return original(*args, **kwargs)

    services.start_raylet = start_raylet
    try:
        yield
    finally:
        services.start_raylet = original


def start_cluster() -> Any:
    """A head and two more nodes. A raylet whose agents take longer than Ray's fixed wait to
    start (a busy 2-core machine) ends its node: the cluster is then started afresh, up to
    ``CLUSTER_ATTEMPTS`` times."""
    from ray.cluster_utils import Cluster

    for attempt in range(1, CLUSTER_ATTEMPTS + 1):
        ray_cluster = Cluster()
        try:
            with agent_ports_known():
                ray_cluster.add_node(**node_args(), include_dashboard=False)
                for _ in range(2):
                    ray_cluster.add_node(**node_args())
            ray_cluster.wait_for_nodes()
        except Exception:
            ray_cluster.shutdown()
            end_stray_ray_processes()
            if attempt == CLUSTER_ATTEMPTS:
                raise
        else:
            return ray_cluster
    raise AssertionError("unreachable")


def end_stray_ray_processes() -> None:
    """A node that failed to start is not the cluster's to shut down: end the Ray processes
    this test process started for it (its children, by pid)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            if "ray" in " ".join(child.cmdline()):
                child.kill()
        except psutil.Error:
            pass


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Three Ray nodes on this machine, one CPU each."""
    saved = {name: os.environ.get(name) for name in RAY_ENV}
    os.environ.update(RAY_ENV)
    ray_cluster = start_cluster()
    try:
        yield ray_cluster
    finally:
        ray_cluster.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory, monkeypatch_module) -> Iterator[ServerProcess]:
    """A Jupyter server whose fleet is the cluster's shards."""
    monkeypatch_module.setattr(server_process, "STARTUP_TIMEOUT_S", RAY_STARTUP_TIMEOUT_S)
    root = tmp_path_factory.mktemp("ray-jupyter")
    proc = start_server(root, env=jupyter_env(root, SERAPH_RAY_ADDRESS=cluster.address, **RAY_ENV))
    try:
        yield proc
    finally:
        proc.stop(timeout=60)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture
async def api(server) -> httpx.AsyncClient:
    """An authenticated client of the module's server."""
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as client:
        yield client
