"""A real multi-node Ray cluster on this machine (Ray's ``cluster_utils.Cluster``: a head and
more raylets, each a node with its own workers), for the Ray tests and ``bench/ray_scale.py``."""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seraph_ext.testing import free_port
from seraph_kernel.shards.cluster import RAY_WAITS

#: Ports the dashboard agent reports to its raylet through files; this install's agent (Ray
#: without its dashboard extras) reports ``-1`` (none) for each.
AGENT_PORT_FILES = ("metrics_agent_port", "metrics_export_port", "dashboard_agent_listen_port")
CLUSTER_ATTEMPTS = 3
#: Ray's own waits for a node's agents, raised for the same reason (inherited by the raylets).
RAY_ENV = dict(RAY_WAITS)
#: A loaded 2-core machine brings a server's shards up slowly.
RAY_STARTUP_TIMEOUT_S = 240.0


#: Ports handed to agents so far: an agent binds its port only once it is up, so until then
#: the OS may offer the same free port again.
_GIVEN_PORTS: set[int] = set()


def node_args() -> dict[str, int]:
    """One CPU, and the runtime-env agent's port chosen here (a raylet told it does not wait
    for the agent to report it), never one given to another node."""
    port = free_port()
    while port in _GIVEN_PORTS:
        port = free_port()
    _GIVEN_PORTS.add(port)
    return {"num_cpus": 1, "runtime_env_agent_port": port}


@contextlib.contextmanager
def agent_ports_known() -> Iterator[None]:
    """Ray 2.60's raylet waits a fixed 15 s for its dashboard agent to write its ports to files,
    then crashes; on a busy 2-core machine the agent's start alone (importing Ray) takes longer.
    While nodes start, each raylet's port files get the value this install's agent writes
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


def end_stray_ray_processes() -> None:
    """A node that failed to start is not the cluster's to shut down: end the Ray processes
    this process started for it (its children, by pid)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            if "ray" in " ".join(child.cmdline()):
                child.kill()
        except psutil.Error:
            pass


def add_node(cluster: Any) -> Any:
    """One more node of one CPU."""
    with agent_ports_known():
        node = cluster.add_node(**node_args())
    cluster.wait_for_nodes()
    return node


def start_cluster(nodes: int = 3) -> Any:
    """A head and ``nodes - 1`` more nodes. A node that cannot start on a busy machine ends the
    attempt; the cluster is then started afresh, up to ``CLUSTER_ATTEMPTS`` times. Ray's waits
    are raised in this process's environment, which the raylets inherit."""
    from ray.cluster_utils import Cluster

    os.environ.update(RAY_ENV)
    for attempt in range(1, CLUSTER_ATTEMPTS + 1):
        ray_cluster = Cluster()
        try:
            with agent_ports_known():
                ray_cluster.add_node(**node_args(), include_dashboard=False)
            for _ in range(nodes - 1):
                add_node(ray_cluster)
            ray_cluster.wait_for_nodes()
        except Exception:
            ray_cluster.shutdown()
            end_stray_ray_processes()
            if attempt == CLUSTER_ATTEMPTS:
                raise
        else:
            return ray_cluster
    raise AssertionError("unreachable")
