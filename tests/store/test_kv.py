"""Lua storage / globalStorage values: JSON only, scoped, persistent."""

import math

import pytest

from seraph_kernel.errors import InvalidArgument
from seraph_kernel.store import Database, KeyValueStore


@pytest.fixture
def kv(tmp_path):
    db = Database(tmp_path / "seraph.sqlite")
    yield KeyValueStore(db)
    db.close()


def test_values_round_trip_with_their_json_types(kv):
    value = {"list": [1, 2.5, "x", None, True], "nested": {"a": {}}}
    kv.set("bot:bot-1", "cfg", value)
    assert kv.get("bot:bot-1", "cfg") == value
    assert kv.get("bot:bot-1", "missing") is None


def test_scopes_are_separate(kv):
    kv.set("bot:bot-1", "k", 1)
    kv.set("bot:bot-2", "k", 2)
    kv.set("global", "k", 3)
    assert [kv.get(s, "k") for s in ("bot:bot-1", "bot:bot-2", "global")] == [1, 2, 3]
    kv.clear("bot:bot-1")
    assert kv.keys("bot:bot-1") == []
    assert kv.keys("bot:bot-2") == ["k"]


def test_delete_reports_whether_the_key_existed(kv):
    kv.set("global", "a", "x")
    assert kv.delete("global", "a") is True
    assert kv.delete("global", "a") is False


@pytest.mark.parametrize("bad", [object(), {1, 2}, math.nan, {"f": print}])
def test_non_json_values_are_refused_and_keep_the_old_value(kv, bad):
    kv.set("global", "k", "old")
    with pytest.raises(InvalidArgument, match="not JSON-serialisable"):
        kv.set("global", "k", bad)
    assert kv.get("global", "k") == "old"


def test_values_survive_reopen(tmp_path):
    path = tmp_path / "seraph.sqlite"
    db = Database(path)
    KeyValueStore(db).set("global", "count", 41)
    db.close()
    db = Database(path)
    assert KeyValueStore(db).get("global", "count") == 41
    db.close()
