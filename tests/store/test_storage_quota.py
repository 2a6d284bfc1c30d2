"""Storage quotas: one entry, each bot's scope, ``global`` and all scopes together; a refused
write changes nothing, replacing and deleting account for the old entry, usage survives a
reopen and is recounted when a file of the previous schema is upgraded."""

from __future__ import annotations

import random
import sqlite3

import pytest

from seraph_kernel.errors import StorageQuotaExceeded
from seraph_kernel.store import Database, KeyValueStore, StorageQuotas
from seraph_kernel.store.kv import entry_bytes

QUOTAS = StorageQuotas(entry_bytes=1000, bot_bytes=2000, global_bytes=3000, total_bytes=5000)


def size(key: str, value: str) -> int:
    """The bytes of a string entry: key + JSON text (the value and its two quotes)."""
    return len(key.encode()) + len(value.encode()) + 2


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "seraph.sqlite")
    yield database
    database.close()


@pytest.fixture
def kv(db):
    return KeyValueStore(db, QUOTAS)


def test_entries_count_their_key_and_json_text_in_utf8_bytes(kv):
    kv.set("bot:b", "clé", "é" * 3)
    assert entry_bytes("clé", '"\\u00e9\\u00e9\\u00e9"') == kv.usage("bot:b") == 4 + 20
    kv.set("bot:b", "n", [1, 2])
    assert kv.usage("bot:b") == 24 + 1 + 5
    assert kv.usage() == 30


def test_a_write_past_the_bot_quota_is_refused_and_changes_nothing(kv):
    kv.set("bot:b", "a", "x" * 900)
    kv.set("bot:b", "b", "x" * 900)
    before = kv.usage("bot:b")
    with pytest.raises(StorageQuotaExceeded) as err:
        kv.set("bot:b", "c", "x" * 900)
    message = str(err.value)
    assert message.startswith("storage quota exceeded: bot:b would hold ")
    assert "the quota of each bot (2000 bytes)" in message
    assert "c.SeraphExtension.storage_bot_bytes" in message and err.value.http_status == 413
    assert kv.keys("bot:b") == ["a", "b"] and kv.get("bot:b", "c") is None
    assert kv.usage("bot:b") == before
    kv.set("bot:other", "c", "x" * 900)  # another bot has its own quota


def test_replacing_accounts_for_the_old_entry_and_deleting_gives_space_back(kv):
    kv.set("bot:b", "a", "x" * 900)
    kv.set("bot:b", "b", "x" * 900)
    kv.set("bot:b", "a", "y" * 950)  # grows by 50: still within 2000
    assert kv.usage("bot:b") == size("a", "y" * 950) + size("b", "x" * 900)
    with pytest.raises(StorageQuotaExceeded):
        kv.set("bot:b", "c", "z" * 200)
    assert kv.get("bot:b", "a") == "y" * 950
    assert kv.delete("bot:b", "a")
    kv.set("bot:b", "c", "z" * 900)
    kv.clear("bot:b")
    assert kv.usage("bot:b") == 0 and kv.usage() == 0


def test_the_largest_entry_is_refused_before_anything_is_read(kv):
    kv.set("global", "k", "old")
    with pytest.raises(StorageQuotaExceeded, match=r"the entry 'k' of global is 1002 bytes .* 1000 bytes"):
        kv.set("global", "k", "x" * 999)
    assert kv.get("global", "k") == "old"


def test_global_has_its_own_quota_and_every_scope_shares_the_total(kv):
    for i in range(3):
        kv.set("global", f"g{i}", "x" * 900)
    with pytest.raises(StorageQuotaExceeded, match=r"globalStorage quota \(3000 bytes\).*_global_bytes"):
        kv.set("global", "g3", "x" * 900)
    kv.set("bot:a", "k", "x" * 900)
    kv.set("bot:b", "k", "x" * 900)
    with pytest.raises(StorageQuotaExceeded, match=r"total quota \(5000 bytes\).*storage_total_bytes"):
        kv.set("bot:c", "k", "x" * 900)
    assert kv.keys("bot:c") == []
    kv.clear("bot:a")
    kv.set("bot:c", "k", "x" * 900)


def test_a_lowered_quota_still_lets_a_scope_shrink(db):
    KeyValueStore(db, QUOTAS).set("bot:b", "k", "x" * 900)
    small = KeyValueStore(db, StorageQuotas(entry_bytes=1000, bot_bytes=100))
    with pytest.raises(StorageQuotaExceeded):
        small.set("bot:b", "other", 1)
    small.set("bot:b", "k", "shorter")
    assert small.get("bot:b", "k") == "shorter"
    assert small.delete("bot:b", "k")


def test_the_kept_usage_matches_a_recount_after_mixed_writes(db):
    kv = KeyValueStore(db)
    rng = random.Random(7)
    scopes = ["global", "bot:a", "bot:b", "bot:ü"]
    for _ in range(500):
        scope, key = rng.choice(scopes), rng.choice(["k", "kk", "clé", "x" * 20])
        action = rng.random()
        if action < 0.6:
            kv.set(scope, key, rng.choice([1, "é" * rng.randint(0, 50), [True, None], {"a": "b" * 10}]))
        elif action < 0.9:
            kv.delete(scope, key)
        else:
            kv.clear(scope)
    counted = dict(
        db.query(
            "SELECT scope, SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB)))"
            " FROM storage GROUP BY scope"
        )
    )
    assert {scope: kv.usage(scope) for scope in scopes if kv.usage(scope)} == counted
    assert kv.usage() == sum(counted.values())


def test_usage_is_right_after_a_reopen(tmp_path):
    path = tmp_path / "seraph.sqlite"
    db = Database(path)
    kv = KeyValueStore(db, QUOTAS)
    kv.set("bot:b", "a", "x" * 900)
    kv.set("bot:b", "b", "x" * 900)
    kv.set("global", "g", [1, 2, 3])
    db.close()
    db = Database(path)
    kv = KeyValueStore(db, QUOTAS)
    assert kv.usage("bot:b") == 2 * size("a", "x" * 900)
    assert kv.usage() == 2 * size("a", "x" * 900) + 1 + 7
    with pytest.raises(StorageQuotaExceeded):
        kv.set("bot:b", "c", "x" * 900)
    db.close()


def test_a_file_of_the_previous_schema_gets_its_usage_counted(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE storage (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                              PRIMARY KEY (scope, key));
        INSERT INTO storage VALUES ('bot:b', 'a', '"xxxx"'), ('bot:b', 'bb', '12'), ('global', 'g', 'true');
        PRAGMA user_version=1;
        """
    )
    conn.close()
    db = Database(path)
    kv = KeyValueStore(db, QUOTAS)
    assert kv.usage("bot:b") == 7 + 4 and kv.usage("global") == 5 and kv.usage() == 16
    assert kv.get("bot:b", "a") == "xxxx"
    kv.set("bot:b", "a", 1)
    assert kv.usage("bot:b") == 2 + 4 and kv.usage() == 11
    db.close()
