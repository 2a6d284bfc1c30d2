"""DirectStorage: the fleet's key-value store, called synchronously on a script's worker thread.

A Lua ``storage:set`` through the fleet's dispatcher costs two thread hops and an event-loop
turn (the worker yields, the loop runs the command, the store thread writes, the loop hands the
result back, a worker resumes): about 1.8 ms on a quiet server, ten times that under load. A
fleet that keeps its store in this process hands Lua's storage bindings this object instead,
and each call is one SQLite transaction on the script's own thread (``Database`` serializes
them with its lock). The checks and quotas are the store's own, so both paths answer alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seraph_kernel.commands.storage import storage_key, storage_scope

JSON = Any


class DirectStorage:
    """``get``/``set``/``delete``/``keys``/``clear`` on a thread-safe store (a
    ``KeyValueStore``, or a farm's store proxy), with scopes as the fleet's caller names them
    (``scope_of`` maps a workspace's ``global`` to its own scope)."""

    def __init__(self, kv: Any, scope_of: Callable[[str], str] | None = None) -> None:
        self._kv = kv
        self._scope_of = scope_of

    def _scope(self, scope: str) -> str:
        return storage_scope(self._scope_of(scope) if self._scope_of is not None else scope)

    def within(self, scope_of: Callable[[str], str]) -> DirectStorage:
        """The same store seen through a further scope mapping (a workspace's view)."""
        inner = self._scope_of
        return DirectStorage(self._kv, scope_of if inner is None else lambda scope: inner(scope_of(scope)))

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
