"""The farm's one store: the SQLite store (bots, ``storage``/``globalStorage``, run history)
behind a single Ray actor on the front door's node, plus the directory of which shard owns
which bot. Every shard reads and writes through it, so storage, presence and run records are
the same whichever node asks, and they outlive any shard's node.

Shards reach it through the proxies below, which stand where a ``LocalFleet`` keeps its
``BotStore``, ``KeyValueStore`` and ``RunHistory``: the fleet's code does not change. Each
call is one blocking actor round trip (about a millisecond on one machine), serialized in the
actor: that is the price and the limit of one store (``docs/scale.md``).
"""

from __future__ import annotations

from typing import Any

import ray

from seraph_kernel.config import FleetConfig
from seraph_kernel.fleet.wire import answer, result
from seraph_kernel.store import BotRecord, BotStore, Database, KeyValueStore, RunHistory, StorageQuotas

#: The store methods shards may call, by part (nothing else is reachable through ``call``).
PARTS = {
    "bots": ("save", "set_presence", "delete"),
    "kv": ("get", "set", "delete", "keys", "clear", "usage"),
    "runs": ("started", "ended", "latest", "latest_per_key", "forget_client", "record"),
}


class FarmStore:
    """The body of the store actor (``ray.remote(FarmStore)``): one SQLite file, one writer."""

    def __init__(self, config: FleetConfig) -> None:
        self._db = Database(config.resolved_db_path)
        self._parts: dict[str, Any] = {
            "bots": BotStore(self._db),
            "kv": KeyValueStore(self._db, StorageQuotas.of(config)),
            "runs": RunHistory(self._db),
        }
        self._owners: dict[str, str] = {}

    def call(self, part: str, method: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
        """``method(*args)`` of one store part, as an :func:`~seraph_kernel.fleet.wire.answer`."""
        if method not in PARTS.get(part, ()):
            raise ValueError(f"not a store method: {part}.{method}")
        return answer(lambda: getattr(self._parts[part], method)(*args))

    def close_unfinished(self, message: str) -> int:
        """At the farm's start: runs a previous process left open end ``FAILED``."""
        return self._parts["runs"].close_unfinished(message)

    # -- the directory ---------------------------------------------------------------------------
    def place(self, owners: dict[str, str]) -> None:
        """Record which shard owns each of these bots."""
        self._owners.update(owners)

    def forget(self, bot_id: str) -> None:
        self._owners.pop(bot_id, None)

    def owner(self, bot_id: str) -> str | None:
        """The shard that owns ``bot_id`` (a shard forwards calls on bots it does not own)."""
        return self._owners.get(bot_id)

    def records(self) -> list[BotRecord]:
        """Every stored bot (the front door places them on shards at start-up)."""
        return self._parts["bots"].all()

    def records_of(self, shard: str, bot_ids: list[str] | None = None) -> list[BotRecord]:
        """The stored bots ``shard`` owns (of ``bot_ids`` only, if given)."""
        wanted = None if bot_ids is None else set(bot_ids)
        return [
            record
            for record in self._parts["bots"].all()
            if self._owners.get(record.id) == shard and (wanted is None or record.id in wanted)
        ]

    def rehome(self, owners: dict[str, str], message: str) -> list[tuple[str, str]]:
        """A shard is lost: its bots move to ``owners`` and their unfinished runs end
        ``FAILED``/``INTERNAL_ERROR`` ``message``; the run keys closed."""
        self._owners.update(owners)
        return self._parts["runs"].close_runs_of(sorted(owners), message)

    def close(self) -> None:
        self._db.close()


class StoreProxy:
    """One part of the farm store as a shard's ``LocalFleet`` uses it (same method names)."""

    def __init__(self, store: Any, part: str) -> None:
        self._store = store
        self._part = part

    def __getattr__(self, method: str) -> Any:
        if method not in PARTS.get(self._part, ()):
            raise AttributeError(method)

        def call(*args: Any) -> Any:
            return result(ray.get(self._store.call.remote(self._part, method, args)))

        return call


class ShardBotStore(StoreProxy):
    """The bots part, where ``all()`` means the bots this shard owns (what it restores)."""

    def __init__(self, store: Any, shard: str) -> None:
        super().__init__(store, "bots")
        self._shard = shard

    def all(self) -> list[BotRecord]:
        return ray.get(self._store.records_of.remote(self._shard))


class ShardRunHistory(StoreProxy):
    """The run history part; unfinished runs are closed once by the front door, not by each
    shard as it starts (a shard starting late must not close its peers' live runs)."""

    def __init__(self, store: Any) -> None:
        super().__init__(store, "runs")

    def close_unfinished(self, message: str = "server stopped") -> int:
        return 0
