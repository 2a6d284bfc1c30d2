"""Lua ``storage`` (scope ``bot:<id>``) and ``globalStorage`` (scope ``global``): JSON values
by key, surviving restarts, within quotas.

An entry counts for the UTF-8 bytes of its key plus those of its JSON text. The bytes of each
scope are kept in ``storage_usage`` and their sum in ``storage_total`` by triggers (see
:mod:`seraph_kernel.store.database`), so a quota check reads two rows instead of scanning the
stored values, and the count is right after a restart. A write that would pass a quota is
refused and changes nothing; a write that does not grow its scope (a smaller value, a delete)
is always accepted, even over a quota that was lowered since.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from seraph_kernel.errors import InvalidArgument, StorageQuotaExceeded
from seraph_kernel.store.database import Database

GLOBAL_SCOPE = "global"
#: A workspace's ``globalStorage`` (``workspace:<name>``) has the globalStorage quota.
WORKSPACE_SCOPE_PREFIX = "workspace:"


@dataclass(frozen=True)
class StorageQuotas:
    """How many bytes storage may hold: one entry, each bot's scope, ``global``, all scopes."""

    entry_bytes: int = 1 << 20
    bot_bytes: int = 16 << 20
    global_bytes: int = 64 << 20
    total_bytes: int = 1 << 30

    @classmethod
    def of(cls, config: Any) -> StorageQuotas:
        """The quotas a ``FleetConfig`` sets (its ``storage_*_bytes`` fields): the same for a
        fleet's own store and for a Ray farm's store actor."""
        return cls(
            entry_bytes=config.storage_entry_bytes,
            bot_bytes=config.storage_bot_bytes,
            global_bytes=config.storage_global_bytes,
            total_bytes=config.storage_total_bytes,
        )


def encode_value(value: Any, field: str = "value") -> str:
    """JSON text of ``value``; ``InvalidArgument`` naming ``field`` when it is not plain JSON data."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(field, f"not JSON-serialisable: {exc}") from None


def entry_bytes(key: str, text: str) -> int:
    """What an entry counts for: its key and its JSON text, in UTF-8 bytes."""
    return len(key.encode("utf-8", "surrogatepass")) + len(text.encode("utf-8", "surrogatepass"))


class KeyValueStore:
    def __init__(self, db: Database, quotas: StorageQuotas | None = None) -> None:
        self._db = db
        self.quotas = quotas or StorageQuotas()

    def get(self, scope: str, key: str) -> Any:
        """The value, or ``None`` for a missing key."""
        rows = self._db.query("SELECT value FROM storage WHERE scope = ? AND key = ?", (scope, key))
        return json.loads(rows[0][0]) if rows else None

    def set(self, scope: str, key: str, value: Any) -> None:
        """Store ``value``; ``StorageQuotaExceeded`` (nothing written) past a quota."""
        text = encode_value(value)
        size = entry_bytes(key, text)
        quotas = self.quotas
        if size > quotas.entry_bytes:
            raise StorageQuotaExceeded(
                f"the entry {key!r} of {scope} is {size} bytes (key and JSON value), "
                f"more than the largest allowed, {quotas.entry_bytes} bytes",
                "storage_entry_bytes",
            )
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT length(CAST(key AS BLOB)) + length(CAST(value AS BLOB)) FROM storage"
                " WHERE scope = ? AND key = ?",
                (scope, key),
            ).fetchone()
            growth = size - (row[0] if row else 0)
            if growth > 0:
                self._check_growth(conn, scope, growth)
            conn.execute(
                "INSERT INTO storage (scope, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                (scope, key, text),
            )

    def _check_growth(self, conn: sqlite3.Connection, scope: str, growth: int) -> None:
        quotas = self.quotas
        if scope == GLOBAL_SCOPE or scope.startswith(WORKSPACE_SCOPE_PREFIX):
            limit, setting, what = quotas.global_bytes, "storage_global_bytes", "the globalStorage quota"
        else:
            limit, setting, what = quotas.bot_bytes, "storage_bot_bytes", "the quota of each bot"
        used = self._scope_bytes(conn, scope)
        if used + growth > limit:
            raise StorageQuotaExceeded(
                f"{scope} would hold {used + growth} bytes, more than {what} ({limit} bytes)", setting
            )
        total = conn.execute("SELECT bytes FROM storage_total WHERE id = 0").fetchone()[0]
        if total + growth > quotas.total_bytes:
            raise StorageQuotaExceeded(
                f"all storage would hold {total + growth} bytes, more than the total quota "
                f"({quotas.total_bytes} bytes)",
                "storage_total_bytes",
            )

    @staticmethod
    def _scope_bytes(conn: sqlite3.Connection, scope: str) -> int:
        row = conn.execute("SELECT bytes FROM storage_usage WHERE scope = ?", (scope,)).fetchone()
        return row[0] if row else 0

    def usage(self, scope: str | None = None) -> int:
        """Bytes held by ``scope``, or by every scope when ``None`` (read from the usage tables)."""
        if scope is None:
            return self._db.query("SELECT bytes FROM storage_total WHERE id = 0")[0][0]
        rows = self._db.query("SELECT bytes FROM storage_usage WHERE scope = ?", (scope,))
        return rows[0][0] if rows else 0

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
