"""Where a lost shard's bots go when a node holds several shards (``rehome_targets``)."""

from __future__ import annotations

from seraph_kernel.shards.routing import rehome_targets


def test_bots_of_a_lost_shard_go_to_other_nodes_not_to_its_siblings():
    left = {"s1": "node-a", "s2": "node-b", "s3": "node-b", "s4": "node-c"}
    assert rehome_targets("node-a", left) == ["s2", "s3", "s4"]
    assert rehome_targets("node-b", left) == ["s1", "s4"]


def test_with_one_node_left_its_siblings_take_them():
    assert rehome_targets("node-a", {"s2": "node-a", "s3": "node-a"}) == ["s2", "s3"]
    assert rehome_targets("node-a", {}) == []
