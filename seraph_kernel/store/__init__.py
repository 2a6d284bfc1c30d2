"""SQLite persistence (WAL): bots, Lua ``storage``/``globalStorage`` and run history, one small
module per concern over one :class:`~seraph_kernel.store.database.Database`."""

from seraph_kernel.store.bots import BotRecord, BotStore
from seraph_kernel.store.database import Database, StoreError
from seraph_kernel.store.kv import KeyValueStore, StorageQuotas, encode_value
from seraph_kernel.store.run_history import RunHistory

__all__ = [
    "BotRecord",
    "BotStore",
    "Database",
    "KeyValueStore",
    "RunHistory",
    "StorageQuotas",
    "StoreError",
    "encode_value",
]
