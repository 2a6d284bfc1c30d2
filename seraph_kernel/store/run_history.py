"""Ended script runs, so ``status`` and ``jobs`` still answer for them after a restart."""

from __future__ import annotations

import json
from typing import Any

from seraph_kernel.store.database import Database

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

    def record(self, run: dict[str, Any]) -> None:
        """Append one ended run (the fields of a status record plus its key); only the newest
        ``KEEP_PER_KEY`` runs of a key are kept, so a script run in a loop does not grow the file."""
        values = [json.dumps(run.get(c)) if c in JSON_COLUMNS else run.get(c) for c in COLUMNS]
        key = (run.get("client_id"), run.get("script_id"))
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", values
            )
            conn.execute(
                "DELETE FROM runs WHERE client_id = ? AND script_id = ? AND id NOT IN"
                " (SELECT id FROM runs WHERE client_id = ? AND script_id = ? ORDER BY id DESC LIMIT ?)",
                (*key, *key, KEEP_PER_KEY),
            )

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
    run["running"] = False
    return run
