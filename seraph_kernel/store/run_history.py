"""Ended script runs, so ``status`` and ``jobs`` still answer for them after a restart."""

from __future__ import annotations

import json
from typing import Any

from seraph_kernel.store.database import Database
from seraph_kernel.vocab import FAILED, INTERNAL_ERROR, PROCESSING, QUEUED

COLUMNS = (
    "client_id",
    "script_id",
    "state",
    "last_error",
    "error",
    "results",
    "started_at",
    "ended_at",
    "timeout_ms",
)
JSON_COLUMNS = ("error", "results")
KEEP_PER_KEY = 20
SELECT = f"SELECT {', '.join(COLUMNS)} FROM runs"


class RunHistory:
    def __init__(self, db: Database) -> None:
        self._db = db

    def started(self, run: dict[str, Any]) -> int:
        """Record a run as it starts (so a crash leaves it findable); its row id. Only the newest
        ``KEEP_PER_KEY`` runs of a key are kept, so a script run in a loop does not grow the file."""
        values = [json.dumps(run.get(c)) if c in JSON_COLUMNS else run.get(c) for c in COLUMNS]
        key = (run.get("client_id"), run.get("script_id"))
        with self._db.transaction() as conn:
            row_id = conn.execute(
                f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", values
            ).lastrowid
            conn.execute(
                "DELETE FROM runs WHERE client_id = ? AND script_id = ? AND id NOT IN"
                " (SELECT id FROM runs WHERE client_id = ? AND script_id = ? ORDER BY id DESC LIMIT ?)",
                (*key, *key, KEEP_PER_KEY),
            )
        return int(row_id)

    def ended(self, row_id: int, run: dict[str, Any]) -> None:
        """The run's final state, error, results and end time."""
        fields = [c for c in COLUMNS if c not in ("client_id", "script_id")]
        values = [json.dumps(run.get(c)) if c in JSON_COLUMNS else run.get(c) for c in fields]
        with self._db.transaction() as conn:
            assignments = ", ".join(f"{c} = ?" for c in fields)
            conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*values, row_id))

    def close_unfinished(self, message: str = "server stopped") -> int:
        """Runs a previous process left ``QUEUED``/``PROCESSING`` (it stopped or crashed
        mid-run) end as ``FAILED`` with ``INTERNAL_ERROR``; the number closed."""
        error = json.dumps({"code": INTERNAL_ERROR, "message": message})
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE runs SET state = ?, error = ?, last_error = ?,"
                " ended_at = COALESCE(ended_at, CAST(strftime('%s','now') AS INTEGER) * 1000)"
                " WHERE state IN (?, ?)",
                (FAILED, error, message, QUEUED, PROCESSING),
            )
            return cursor.rowcount

    def close_runs_of(self, client_ids: list[str], message: str) -> list[tuple[str, str]]:
        """End the unfinished runs of these bots as ``FAILED``/``INTERNAL_ERROR`` ``message``
        (their process is gone: a Ray farm lost their node); the ``(client_id, script_id)``
        keys closed."""
        if not client_ids:
            return []
        error = json.dumps({"code": INTERNAL_ERROR, "message": message})
        marks = ", ".join("?" * len(client_ids))
        where = f"state IN (?, ?) AND client_id IN ({marks})"
        with self._db.transaction() as conn:
            keys = conn.execute(
                f"SELECT DISTINCT client_id, script_id FROM runs WHERE {where}",
                (QUEUED, PROCESSING, *client_ids),
            ).fetchall()
            conn.execute(
                "UPDATE runs SET state = ?, error = ?, last_error = ?,"
                " ended_at = COALESCE(ended_at, CAST(strftime('%s','now') AS INTEGER) * 1000)"
                f" WHERE {where}",
                (FAILED, error, message, QUEUED, PROCESSING, *client_ids),
            )
        return [(str(c), str(s)) for c, s in keys]

    def record(self, run: dict[str, Any]) -> None:
        """Append one ended run."""
        self.started(run)

    def latest(self, client_id: str, script_id: str) -> dict[str, Any] | None:
        """The newest run of a key, or ``None``."""
        rows = self._db.query(
            f"{SELECT} WHERE client_id = ? AND script_id = ? ORDER BY id DESC LIMIT 1",
            (client_id, script_id),
        )
        return _as_run(rows[0]) if rows else None

    def latest_per_key(self, client_id: str | None = None) -> list[dict[str, Any]]:
        """The newest run of every key (of one client, or of all), oldest key first."""
        sql = f"{SELECT} WHERE id IN (SELECT MAX(id) FROM runs"
        params: tuple[Any, ...] = ()
        if client_id is not None:
            sql += " WHERE client_id = ?"
            params = (client_id,)
        sql += " GROUP BY client_id, script_id) ORDER BY id"
        return [_as_run(r) for r in self._db.query(sql, params)]

    def forget_client(self, client_id: str) -> None:
        """Drop the history of a deleted bot."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM runs WHERE client_id = ?", (client_id,))


def _as_run(row: tuple[Any, ...]) -> dict[str, Any]:
    run = dict(zip(COLUMNS, row, strict=True))
    for c in JSON_COLUMNS:
        run[c] = json.loads(run[c]) if run[c] is not None else None
    run["running"] = run["state"] in (QUEUED, PROCESSING)
    return run
