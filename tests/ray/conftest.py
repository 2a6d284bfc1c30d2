"""Fixtures of the Ray tests: one real three-node Ray cluster on this machine
(``ray_cluster.start_cluster``) and one real ``jupyter server`` with ``seraph_ext`` pointed at it
(``SERAPH_RAY_ADDRESS``), shared by the module. Skipped, with the reason, only when Ray is not
installed."""

from __future__ import annotations

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
from ray_cluster import RAY_ENV, RAY_STARTUP_TIMEOUT_S, start_cluster
from server_process import ServerProcess, jupyter_env, start_server


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Three Ray nodes on this machine, one CPU each."""
    saved = {name: os.environ.get(name) for name in RAY_ENV}
    ray_cluster = start_cluster(3)
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
