"""One SQLite file in WAL mode, shared by the bot, key/value and run-history stores.

Transactions are tiny (one row or a handful), so they run inline on the caller's thread:
a write costs tens of microseconds and never holds the event loop noticeably. A lock makes the
connection safe to use from worker threads too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seraph_kernel.errors import SeraphError

#: 1: bots, storage, runs. 2: ``storage_usage`` (the bytes of each storage scope) and
#: ``storage_total`` (of all scopes), kept by triggers so a quota check reads two rows.
#: 3: the script library (``library_*``: projects, scripts, versions, keys, sessions, per-day
#: execution counts). Every upgrade creates what is missing, so older files keep their rows.
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS bots (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    backend TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    was_connected INTEGER NOT NULL DEFAULT 0,
    world TEXT
);
CREATE TABLE IF NOT EXISTS storage (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    script_id TEXT NOT NULL,
    state TEXT NOT NULL,
    last_error TEXT,
    error TEXT,
    results TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    timeout_ms INTEGER
);
CREATE INDEX IF NOT EXISTS runs_by_key ON runs (client_id, script_id, id);
CREATE TABLE IF NOT EXISTS storage_usage (
    scope TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS storage_usage_insert AFTER INSERT ON storage BEGIN
    INSERT INTO storage_usage (scope, bytes)
    VALUES (NEW.scope, length(CAST(NEW.key AS BLOB)) + length(CAST(NEW.value AS BLOB)))
    ON CONFLICT (scope) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER IF NOT EXISTS storage_usage_update AFTER UPDATE ON storage BEGIN
    UPDATE storage_usage
    SET bytes = bytes - length(CAST(OLD.key AS BLOB)) - length(CAST(OLD.value AS BLOB))
    WHERE scope = OLD.scope;
    INSERT INTO storage_usage (scope, bytes)
    VALUES (NEW.scope, length(CAST(NEW.key AS BLOB)) + length(CAST(NEW.value AS BLOB)))
    ON CONFLICT (scope) DO UPDATE SET bytes = bytes + excluded.bytes;
    DELETE FROM storage_usage WHERE scope = OLD.scope AND bytes <= 0;
END;
CREATE TRIGGER IF NOT EXISTS storage_usage_delete AFTER DELETE ON storage BEGIN
    UPDATE storage_usage
    SET bytes = bytes - length(CAST(OLD.key AS BLOB)) - length(CAST(OLD.value AS BLOB))
    WHERE scope = OLD.scope;
    DELETE FROM storage_usage WHERE scope = OLD.scope AND bytes <= 0;
END;
CREATE TABLE IF NOT EXISTS storage_total (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    bytes INTEGER NOT NULL
);
INSERT OR IGNORE INTO storage_total (id, bytes) VALUES (0, 0);
CREATE TRIGGER IF NOT EXISTS storage_total_insert AFTER INSERT ON storage_usage BEGIN
    UPDATE storage_total SET bytes = bytes + NEW.bytes WHERE id = 0;
END;
CREATE TRIGGER IF NOT EXISTS storage_total_update AFTER UPDATE ON storage_usage BEGIN
    UPDATE storage_total SET bytes = bytes + NEW.bytes - OLD.bytes WHERE id = 0;
END;
CREATE TRIGGER IF NOT EXISTS storage_total_delete AFTER DELETE ON storage_usage BEGIN
    UPDATE storage_total SET bytes = bytes - OLD.bytes WHERE id = 0;
END;
CREATE TABLE IF NOT EXISTS library_projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS library_scripts (
    id TEXT PRIMARY KEY,
    project_id TEXT,
    name TEXT NOT NULL,
    free_for_all INTEGER NOT NULL,
    use_heartbeat INTEGER NOT NULL,
    kick_outdated INTEGER NOT NULL,
    require_sessions INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    total_executions INTEGER NOT NULL DEFAULT 0,
    total_sessions INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS library_scripts_by_project ON library_scripts (project_id, name);
CREATE TABLE IF NOT EXISTS library_versions (
    script_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (script_id, version)
);
CREATE TABLE IF NOT EXISTS library_keys (
    key TEXT PRIMARY KEY,
    script_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS library_keys_by_script ON library_keys (script_id, created_at);
CREATE TABLE IF NOT EXISTS library_sessions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    script_id TEXT NOT NULL,
    user_key TEXT NOT NULL,
    roblox_id TEXT,
    place_id TEXT,
    job_id TEXT,
    client_id TEXT NOT NULL,
    world TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at INTEGER,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS library_sessions_by_script ON library_sessions (script_id, seq);
CREATE INDEX IF NOT EXISTS library_sessions_by_key ON library_sessions (script_id, user_key, seq);
CREATE INDEX IF NOT EXISTS library_sessions_by_user ON library_sessions (script_id, roblox_id, seq);
CREATE INDEX IF NOT EXISTS library_sessions_by_place ON library_sessions (script_id, place_id, seq);
CREATE INDEX IF NOT EXISTS library_sessions_by_job ON library_sessions (script_id, job_id);
CREATE INDEX IF NOT EXISTS library_sessions_open ON library_sessions (script_id, client_id)
    WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS library_daily (
    script_id TEXT NOT NULL,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (script_id, day)
);
"""

#: Recount ``storage_usage`` and ``storage_total`` from the stored rows (once, when an older
#: file is upgraded).
RECOUNT_USAGE = """
DELETE FROM storage_usage;
UPDATE storage_total SET bytes = 0 WHERE id = 0;
INSERT INTO storage_usage (scope, bytes)
SELECT scope, SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))) FROM storage GROUP BY scope;
"""

BUSY_TIMEOUT_MS = 2000


class StoreError(SeraphError):
    """The database cannot be used: not a SQLite file, locked by another process, unwritable."""

    http_status = 500


class Database:
    """An open SQLite file with the schema in place. ``close()`` when done."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory of database {self.path}: {exc}") from exc
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        try:
            with self._wrap_errors():
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"database {self.path} has schema version {version}, newer than this "
                        f"version of seraph understands ({SCHEMA_VERSION})"
                    )
                if version < SCHEMA_VERSION:
                    self._upgrade()
        except StoreError:
            self._conn.close()
            raise

    def _upgrade(self) -> None:
        """Create what is missing and recount storage usage, in one transaction."""
        try:
            self._conn.executescript(
                f"BEGIN IMMEDIATE;{SCHEMA}{RECOUNT_USAGE}PRAGMA user_version={SCHEMA_VERSION};COMMIT;"
            )
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; committed on success, rolled back on error."""
        with self._lock, self._wrap_errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read."""
        with self._lock, self._wrap_errors():
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _wrap_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise StoreError(f"database {self.path} is locked by another process: {text}") from exc
            if "not a database" in text or "malformed" in text:
                raise StoreError(f"database {self.path} is corrupt or not a SQLite file: {text}") from exc
            raise StoreError(f"database {self.path}: {text}") from exc
