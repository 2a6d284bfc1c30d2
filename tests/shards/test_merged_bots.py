"""The farm's ``list_bots`` is the shards' answers merged in id order, paged as one fleet."""

from __future__ import annotations

from seraph_kernel.shards.routing import merged_bots

SHARDS = [
    {"bots": [{"id": "bot-1"}, {"id": "bot-10"}, {"id": "bot-4"}]},
    {"bots": [{"id": "bot-2"}, {"id": "bot-3"}]},
]


def ids(answer):
    return [bot["id"] for bot in answer["bots"]]


def test_the_whole_list_is_in_natural_id_order_without_next():
    answer = merged_bots(SHARDS, None, None)
    assert ids(answer) == ["bot-1", "bot-2", "bot-3", "bot-4", "bot-10"]
    assert "next" not in answer


def test_a_page_is_the_first_of_all_shards_pages_and_says_where_the_next_starts():
    first = {"bots": [{"id": "bot-1"}, {"id": "bot-4"}], "next": "bot-4"}
    page = merged_bots([first, {"bots": [{"id": "bot-2"}], "next": None}], 2, None)
    assert ids(page) == ["bot-1", "bot-2"] and page["next"] == "bot-2"
    last = merged_bots([{"bots": [{"id": "bot-9"}], "next": None}, {"bots": [], "next": None}], 2, "bot-8")
    assert ids(last) == ["bot-9"] and last["next"] is None
