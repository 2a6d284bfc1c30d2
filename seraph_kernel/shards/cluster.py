"""Joining or starting Ray for the front door (``SERAPH_RAY_ADDRESS``)."""

from __future__ import annotations

import logging
import os
from typing import Any

import ray

logger = logging.getLogger(__name__)
NAMESPACE = "seraph"
#: Ray's waits for a node's agents (milliseconds, seconds), raised from 30 and 10: on a busy
#: 2-core machine importing Ray alone takes longer, and the raylet then gives up and exits.
RAY_WAITS = {"RAY_agent_register_timeout_ms": "180000", "RAY_raylet_start_wait_time_s": "180"}


def connect(address: str) -> None:
    """``auto``: join the cluster ``ray start`` runs on this machine; ``local``: start a Ray of
    this process; anything else: the address of a running cluster."""
    if ray.is_initialized():
        return
    if address == "local":
        for name, value in RAY_WAITS.items():
            os.environ.setdefault(name, value)
        ray.init(namespace=NAMESPACE, include_dashboard=False, logging_level=logging.WARNING)
    else:
        ray.init(address=address, namespace=NAMESPACE, logging_level=logging.WARNING)


def alive_nodes() -> list[str]:
    """The ids of the cluster's alive nodes, the driver's node first."""
    here = ray.get_runtime_context().get_node_id()
    nodes = [node["NodeID"] for node in ray.nodes() if node.get("Alive")]
    return sorted(nodes, key=lambda node: node != here)


def on_node(actor_class: Any, node_id: str, **options: Any) -> Any:
    """``actor_class`` (already ``ray.remote``) pinned on ``node_id``: plain scheduling may put
    two shards on one node."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    strategy = NodeAffinitySchedulingStrategy(node_id, soft=False)
    return actor_class.options(scheduling_strategy=strategy, **options)
