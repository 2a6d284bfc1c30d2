"""Schema 3 adds the library's tables to existing files without touching their rows."""

from __future__ import annotations

import sqlite3

from seraph_kernel.library.store import LibraryStore
from seraph_kernel.store import BotRecord, BotStore, Database
from seraph_kernel.store.database import SCHEMA_VERSION

LIBRARY_TABLES = {
    "library_projects",
    "library_scripts",
    "library_versions",
    "library_keys",
    "library_sessions",
    "library_daily",
}


def tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_a_schema_2_file_gains_the_library_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    db = Database(path)
    BotStore(db).save(BotRecord(id="bot-1", username="P1", backend="sim", settings={}))
    db.close()
    conn = sqlite3.connect(path)
    for table in LIBRARY_TABLES:
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version=2")
    conn.commit()
    conn.close()
    assert not tables(path) & LIBRARY_TABLES

    db = Database(path)
    try:
        assert db.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 3
        assert tables(path) >= LIBRARY_TABLES
        assert [record.id for record in BotStore(db).all()] == ["bot-1"]
        store = LibraryStore(db)
        script_id = store.create_script("kept", None, "return 1", {})
        assert store.script(script_id)["version"] == 1
    finally:
        db.close()
