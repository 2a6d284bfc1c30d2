"""A shard: one Ray actor per node owning a ``LocalFleet`` slice (its bots, their backend
connections, their script runs and console buffers), over the farm's one store.

The front door calls :meth:`ShardActor.invoke` (the dispatcher) and pulls the slice's events
with :meth:`ShardActor.next_events`. A script here that reaches a bot another shard owns
(``getClient("bot-7")``) is forwarded to that shard's actor, found through the store's
directory, so Lua sees one fleet.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

import ray

from seraph_kernel.commands import Command
from seraph_kernel.config import FleetConfig
from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import JSON, WorldView, copied_world
from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.fleet.wire import pack_error, result
from seraph_kernel.shards.routing import bot_of
from seraph_kernel.shards.store import ShardBotStore, ShardRunHistory, StoreProxy
from seraph_kernel.store import Database

logger = logging.getLogger(__name__)


class ShardFleet(LocalFleet):
    """A ``LocalFleet`` whose store is the farm's store actor and which forwards calls on bots
    it does not own to their shard."""

    def __init__(self, config: FleetConfig, name: str, store: Any, namespace: str) -> None:
        super().__init__(config)
        self.name = name
        self._store = store
        self._namespace = namespace

    def _open_store(self) -> None:
        """Bots, storage and runs through the store actor; the script library stays in a file of
        this shard (the front door sends every library command to one shard)."""
        library = Path(tempfile.gettempdir()) / f"seraph-library-{self.name}.sqlite"
        self._db = Database(library)
        self._bot_store = ShardBotStore(self._store, self.name)
        self._kv = StoreProxy(self._store, "kv")
        self._history = ShardRunHistory(self._store)

    async def run_checked(self, command: Command, values: dict[str, JSON]) -> JSON:
        """Run here, or on the shard that owns the command's bot."""
        bot_id = bot_of(command, values)
        if bot_id is not None and bot_id not in self._bots and not self._closing:
            owner = await self._store.owner.remote(bot_id)
            if owner is not None and owner != self.name:
                shard = ray.get_actor(owner, namespace=self._namespace)
                listeners = self._bus.remote_listeners
                return result(await shard.invoke.remote(command.name, values, listeners))
        return await super().run_checked(command, values)

    async def world(self, bot_id: str) -> WorldView | None:
        """The live world of a bot of this shard; a copy of another shard's bot's world."""
        if bot_id in self._bots:
            return await super().world(bot_id)
        return await copied_world(self, bot_id)

    async def adopt(self, bot_ids: list[str]) -> int:
        """Take over bots of a lost shard: they reconnect and rejoin their worlds as after a
        restart. How many came."""
        records = await self._store.records_of.remote(self.name, bot_ids)
        records = [record for record in records if record.id not in self._bots]
        await self._restore_records(records)
        return len(records)

    def bot_count(self) -> int:
        return len(self._bots)


class ShardActor:
    """The body of a shard's Ray actor (``ray.remote(ShardActor)``, async)."""

    def __init__(self, config: FleetConfig, name: str, store: Any, namespace: str) -> None:
        self.fleet = ShardFleet(config, name, store, namespace)
        self._events: Any = None

    async def start(self) -> dict[str, JSON]:
        """Start the slice (restoring the bots the directory gives it); where it runs."""
        import seraph_kernel

        await self.fleet.start()
        self._events = self.fleet.subscribe()
        return {
            "name": self.fleet.name,
            "node_id": ray.get_runtime_context().get_node_id(),
            "seraph_kernel": seraph_kernel.__file__,
        }

    async def invoke(
        self, cmd: str, args: dict[str, JSON] | None, listeners: frozenset[str | None] = frozenset()
    ) -> tuple[bool, Any]:
        """The dispatcher, with Seraph's errors packed to cross back as themselves;
        ``listeners``: the bots the front door's live event streams read (``require_sessions``)."""
        self.fleet.set_remote_listeners(listeners)
        try:
            return True, await self.fleet.invoke(cmd, args)
        except SeraphError as err:
            return False, pack_error(err)

    async def next_events(
        self, max_n: int, timeout: float, linger: float = 0.0
    ) -> list[tuple[str, str | None, dict[str, JSON]]]:
        """The slice's next events (waits up to ``timeout`` s for the first), as ``(kind,
        client_id, data)`` tuples, which pickle in C. Console lines wait up to ``linger`` s for
        others to join them: each pull is an actor call with its gRPC round trip on both sides,
        and without the linger a printing farm pulled a few lines each. Any other event ends
        the wait: a request's change (a bot deleted) must reach the front door's bus at once,
        since the next request reads it there (the bot-list cache)."""
        events = self._events
        try:
            first = await asyncio.wait_for(events.__anext__(), timeout)
        except (TimeoutError, StopAsyncIteration):
            return []
        batch = [first]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + linger
        while len(batch) < max_n and batch[-1].kind == "log":
            event = events.get_nowait()
            if event is None:
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    event = await asyncio.wait_for(events.__anext__(), left)
                except (TimeoutError, StopAsyncIteration):
                    break
            batch.append(event)
        while len(batch) < max_n and (event := events.get_nowait()) is not None:
            batch.append(event)
        return [(e.kind, e.client_id, e.data) for e in batch]

    async def adopt(self, bot_ids: list[str]) -> int:
        return await self.fleet.adopt(bot_ids)

    def bot_count(self) -> int:
        return self.fleet.bot_count()

    async def workspace_seed(self, name: str) -> int:
        return await self.fleet.workspace_seed(name)

    async def workspace_project(self, name: str) -> str | None:
        return await self.fleet.workspace_project(name)

    async def stop_workspace_scripts(self, name: str) -> int:
        return await self.fleet.stop_workspace_scripts(name)

    async def close(self) -> None:
        if self._events is not None:
            self._events.close()
        await self.fleet.close()
