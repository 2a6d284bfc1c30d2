"""Lua ``storage`` (scope ``bot:<id>``) and ``globalStorage`` (scope ``global``): JSON values
by key, surviving restarts."""

from __future__ import annotations

import json
from typing import Any

from seraph_kernel.errors import InvalidArgument
from seraph_kernel.store.database import Database


def encode_value(value: Any, field: str = "value") -> str:
    """JSON text of ``value``; ``InvalidArgument`` naming ``field`` when it is not plain JSON data."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(field, f"not JSON-serialisable: {exc}") from None


class KeyValueStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, scope: str, key: str) -> Any:
        """The value, or ``None`` for a missing key."""
        rows = self._db.query("SELECT value FROM storage WHERE scope = ? AND key = ?", (scope, key))
        return json.loads(rows[0][0]) if rows else None

    def set(self, scope: str, key: str, value: Any) -> None:
        text = encode_value(value)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO storage (scope, key, value) VALUES (?, ?, ?)", (scope, key, text)
            )

    def delete(self, scope: str, key: str) -> bool:
        """Whether the key existed."""
        with self._db.transaction() as conn:
            cur = conn.execute("DELETE FROM storage WHERE scope = ? AND key = ?", (scope, key))
            return cur.rowcount > 0

    def keys(self, scope: str) -> list[str]:
        return [
            r[0] for r in self._db.query("SELECT key FROM storage WHERE scope = ? ORDER BY key", (scope,))
        ]

    def clear(self, scope: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM storage WHERE scope = ?", (scope,))
