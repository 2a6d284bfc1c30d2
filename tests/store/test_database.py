"""The SQLite file: WAL mode, schema, and clear errors for files that cannot be used."""

import sqlite3

import pytest

from seraph_kernel.store import BotRecord, BotStore, Database, KeyValueStore, StoreError


def test_new_file_is_created_in_wal_mode_with_missing_directories(tmp_path):
    path = tmp_path / "deep" / "dir" / "seraph.sqlite"
    db = Database(path)
    try:
        assert path.exists()
        assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    finally:
        db.close()


def test_garbage_file_gives_a_clear_error_and_is_left_alone(tmp_path):
    path = tmp_path / "seraph.sqlite"
    path.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(StoreError, match="corrupt or not a SQLite file"):
        Database(path)
    assert path.read_bytes().startswith(b"this is not a database")


def test_locked_database_gives_a_clear_error_and_recovers(tmp_path, monkeypatch):
    monkeypatch.setattr("seraph_kernel.store.database.BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "seraph.sqlite"
    Database(path).close()
    db = Database(path)
    kv = KeyValueStore(db)
    kv.set("global", "kept", 1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another process"):
            BotStore(db).save(BotRecord(id="bot-1", username="P1"))
        assert kv.get("global", "kept") == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    kv.set("global", "after", 2)
    assert kv.get("global", "after") == 2
    db.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "seraph.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Database(path)


def test_a_failed_transaction_changes_nothing(tmp_path):
    db = Database(tmp_path / "seraph.sqlite")
    kv = KeyValueStore(db)
    kv.set("global", "a", 1)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("DELETE FROM storage")
        raise RuntimeError("boom")
    assert kv.get("global", "a") == 1
    db.close()
