"""The library's semantics over a LocalFleet: updates compile before they land, executions
start the current version as a detached run keyed ``(client_id, script_id)`` and open a
session, a run's end closes it, ``kick_outdated`` and the heartbeat stop runs that should no
longer run."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from seraph_kernel.engine.records import RunRecord
from seraph_kernel.errors import LuaCompileError
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.fleet.local_scripts import ScriptHost
from seraph_kernel.library.errors import LibraryError
from seraph_kernel.library.store import FILTERS, LibraryStore, new_id, now_ms
from seraph_kernel.store import Database
from seraph_kernel.store.storage_thread import StorageThread
from seraph_kernel.vocab import FAILED, QUEUED

logger = logging.getLogger(__name__)

#: How often the heartbeat re-checks running instances of ``use_heartbeat`` scripts.
HEARTBEAT_S = 0.5
#: ``user_key`` of a session of a free-for-all script started without a user name.
ANONYMOUS = "anonymous"


def script_invalid(err: LuaCompileError) -> LibraryError:
    """002's update code 2; ``parser_output`` is the compiler's message with the line."""
    output = str(err).removeprefix("lua compile: ")
    return LibraryError(2, "script is invalid", parser_output=output)


class Library:
    """The saved-script library of one fleet. ``start()`` after the fleet's script host.

    Sessions are written on the fleet's storage thread, in order: a run's end closes its
    session there while the loop goes on, and every read of sessions is queued behind the
    writes before it, so it never shows a session its run has already closed."""

    def __init__(
        self, db: Database, scripts: ScriptHost, bus: EventBus, fleet: Any, io: StorageThread
    ) -> None:
        self.store = LibraryStore(db)
        self._io = io
        self._scripts = scripts
        self._bus = bus
        self._fleet = fleet
        self._heartbeat: asyncio.Task[None] | None = None
        self._stopping: dict[tuple[str, str], asyncio.Task[Any]] = {}

    def start(self) -> None:
        closed = self.store.close_unfinished(FAILED)
        if closed:
            logger.warning("closed %d library session(s) left open by the previous process", closed)
        self._scripts.end_listeners.append(self._run_ended)
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for task in list(self._stopping.values()):
            task.cancel()

    # -- scripts ---------------------------------------------------------------------------------
    def create(self, name: str, script: str | None, project_id: str | None, flags: dict[str, Any]) -> str:
        if project_id is not None:
            self.store.require_project(project_id)
        if script is not None:
            self.validate(script)
        return self.store.create_script(name, project_id, script, flags)

    def validate(self, source: str) -> None:
        """Compile ``source`` with the engine's compiler; code 2 with ``parser_output`` if not valid."""
        try:
            self._scripts.compile_check(source)
        except LuaCompileError as err:
            raise script_invalid(err) from None

    def edit(self, script_id: str, changes: dict[str, Any]) -> None:
        changes = {name: value for name, value in changes.items() if value is not None}
        self.store.script_row(script_id)
        if not changes:
            raise LibraryError(1, "cannot edit nothing")
        self.store.edit(script_id, changes)

    async def update(self, script_id: str, source: str) -> int:
        """Validate, then store a new version; with ``kick_outdated``, running instances of
        older versions are stopped (in the background: the answer does not wait for cleanups)."""
        self.store.script_row(script_id)
        self.validate(source)
        version = self.store.add_version(script_id, source)
        if self.store.script_row(script_id)["kick_outdated"]:
            outdated = [
                s["client_id"]
                for s in await self._io.call(self.store.open_sessions)
                if s["script_id"] == script_id and s["version"] < version
            ]
            self._stop_runs([(client_id, script_id) for client_id in outdated])
        return version

    def toggle(self, script_id: str, state: bool) -> None:
        if self.store.script_row(script_id)["version"] == 0:
            raise LibraryError(1, "script update required")
        self.store.edit(script_id, {"enabled": state})

    async def remove(self, script_id: str) -> None:
        """Forget the script; its running instances are stopped."""
        sessions = await self._io.call(self.store.open_sessions)
        running = [s["client_id"] for s in sessions if s["script_id"] == script_id]
        self.store.remove(script_id)
        self._stop_runs([(client_id, script_id) for client_id in running])

    def revoke_key(self, script_id: str, key: str) -> None:
        self.store.revoke_key(script_id, key)

    # -- execution -------------------------------------------------------------------------------
    async def execute(
        self, script_id: str, client_id: str, key: str | None, user: str | None
    ) -> dict[str, Any]:
        """Start the current version on bot ``client_id`` as run ``(client_id, script_id)``
        and record its session; the session."""
        script = self.store.script_row(script_id)
        if script["version"] == 0:
            raise LibraryError(1, "script update required")
        if not script["enabled"]:
            raise LibraryError(2, "script is disabled", status=403)
        if script["free_for_all"]:
            user_key = key or user or ANONYMOUS
        elif key is None or not self.store.key_valid(script_id, key):
            raise LibraryError(3, "a valid key of this script is required", status=403)
        else:
            user_key = key
        if script["require_sessions"] and not self._bus.has_listener(client_id):
            raise LibraryError(4, "script requires a live event stream", status=403)
        snapshot = self._fleet.do_get_bot(client_id)
        source = self.store.version(script_id, script["version"])["script"]
        session = {
            "id": new_id("ses"),
            "user_key": user_key,
            "script_id": script_id,
            "roblox_id": snapshot.get("user_id"),
            "place_id": snapshot.get("current_world"),
            "world": snapshot.get("current_world"),
            "client_id": client_id,
            "version": script["version"],
            "created_at": now_ms(),
            "state": QUEUED,
            "job_id": None,
            "ended_at": None,
        }
        # recorded first (behind the end of an earlier run on this key, which would close it
        # too if it came after), so a run that ends at once finds its session to close
        await self._io.call(self.store.open_session, session)
        try:
            row = await self._fleet.do_seraph_execute(client_id, script_id, source, None)
        except BaseException:
            self._io.write_behind(self.store.drop_session, session)
            raise
        session["job_id"] = None if row is None else str(row)
        self._io.write_behind(self.store.set_job, session["id"], session["job_id"])
        return session

    def _run_ended(self, client_id: str, script_id: str, record: RunRecord) -> None:
        self._io.write_behind(self.store.end_sessions, client_id, script_id, record.state, record.ended_at)

    # -- stopping --------------------------------------------------------------------------------
    def _stop_runs(self, keys: list[tuple[str, str]]) -> None:
        """Stop these runs in the background (once per key while its cleanups run)."""
        for key in keys:
            if key in self._stopping:
                continue
            task = asyncio.get_running_loop().create_task(self._fleet.do_seraph_stop(*key))
            self._stopping[key] = task
            task.add_done_callback(lambda _task, key=key: self._stopping.pop(key, None))

    async def _beat(self) -> None:
        """Every :data:`HEARTBEAT_S`, stop running instances of ``use_heartbeat`` scripts that
        were disabled or whose key was revoked."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                self._stop_runs(await self._io.call(self.heartbeat_victims))
            except Exception:
                logger.exception("library heartbeat failed")

    def heartbeat_victims(self) -> list[tuple[str, str]]:
        victims = []
        for session in self.store.open_sessions():
            if not session["use_heartbeat"]:
                continue
            revoked = not session["free_for_all"] and not self.store.key_valid(
                session["script_id"], session["user_key"]
            )
            if not session["enabled"] or revoked:
                victims.append((session["client_id"], session["script_id"]))
        return victims

    # -- reads -----------------------------------------------------------------------------------
    async def sessions(
        self, script_id: str, start: int, limit: int, filters: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """A page of a script's sessions, read behind the session writes queued before it."""
        return await self._io.call(self.store.sessions, script_id, start, limit, filters)

    async def filter_sessions(
        self, script_id: str, start: int, limit: int, filters: dict[str, str | None]
    ) -> list[dict[str, Any]]:
        given = {FILTERS[name]: value for name, value in filters.items() if value is not None}
        self.store.script_row(script_id)
        if not given:
            raise LibraryError(0, "must filter something")
        return await self.sessions(script_id, start, limit, given)
