"""A fleet past one machine: shards as Ray actors (``docs/scale.md``).

Nothing here is imported unless the server is told a Ray address (``SERAPH_RAY_ADDRESS`` or
``c.SeraphExtension.ray_address``); only these modules import Ray. The pieces:

- :mod:`~seraph_kernel.shards.store`: one ``StoreActor`` on the front door's node wrapping the
  SQLite store (bots, storage, run history) and the bot-to-shard directory;
- :mod:`~seraph_kernel.shards.shard`: a ``ShardActor`` per node owning a ``LocalFleet`` slice;
- :mod:`~seraph_kernel.shards.router`: ``RayFleet``, the front door's Fleet that routes each
  command to the shard owning its bot and merges the shards' events into one stream.
"""
