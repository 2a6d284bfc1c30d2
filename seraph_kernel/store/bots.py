"""The bots a fleet owns, so a restarted fleet recreates them and reconnects the ones that were
connected, back into the world they were in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from seraph_kernel.store.database import Database


@dataclass
class BotRecord:
    id: str
    username: str
    backend: str = "sim"
    settings: dict[str, Any] = field(default_factory=dict)
    was_connected: bool = False
    world: str | None = None


class BotStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, record: BotRecord) -> None:
        """Insert or replace the whole record."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO bots (id, username, backend, settings, was_connected, world)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.username,
                    record.backend,
                    json.dumps(record.settings),
                    int(record.was_connected),
                    record.world,
                ),
            )

    def set_presence(self, bot_id: str, was_connected: bool, world: str | None) -> None:
        """Remember whether the bot is connected and where, for the next start."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE bots SET was_connected = ?, world = ? WHERE id = ?",
                (int(was_connected), world, bot_id),
            )

    def delete(self, bot_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM bots WHERE id = ?", (bot_id,))

    def all(self) -> list[BotRecord]:
        rows = self._db.query(
            "SELECT id, username, backend, settings, was_connected, world FROM bots ORDER BY id"
        )
        return [
            BotRecord(
                id=r[0],
                username=r[1],
                backend=r[2],
                settings=json.loads(r[3]),
                was_connected=bool(r[4]),
                world=r[5],
            )
            for r in rows
        ]
