"""The library's rows in the shared SQLite store (``library_*`` tables, schema 3): projects,
scripts and their settings, every version's source, keys, sessions and per-day execution
counts. Plain SQL, no policy: :class:`~seraph_kernel.library.service.Library` decides."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from seraph_kernel.library.errors import LibraryError, not_found
from seraph_kernel.store import Database

#: The settings of a script (002's booleans), in the order the table holds them.
FLAGS = ("free_for_all", "use_heartbeat", "kick_outdated", "require_sessions", "enabled")
#: What a new script starts with: anyone may run it, nothing is re-checked.
DEFAULT_FLAGS = {
    "free_for_all": True,
    "use_heartbeat": False,
    "kick_outdated": False,
    "require_sessions": False,
    "enabled": True,
}
SCRIPT_COLUMNS = (
    "id",
    "project_id",
    "name",
    *FLAGS,
    "version",
    "total_executions",
    "total_sessions",
    "created_at",
)
SESSION_COLUMNS = (
    "id",
    "user_key",
    "script_id",
    "roblox_id",
    "place_id",
    "job_id",
    "created_at",
    "client_id",
    "world",
    "version",
    "ended_at",
    "state",
)
#: Session filters of ``sessions/filter``: query name -> column.
FILTERS = {"key": "user_key", "roblox_id": "roblox_id", "place_id": "place_id", "job_id": "job_id"}
#: Days ``executions`` answers (today and the 29 before it).
EXECUTION_DAYS = 30


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id(prefix: str) -> str:
    """An id no one guesses: ``<prefix>-<16 hex digits>`` (safe in a URL and as a run key)."""
    return f"{prefix}-{secrets.token_hex(8)}"


def utc_day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


class LibraryStore:
    """SQL over the ``library_*`` tables of one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- projects --------------------------------------------------------------------------------
    def create_project(self, name: str) -> dict[str, Any]:
        project = {"id": new_id("prj"), "name": name, "created_at": now_ms()}
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM library_projects WHERE name = ?", (name,)).fetchone():
                raise LibraryError(1, "project name already used", status=409)
            conn.execute(
                "INSERT INTO library_projects (id, name, created_at) VALUES (?, ?, ?)",
                (project["id"], name, project["created_at"]),
            )
        return project

    def projects(self) -> list[dict[str, Any]]:
        rows = self._db.query("SELECT id, name, created_at FROM library_projects ORDER BY name")
        return [dict(zip(("id", "name", "created_at"), row, strict=True)) for row in rows]

    def require_project(self, project_id: str) -> None:
        if not self._db.query("SELECT 1 FROM library_projects WHERE id = ?", (project_id,)):
            raise not_found("project", project_id)

    # -- scripts ---------------------------------------------------------------------------------
    def create_script(
        self, name: str, project_id: str | None, source: str | None, flags: dict[str, bool]
    ) -> str:
        script_id = new_id("scr")
        created = now_ms()
        values = [DEFAULT_FLAGS[f] if flags.get(f) is None else flags[f] for f in FLAGS]
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO library_scripts (id, project_id, name, {', '.join(FLAGS)}, version,"
                " total_executions, total_sessions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (
                    script_id,
                    project_id,
                    name,
                    *(int(v) for v in values),
                    1 if source is not None else 0,
                    created,
                ),
            )
            if source is not None:
                conn.execute(
                    "INSERT INTO library_versions (script_id, version, source, created_at)"
                    " VALUES (?, 1, ?, ?)",
                    (script_id, source, created),
                )
        return script_id

    def script_row(self, script_id: str) -> dict[str, Any]:
        """The script's own row (settings, current version); ``not_found`` otherwise."""
        rows = self._db.query(
            f"SELECT {', '.join(SCRIPT_COLUMNS)} FROM library_scripts WHERE id = ?", (script_id,)
        )
        if not rows:
            raise not_found("script", script_id)
        return _script(rows[0])

    def script(self, script_id: str) -> dict[str, Any]:
        """002's script object: settings and totals (plus ``version`` and ``created_at``)."""
        script = self.script_row(script_id)
        script["total_instances"] = self._db.query(
            "SELECT COUNT(*) FROM library_sessions WHERE script_id = ? AND ended_at IS NULL", (script_id,)
        )[0][0]
        return script

    def scripts(self, project_id: str | None) -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(SCRIPT_COLUMNS)} FROM library_scripts"
        params: tuple[Any, ...] = ()
        if project_id is not None:
            sql += " WHERE project_id = ?"
            params = (project_id,)
        rows = self._db.query(sql + " ORDER BY name, created_at", params)
        running = dict(
            self._db.query(
                "SELECT script_id, COUNT(*) FROM library_sessions WHERE ended_at IS NULL GROUP BY script_id"
            )
        )
        out = []
        for row in rows:
            script = _script(row)
            script["total_instances"] = running.get(script["id"], 0)
            out.append(script)
        return out

    def edit(self, script_id: str, changes: dict[str, Any]) -> None:
        assignments = ", ".join(f"{name} = ?" for name in changes)
        values = [int(v) if isinstance(v, bool) else v for v in changes.values()]
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE library_scripts SET {assignments} WHERE id = ?", (*values, script_id)
            )
            if cursor.rowcount == 0:
                raise not_found("script", script_id)

    def remove(self, script_id: str) -> None:
        """The script and everything of it: versions, keys, sessions, counts."""
        with self._db.transaction() as conn:
            if conn.execute("DELETE FROM library_scripts WHERE id = ?", (script_id,)).rowcount == 0:
                raise not_found("script", script_id)
            for table in ("library_versions", "library_keys", "library_sessions", "library_daily"):
                conn.execute(f"DELETE FROM {table} WHERE script_id = ?", (script_id,))

    # -- versions --------------------------------------------------------------------------------
    def add_version(self, script_id: str, source: str) -> int:
        """A new version with ``source``; its number. One write transaction reads and bumps
        the number, so concurrent updates each get their own version."""
        created = now_ms()
        with self._db.transaction() as conn:
            row = conn.execute("SELECT version FROM library_scripts WHERE id = ?", (script_id,)).fetchone()
            if row is None:
                raise not_found("script", script_id)
            version = row[0] + 1
            conn.execute(
                "INSERT INTO library_versions (script_id, version, source, created_at) VALUES (?, ?, ?, ?)",
                (script_id, version, source, created),
            )
            conn.execute("UPDATE library_scripts SET version = ? WHERE id = ?", (version, script_id))
        return version

    def versions(self, script_id: str) -> list[dict[str, Any]]:
        self.script_row(script_id)
        rows = self._db.query(
            "SELECT version, length(source), created_at FROM library_versions WHERE script_id = ?"
            " ORDER BY version",
            (script_id,),
        )
        return [dict(zip(("version", "size", "created_at"), row, strict=True)) for row in rows]

    def version(self, script_id: str, number: int) -> dict[str, Any]:
        self.script_row(script_id)
        rows = self._db.query(
            "SELECT version, source, created_at FROM library_versions WHERE script_id = ? AND version = ?",
            (script_id, number),
        )
        if not rows:
            raise not_found("version", f"{script_id}/{number}")
        return dict(zip(("version", "script", "created_at"), rows[0], strict=True))

    # -- keys ------------------------------------------------------------------------------------
    def issue_key(self, script_id: str) -> dict[str, Any]:
        self.script_row(script_id)
        key = {"key": secrets.token_urlsafe(18), "script_id": script_id, "created_at": now_ms()}
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO library_keys (key, script_id, created_at) VALUES (?, ?, ?)",
                (key["key"], script_id, key["created_at"]),
            )
        return key

    def keys(self, script_id: str) -> list[dict[str, Any]]:
        self.script_row(script_id)
        rows = self._db.query(
            "SELECT key, created_at, revoked_at FROM library_keys WHERE script_id = ? ORDER BY created_at",
            (script_id,),
        )
        return [dict(zip(("key", "created_at", "revoked_at"), row, strict=True)) for row in rows]

    def revoke_key(self, script_id: str, key: str) -> None:
        """Revoke a key of this script (a key of another script is unknown here)."""
        self.script_row(script_id)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE library_keys SET revoked_at = COALESCE(revoked_at, ?)"
                " WHERE key = ? AND script_id = ?",
                (now_ms(), key, script_id),
            )
            if cursor.rowcount == 0:
                raise not_found("key", key)

    def key_valid(self, script_id: str, key: str) -> bool:
        return bool(
            self._db.query(
                "SELECT 1 FROM library_keys WHERE key = ? AND script_id = ? AND revoked_at IS NULL",
                (key, script_id),
            )
        )

    # -- sessions and counts ---------------------------------------------------------------------
    def open_session(self, session: dict[str, Any]) -> None:
        """Record a session as its run starts: the row, the script's total and today's count."""
        day = utc_day(session["created_at"])
        columns = [c for c in SESSION_COLUMNS if c in session]
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO library_sessions ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})",
                [session[c] for c in columns],
            )
            conn.execute(
                "UPDATE library_scripts SET total_executions = total_executions + 1,"
                " total_sessions = total_sessions + 1 WHERE id = ?",
                (session["script_id"],),
            )
            conn.execute(
                "INSERT INTO library_daily (script_id, day, count) VALUES (?, ?, 1)"
                " ON CONFLICT (script_id, day) DO UPDATE SET count = count + 1",
                (session["script_id"], day),
            )

    def set_job(self, session_id: str, job_id: str | None) -> None:
        """The run id of a session (known once its run started; the run may have ended)."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE library_sessions SET job_id = ? WHERE id = ?", (job_id, session_id))

    def drop_session(self, session: dict[str, Any]) -> None:
        """Undo :meth:`open_session` (the run did not start)."""
        day = utc_day(session["created_at"])
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM library_sessions WHERE id = ?", (session["id"],))
            conn.execute(
                "UPDATE library_scripts SET total_executions = total_executions - 1,"
                " total_sessions = total_sessions - 1 WHERE id = ?",
                (session["script_id"],),
            )
            conn.execute(
                "UPDATE library_daily SET count = count - 1 WHERE script_id = ? AND day = ?",
                (session["script_id"], day),
            )

    def end_sessions(self, client_id: str, script_id: str, state: str, ended_at: int | None) -> int:
        """Close the open session(s) of a run key: its final state and end time."""
        with self._db.transaction() as conn:
            return conn.execute(
                "UPDATE library_sessions SET state = ?, ended_at = ?"
                " WHERE client_id = ? AND script_id = ? AND ended_at IS NULL",
                (state, ended_at or now_ms(), client_id, script_id),
            ).rowcount

    def close_unfinished(self, state: str) -> int:
        """Sessions a previous process left open end now with ``state``."""
        with self._db.transaction() as conn:
            return conn.execute(
                "UPDATE library_sessions SET state = ?, ended_at = ? WHERE ended_at IS NULL",
                (state, now_ms()),
            ).rowcount

    def open_sessions(self) -> list[dict[str, Any]]:
        """Every session still running, with its script's settings (for the heartbeat)."""
        rows = self._db.query(
            "SELECT s.client_id, s.script_id, s.user_key, s.version, c.enabled, c.use_heartbeat,"
            " c.free_for_all FROM library_sessions s JOIN library_scripts c ON c.id = s.script_id"
            " WHERE s.ended_at IS NULL"
        )
        names = ("client_id", "script_id", "user_key", "version", "enabled", "use_heartbeat", "free_for_all")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def sessions(
        self, script_id: str, start: int, limit: int, filters: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """A page of a script's sessions, newest first, matching ``filters`` (column -> value)."""
        self.script_row(script_id)
        where = "script_id = ?"
        params: list[Any] = [script_id]
        for column, value in (filters or {}).items():
            where += f" AND {column} = ?"
            params.append(value)
        rows = self._db.query(
            f"SELECT {', '.join(SESSION_COLUMNS)} FROM library_sessions WHERE {where}"
            " ORDER BY seq DESC LIMIT ? OFFSET ?",
            (*params, limit, start),
        )
        return [_session(row) for row in rows]

    def executions(self, script_id: str, today_ms: int | None = None) -> dict[str, int]:
        """Runs started per UTC day over the last 30 days, ``"MM/DD"`` keys oldest first."""
        self.script_row(script_id)
        today = datetime.fromtimestamp((today_ms or now_ms()) / 1000, UTC).date()
        days = [today - timedelta(days=n) for n in range(EXECUTION_DAYS - 1, -1, -1)]
        rows = self._db.query(
            "SELECT day, count FROM library_daily WHERE script_id = ? AND day >= ?",
            (script_id, days[0].isoformat()),
        )
        counts = dict(rows)
        return {day.strftime("%m/%d"): counts.get(day.isoformat(), 0) for day in days}


def _script(row: tuple[Any, ...]) -> dict[str, Any]:
    script = dict(zip(SCRIPT_COLUMNS, row, strict=True))
    for flag in FLAGS:
        script[flag] = bool(script[flag])
    return script


def _session(row: tuple[Any, ...]) -> dict[str, Any]:
    session = dict(zip(SESSION_COLUMNS, row, strict=True))
    roblox_id = session["roblox_id"]
    if isinstance(roblox_id, str) and roblox_id.isdigit():
        session["roblox_id"] = int(roblox_id)
    return session
