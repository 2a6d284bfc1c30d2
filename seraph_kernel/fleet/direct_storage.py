"""DirectStorage: the fleet's key-value store, for Lua's storage bindings to call off the loop.

A Lua ``storage:set`` through the fleet's dispatcher went worker → event loop (the command) →
store thread → event loop → worker: about 1.8 ms on a quiet server, ten times that when the
loop is busy. A fleet that keeps its store in this process hands Lua's storage bindings this
object instead: the script's task yields, the call runs on the fleet's one store thread and
its result goes straight back to the scheduler. One thread still does every write (worker
threads writing SQLite themselves queued on its lock, each holding a worker while it waited),
and the checks and quotas are the store's own, so both paths answer alike.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from seraph_kernel.commands.storage import storage_key, storage_scope

JSON = Any


class DirectStorage:
    """``get``/``set``/``delete``/``keys``/``clear`` on a store (a ``KeyValueStore``, or a
    farm's store proxy), to be called on ``executor``, with scopes as the fleet's caller names
    them (``scope_of`` maps a workspace's ``global`` to its own scope)."""

    def __init__(self, kv: Any, executor: Executor, scope_of: Callable[[str], str] | None = None) -> None:
        self._kv = kv
        self.executor = executor
        self._scope_of = scope_of

    def _scope(self, scope: str) -> str:
        return storage_scope(self._scope_of(scope) if self._scope_of is not None else scope)

    def within(self, scope_of: Callable[[str], str]) -> DirectStorage:
        """The same store seen through a further scope mapping (a workspace's view)."""
        inner = self._scope_of
        outer = scope_of if inner is None else lambda scope: inner(scope_of(scope))
        return DirectStorage(self._kv, self.executor, outer)

    def get(self, scope: str, key: str) -> JSON:
        return self._kv.get(self._scope(scope), storage_key(key))

    def set(self, scope: str, key: str, value: JSON) -> None:
        self._kv.set(self._scope(scope), storage_key(key), value)

    def delete(self, scope: str, key: str) -> bool:
        return bool(self._kv.delete(self._scope(scope), storage_key(key)))

    def keys(self, scope: str) -> list[str]:
        return list(self._kv.keys(self._scope(scope)))

    def clear(self, scope: str) -> None:
        self._kv.clear(self._scope(scope))
