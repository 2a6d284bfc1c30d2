"""LocalFleet: the bots, the script runtime, the store and the event stream of this process.

It owns one backend object per backend name (loaded through the ``seraph.backends`` entry
point group), an embedded sim world when no address is configured, the Lua engine and run
registry, and the SQLite store that lets a restarted fleet bring every bot back where it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from seraph_kernel.backends.base import Backend, BotSession, load_backend
from seraph_kernel.commands import BOT, Command, checked
from seraph_kernel.commands.ids import bot_id_problem, new_bot_id
from seraph_kernel.commands.paging import DEFAULT_BOT_PAGE
from seraph_kernel.config import QUOTA_FIELDS, FleetConfig
from seraph_kernel.errors import BotExists, InvalidArgument, UnknownBot, UnknownCatalog
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, Subscription, WorldView
from seraph_kernel.fleet.bot_order import BotOrder
from seraph_kernel.fleet.child_scripts import ChildScriptCommands
from seraph_kernel.fleet.direct_storage import DirectStorage
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.fleet.local_scripts import ScriptHost
from seraph_kernel.fleet.local_workspaces import WorkspaceHost
from seraph_kernel.fleet.workspaces import (
    SHARED,
    WorkspaceFleet,
    global_id,
    split_id,
    storage_scope_of,
    workspace_name,
)
from seraph_kernel.library.service import Library
from seraph_kernel.store import (
    BotRecord,
    BotStore,
    Database,
    KeyValueStore,
    RunHistory,
    StorageQuotas,
    StoreError,
    encode_value,
)
from seraph_kernel.store.storage_thread import StorageThread

logger = logging.getLogger(__name__)
AUTO_ID_PATTERN = re.compile(r"bot-(\d+)")
RESTORE_WAIT_S = 10.0
PRESENCE_EVENTS = frozenset({"status", "world", "connect", "disconnect"})


class LocalFleet(ChildScriptCommands, Fleet):
    """Bots and scripts in this process. ``await start()`` before use, ``await close()`` after."""

    def __init__(self, config: FleetConfig | None = None) -> None:
        self.config = config or FleetConfig.from_env()
        self._bus = EventBus()
        self._bots: dict[str, BotSession] = {}
        self._order = BotOrder()
        self._unloaded: set[str] = set()
        self._deleting: set[str] = set()
        self._backends: dict[str, Backend] = {}
        self._saved_presence: dict[str, tuple[bool, str | None]] = {}
        self._server: Any = None
        self._sim_address = self.config.sim_address
        self._db: Database | None = None
        #: Storage reads and writes run here, one at a time and in order, so that encoding a
        #: 1 MiB value and its SQLite transaction never hold the event loop (REST, SSE, bots);
        #: run history and library sessions are written here too.
        self._store_io = StorageThread()
        self._scripts: ScriptHost | None = None
        self._library: Library | None = None
        self._create_lock = asyncio.Lock()
        self._closing = False
        self._restoring: set[asyncio.Task[Any]] = set()
        self._workspaces = WorkspaceHost(self.config.seed, lambda: self._backend_options("sim"))

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the store, start the embedded world if needed, the script runtime, and restore
        the stored bots (reconnecting those that were connected, waiting up to 10 s)."""
        self._bus.bind()
        self._open_store()
        try:
            if self._sim_address is None:
                from seraph_kernel.sim.server import SimWorldServer

                self._server = SimWorldServer(seed=self.config.seed, host="127.0.0.1")
                await self._server.start()
                self._sim_address = self._server.address
            self._backend("sim")
            self._scripts = ScriptHost(
                self,
                self.has_bot,
                self.config,
                self._history,
                self._bus,
                self._store_io,
                view_of=self._script_view,
            )
            await self._scripts.start()
            self._library = Library(self._db, self._scripts, self._bus, self, self._store_io)
            self._library.start()
            await self._restore_bots()
        except BaseException:
            await self.close()
            raise

    def _open_store(self) -> None:
        """Open the SQLite store: bots, storage, run history (a shard of a Ray farm puts the
        store actor's proxies here instead, so every shard shares one store)."""
        self._db = Database(self.config.resolved_db_path)
        self._bot_store = BotStore(self._db)
        self._kv = KeyValueStore(self._db, StorageQuotas.of(self.config))
        self._history = RunHistory(self._db)

    async def close(self) -> None:
        """Remember which bots are connected and where, stop every script (cleanups run),
        disconnect every bot, stop the embedded world and close the store. Each step runs even
        if an earlier one failed."""
        if self._closing:
            return
        self._closing = True
        for task in self._restoring:
            task.cancel()
        steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [("remember bots", self._remember_presence)]
        if self._library is not None:
            steps.append(("stop the library's heartbeat", self._library.close))
        if self._scripts is not None:
            steps.append(("stop scripts", self._scripts.close))
        steps.append(("disconnect bots", self._close_bots))
        steps.append(("stop the workspaces' sim worlds", self._workspaces.close))
        if self._server is not None:
            steps.append(("stop the sim world", self._server.stop))
        for what, step in steps:
            try:
                await step()
            except Exception:
                logger.exception("LocalFleet.close: could not %s", what)
        self._bus.close()
        self._store_io.shutdown()
        if self._db is not None:
            self._db.close()

    async def _remember_presence(self) -> None:
        for bot_id, bot in list(self._bots.items()):
            self._save_presence(bot_id, bot, force=True)

    async def _close_bots(self) -> None:
        await asyncio.gather(*(bot.close() for bot in self._bots.values()), return_exceptions=True)
        for backend in self._backends.values():
            await backend.close()

    @property
    def kind(self) -> str:
        return "local"

    # -- the dispatcher --------------------------------------------------------------------------
    async def invoke(self, cmd: str, args: dict[str, JSON] | None = None) -> JSON:
        """Check the arguments against the command's declaration, run it on the bot's backend
        session (per-bot commands) or on ``do_<name>`` here (fleet-level ones), and shape the
        answer as the declaration says."""
        command, values = checked(cmd, args)
        return await self.run_checked(command, values)

    async def run_checked(self, command: Command, values: dict[str, JSON]) -> JSON:
        """Run ``command`` with arguments already checked (a workspace view checks them as
        its user wrote them, then hands over global ids)."""
        if command.runs_on == BOT:
            target = getattr(self._bot(values.pop("id")), command.method)
        else:
            target = getattr(self, f"do_{command.name}")
        result = target(**values)
        if inspect.isawaitable(result):
            result = await result
        return command.answer(result)

    # -- fleet-level commands ------------------------------------------------------------------
    async def do_seraph_info(self) -> dict[str, JSON]:
        backends = {name: backend.info() for name, backend in self._backends.items()}
        return {
            "kind": self.kind,
            "sim_address": self._sim_address,
            "sim_embedded": self._server is not None,
            "sim_hosts": {name: f"{ip}:{port}" for name, (ip, port) in self._server.hosts.items()}
            if self._server is not None
            else {},
            "seed": self.config.seed,
            "db_path": str(self.config.resolved_db_path),
            "backends": backends,
            "limits": {
                "script_memory_bytes": self.config.script_memory_bytes,
                "script_budget_ms": self.config.script_budget_ms,
                "cleanup_deadline_ms": self.config.cleanup_deadline_ms,
                "end_phase_deadline_ms": self.config.end_phase_deadline_ms,
                "output_limit_bytes": self.config.output_limit_bytes,
                "reconnect_initial_ms": self.config.reconnect_initial_ms,
                "reconnect_max_ms": self.config.reconnect_max_ms,
                **{name: getattr(self.config, name) for name in QUOTA_FIELDS},
            },
        }

    def do_list_bots(
        self, workspace: str | None = None, limit: int | None = None, after: str | None = None
    ) -> list[dict[str, JSON]] | dict[str, JSON]:
        """Every bot (a list), or with ``limit``/``after`` one page and the next page's
        ``after`` (``commands/paging.py``)."""
        keep = None if workspace is None else lambda bot_id: split_id(bot_id)[0] == workspace
        if limit is None and after is None:
            ids = self._order.ids(self._bots)
            return [self._snapshot(bot_id) for bot_id in ids if keep is None or keep(bot_id)]
        page, next_after = self._order.page(self._bots, after, limit or DEFAULT_BOT_PAGE, keep)
        return {"bots": [self._snapshot(bot_id) for bot_id in page], "next": next_after}

    def do_get_bot(self, id: str) -> dict[str, JSON]:
        return self._snapshot(id, full=True)

    async def do_create_bot(
        self,
        id: str | None,
        username: str | None,
        backend: str,
        settings: dict[str, JSON] | None,
        workspace: str | None = None,
    ) -> dict[str, JSON]:
        """Create a bot; in a workspace other than ``shared``, its id is ``<workspace>~<id>``
        and it connects to the workspace's own sim world."""
        encode_value(settings, "settings")
        workspace = SHARED if workspace is None else workspace_name(workspace)
        if workspace != SHARED:
            await self._workspaces.sim_backend(workspace)
        async with self._create_lock:
            short_id = self._next_bot_id(workspace) if id is None else id
            new_bot_id(short_id)
            bot_id = global_id(workspace, short_id)
            if bot_id in self._bots or bot_id in self._unloaded:
                raise BotExists(bot_id)
            username = username or self._default_username(short_id, self._workspaces.seed(workspace))
            bot = self._new_session(bot_id, username, backend, settings)
            record = BotRecord(id=bot_id, username=bot.username, backend=backend, settings=dict(bot.settings))
            self._bot_store.save(record)
            self._register(record, bot)
        snapshot = self._snapshot(bot_id, full=True)
        self._bus.publish(FleetEvent("session", bot_id, {"snapshot": self._snapshot(bot_id)}))
        return snapshot

    async def do_delete_bot(self, id: str) -> None:
        """Stop the bot's scripts (their cleanups may still use the bot; no new run starts),
        then forget the bot, its storage and every run of it: a new bot with the same id
        starts with no status, results, console or jobs."""
        bot = self._bot(id)
        if id in self._deleting:
            raise UnknownBot(id)
        self._deleting.add(id)
        try:
            scripts = self._require_scripts()
            await scripts.stop_client(id)
            self._bots.pop(id, None)
            self._order.changed()
            self._saved_presence.pop(id, None)
            await bot.close()
            self._bot_store.delete(id)
            self._kv.clear(f"bot:{id}")
            await asyncio.wrap_future(scripts.forget_client(id))
        finally:
            self._deleting.discard(id)
        snapshot = {**bot.snapshot(), "workspace": split_id(id)[0]}
        snapshot["deleted"] = True
        self._bus.publish(FleetEvent("session", id, {"snapshot": snapshot}))

    def do_catalog_block_types(self) -> dict[str, str]:
        return self._backend("sim").block_types()

    def do_catalog_blocks(self) -> list[dict[str, JSON]]:
        return self._backend("sim").block_infos()

    def do_catalog_table(self, name: str) -> JSON:
        table = self._backend("sim").catalog_table(name)
        if table is None:
            raise UnknownCatalog(name)
        return table

    async def world(self, bot_id: str) -> WorldView | None:
        return self._bot(bot_id).world()

    # -- storage -------------------------------------------------------------------------------
    def direct_storage(self) -> DirectStorage:
        return DirectStorage(self._kv, self._store_io.executor)

    async def do_storage_get(self, scope: str, key: str) -> JSON:
        return await self._store_io.call(self._kv.get, scope, key)

    async def do_storage_set(self, scope: str, key: str, value: JSON) -> None:
        await self._store_io.call(self._kv.set, scope, key, value)

    async def do_storage_delete(self, scope: str, key: str) -> bool:
        return await self._store_io.call(self._kv.delete, scope, key)

    async def do_storage_keys(self, scope: str) -> list[str]:
        return await self._store_io.call(self._kv.keys, scope)

    async def do_storage_clear(self, scope: str) -> None:
        await self._store_io.call(self._kv.clear, scope)

    # -- scripts -------------------------------------------------------------------------------
    async def do_seraph_execute(
        self, client_id: str, script_id: str, source: str, timeout_ms: int | None, restart: str | None = None
    ) -> int | None:
        """Start a run. ``restart`` (``on-failure``) matters only to a Ray farm, where a run
        can lose its node; one process has no node to lose."""
        if client_id in self._deleting:
            raise UnknownBot(client_id)
        self._bot(client_id)
        return await self._require_scripts().execute(client_id, script_id, source, timeout_ms)

    async def do_seraph_stop(self, client_id: str, script_id: str) -> None:
        await self._require_scripts().stop(client_id, script_id)

    def do_seraph_status(self, client_id: str, script_id: str) -> dict[str, JSON]:
        return self._require_scripts().status(client_id, script_id)

    def do_seraph_console(self, client_id: str, script_id: str, after: int | None) -> dict[str, JSON]:
        return self._require_scripts().console(client_id, script_id, after)

    def do_seraph_console_clear(self, client_id: str, script_id: str) -> None:
        self._require_scripts().console_clear(client_id, script_id)

    def do_seraph_console_add(self, client_id: str, script_id: str, text: str) -> None:
        self._require_scripts().console_add(client_id, script_id, text)

    def do_seraph_jobs(self, client_id: str | None) -> list[dict[str, JSON]]:
        return self._require_scripts().jobs(client_id)

    def do_seraph_jobs_by_client(self, client_id: str) -> list[dict[str, JSON]]:
        return self._require_scripts().jobs(client_id)

    async def do_seraph_stop_all(self) -> int:
        return await self._require_scripts().stop_all()

    # -- the script library (002) ---------------------------------------------------------------
    @property
    def library(self) -> Library:
        if self._library is None:
            raise RuntimeError("LocalFleet.start() has not been awaited")
        return self._library

    def do_library_project_create(self, name: str) -> dict[str, JSON]:
        return self.library.store.create_project(name)

    def do_library_projects(self) -> list[dict[str, JSON]]:
        return self.library.store.projects()

    def do_library_create(
        self, name: str, script: str | None, project_id: str | None, **flags: bool | None
    ) -> JSON:
        script_id = self.library.create(name, script, project_id, flags)
        return self.library.store.script(script_id)

    def do_library_list(self, project_id: str | None) -> list[dict[str, JSON]]:
        return self.library.store.scripts(project_id)

    def do_library_get(self, script_id: str) -> dict[str, JSON]:
        return self.library.store.script(script_id)

    def do_library_executions(self, script_id: str) -> dict[str, int]:
        return self.library.store.executions(script_id)

    def do_library_edit(self, script_id: str, **changes: JSON) -> None:
        self.library.edit(script_id, changes)

    async def do_library_remove(self, script_id: str) -> None:
        await self.library.remove(script_id)

    async def do_library_update(self, script_id: str, script: str) -> dict[str, JSON]:
        return {"version": await self.library.update(script_id, script)}

    def do_library_toggle(self, script_id: str, state: bool) -> None:
        self.library.toggle(script_id, state)

    async def do_library_sessions(self, script_id: str, limit: int, **page: int) -> list[dict[str, JSON]]:
        return await self.library.sessions(script_id, page["from"], limit)

    async def do_library_sessions_filter(
        self,
        script_id: str,
        limit: int,
        key: str | None,
        roblox_id: str | None,
        place_id: str | None,
        job_id: str | None,
        **page: int,
    ) -> list[dict[str, JSON]]:
        filters = {"key": key, "roblox_id": roblox_id, "place_id": place_id, "job_id": job_id}
        return await self.library.filter_sessions(script_id, page["from"], limit, filters)

    async def do_library_execute(
        self, script_id: str, client_id: str, key: str | None, user: str | None
    ) -> dict[str, JSON]:
        return await self.library.execute(script_id, client_id, key, user)

    def do_library_versions(self, script_id: str) -> list[dict[str, JSON]]:
        return self.library.store.versions(script_id)

    def do_library_version(self, script_id: str, version: int) -> dict[str, JSON]:
        return self.library.store.version(script_id, version)

    def do_library_keys(self, script_id: str) -> list[dict[str, JSON]]:
        return self.library.store.keys(script_id)

    def do_library_key_issue(self, script_id: str) -> dict[str, JSON]:
        return self.library.store.issue_key(script_id)

    def do_library_key_revoke(self, script_id: str, key: str) -> None:
        self.library.revoke_key(script_id, key)

    # -- workspaces (docs/workspaces.md) ---------------------------------------------------------
    def set_remote_listeners(self, client_ids: frozenset[str | None]) -> None:
        """The live event streams of the server this fleet's process serves, so a script that
        requires one (``require_sessions``) finds them (``None``: a stream of every bot)."""
        self._bus.remote_listeners = client_ids

    def workspace(self, name: str) -> Fleet:
        """This fleet as workspace ``name`` sees it (``shared``: the plain ids, as before)."""
        return WorkspaceFleet(self, name)

    async def do_create_workspace(self, name: str, seed: int | None) -> dict[str, JSON]:
        """Start workspace ``name``'s world from ``seed`` (a kernel passes the seed it would
        play standalone, so its notebook's worlds are the same under any server)."""
        await self._workspaces.create(name, seed)
        return self._workspace_row(name)

    def do_list_workspaces(self) -> list[dict[str, JSON]]:
        names = {SHARED, *(split_id(bot_id)[0] for bot_id in self._bots), *self._workspaces.names()}
        return [self._workspace_row(name) for name in sorted(names)]

    async def do_delete_workspace(self, name: str) -> dict[str, JSON]:
        """Delete every bot of the workspace (their scripts stop), its ``globalStorage``, its
        library scripts and its sim world. ``shared`` cannot be deleted."""
        if name == SHARED:
            raise InvalidArgument("name", "the shared workspace cannot be deleted")
        bots = self._workspace_bots(name)
        for bot_id in bots:
            if bot_id in self._bots:
                await self.do_delete_bot(bot_id)
        self._kv.clear(storage_scope_of(name))
        await self._workspaces.forget(self.library, name)
        return {"deleted_bots": len(bots)}

    async def workspace_seed(self, name: str) -> int:
        """The seed of workspace ``name``'s worlds and default usernames."""
        return self._workspaces.seed(name)

    async def workspace_project(self, name: str) -> str | None:
        """The library project of workspace ``name``'s scripts (``None``: shared)."""
        return self._workspaces.project(self.library, name)

    async def stop_workspace_scripts(self, name: str) -> int:
        """Stop the running scripts of one workspace's bots; how many were running."""
        scripts = self._require_scripts()
        running = [
            job for job in scripts.jobs(None) if job["running"] and split_id(job["client_id"])[0] == name
        ]
        for job in running:
            await scripts.stop(job["client_id"], job["script_id"])
        return len(running)

    def _workspace_bots(self, name: str) -> list[str]:
        return [bot_id for bot_id in self._bots if split_id(bot_id)[0] == name]

    def _workspace_row(self, name: str) -> dict[str, JSON]:
        return self._workspaces.row(name, len(self._workspace_bots(name)))

    def _script_view(self, client_id: str) -> tuple[Fleet, str]:
        """What a detached script of ``client_id`` sees: its workspace, its short id."""
        workspace, short_id = split_id(client_id)
        return (self, client_id) if workspace == SHARED else (self.workspace(workspace), short_id)

    def _snapshot(self, bot_id: str, full: bool = False) -> dict[str, JSON]:
        """The bot's snapshot with its ``workspace`` (an additive field)."""
        return {**self._bot(bot_id).snapshot(full=full), "workspace": split_id(bot_id)[0]}

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, client_id: str | None = None) -> Subscription:
        return self._bus.subscribe(client_id)

    # -- internals -----------------------------------------------------------------------------
    def has_bot(self, bot_id: str) -> bool:
        """Whether ``bot_id`` names a bot of this fleet (the script runtime's resolver)."""
        return bot_id in self._bots

    def _bot(self, bot_id: str) -> BotSession:
        try:
            return self._bots[bot_id]
        except (KeyError, TypeError):
            raise UnknownBot(str(bot_id)) from None

    def _require_scripts(self) -> ScriptHost:
        if self._scripts is None:
            raise RuntimeError("LocalFleet.start() has not been awaited")
        return self._scripts

    def _backend(self, name: str) -> Backend:
        if name not in self._backends:
            try:
                cls = load_backend(name)
            except KeyError:
                raise InvalidArgument("backend", f"unknown backend: {name!r}") from None
            self._backends[name] = cls.from_config(self._backend_options(name))
        return self._backends[name]

    def _backend_options(self, name: str) -> dict[str, JSON]:
        if name != "sim":
            return {}
        return {
            "address": self._sim_address,
            "reconnect_initial_ms": self.config.reconnect_initial_ms,
            "reconnect_max_ms": self.config.reconnect_max_ms,
        }

    def _new_session(
        self, bot_id: str, username: str, backend: str, settings: Mapping[str, JSON] | None
    ) -> BotSession:
        if not isinstance(backend, str):
            raise InvalidArgument("backend", "expected a string")
        workspace = split_id(bot_id)[0]
        plugin = self._workspaces.backend(workspace, backend) or self._backend(backend)

        def emit(kind: str, data: dict[str, JSON]) -> None:
            if kind == "session" and isinstance(data.get("snapshot"), dict):
                data = {**data, "snapshot": {**data["snapshot"], "workspace": workspace}}
            self._bus.publish(FleetEvent(kind, bot_id, data))
            if kind == "bot" and data.get("type") in PRESENCE_EVENTS:
                bot = self._bots.get(bot_id)
                if bot is not None:
                    self._save_presence(bot_id, bot)

        return plugin.create_bot(bot_id, username, dict(settings or {}), emit)

    def _register(self, record: BotRecord, bot: BotSession) -> None:
        self._bots[record.id] = bot
        self._order.changed()
        self._saved_presence[record.id] = (record.was_connected, record.world)

    def _save_presence(self, bot_id: str, bot: BotSession, force: bool = False) -> None:
        """Store where the bot is, so a restart brings it back there; frozen while closing
        (closing disconnects every bot, which must not erase where they were)."""
        if self._closing and not force:
            return
        hint = bot.restore_hint
        presence = (bool(hint.get("connected")), hint.get("world"))
        if self._saved_presence.get(bot_id) != presence:
            try:
                self._bot_store.set_presence(bot_id, *presence)
            except StoreError:
                logger.exception("could not store where bot %s is", bot_id)
                return
            self._saved_presence[bot_id] = presence

    async def _restore_bots(self) -> None:
        await self._restore_records(self._bot_store.all())

    async def _restore_records(self, records: list[BotRecord]) -> None:
        """Bring stored bots back into this fleet, reconnecting (and rejoining their world)
        those that were connected; waits up to 10 s for them."""
        restored = []
        for record in records:
            if split_id(record.id)[0] != SHARED:
                self._forget_workspace_bot(record.id)
                continue
            try:
                bot = self._new_session(record.id, record.username, record.backend, record.settings)
            except Exception:
                logger.exception(
                    "cannot restore bot %s (backend %r); its record is kept", record.id, record.backend
                )
                self._unloaded.add(record.id)
                continue
            self._register(record, bot)
            restored.append(record)
            problem = bot_id_problem(record.id)
            if problem is not None:
                logger.warning(
                    "bot %r (stored before ids were checked) has an id URLs cannot carry (%s): "
                    "reach it through /invoke, or delete it with delete_bot",
                    record.id,
                    problem,
                )
        for record in restored:
            if record.was_connected:
                hint = {"connected": True, "world": record.world}
                task = asyncio.create_task(self._resume(record.id, hint))
                self._restoring.add(task)
                task.add_done_callback(self._restoring.discard)
        if self._restoring:
            await asyncio.wait(set(self._restoring), timeout=RESTORE_WAIT_S)

    async def _resume(self, bot_id: str, hint: dict[str, JSON]) -> None:
        try:
            error = await self._bots[bot_id].resume(hint)
        except Exception:
            logger.exception("could not bring bot %s back", bot_id)
        else:
            if error is not None:
                logger.warning("could not bring bot %s back: %s", bot_id, error)

    def _forget_workspace_bot(self, bot_id: str) -> None:
        """Workspaces live as long as the server: a workspace bot stored by a previous process
        is forgotten with its storage and runs at start-up."""
        self._bot_store.delete(bot_id)
        self._kv.clear(f"bot:{bot_id}")
        self._require_scripts().forget_client(bot_id).result()

    def _next_bot_id(self, workspace: str = SHARED) -> str:
        ids = [split_id(b)[1] for b in (*self._bots, *self._unloaded) if split_id(b)[0] == workspace]
        numbers = [int(m.group(1)) for b in ids if (m := AUTO_ID_PATTERN.fullmatch(b))]
        return f"bot-{max(numbers, default=0) + 1}"

    def _default_username(self, bot_id: str, seed: int) -> str:
        digest = hashlib.sha256(f"{seed}:{bot_id}".encode()).hexdigest()
        return "P" + str(int(digest[:12], 16) % 10**8).zfill(8)
