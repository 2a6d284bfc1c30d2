"""The Fleet: the one interface to bots and scripts.

Two implementations keep this contract: ``LocalFleet`` (owns bots, the script runtime and the
store in this process) and ``RemoteFleet`` (a client of the REST API and its event stream).
The REST handlers, the Lua bot modules, the kernel's magics and the widgets use only this
interface, so one contract test suite runs against both.

Conventions
-----------
- Every method is a coroutine; call it on the event loop that owns the fleet.
- Snapshots and other results are plain JSON-ready data (dicts, lists, str, int, float,
  bool, None), with exactly the field names of ``shared/spec/003_…`` / ``001_…``.
- Misuse raises a :mod:`seraph_kernel.errors` exception (``UnknownBot``, ``InvalidArgument``…).
- Game-level failures of bot actions (a full world, not in a world, a cancelled walk) are
  *returned* as one of the ``Errors.*`` code strings (``"WORLD_FULL"``); ``None`` means success.
  This is the Lua convention, and REST maps it to an error body.
- Cancelling the asyncio task awaiting an action (``walk_to``, ``warp`` with ``wait``) stops
  the action; the bot is left in a consistent state.
"""

from __future__ import annotations

import abc
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seraph_kernel.errors import ActionError, InvalidArgument

if TYPE_CHECKING:
    from seraph_kernel.fleet.direct_storage import DirectStorage

JSON = Any


@dataclass(frozen=True, slots=True)
class FleetEvent:
    """One event of the fleet's stream.

    ``kind`` is one of:

    - ``"session"``: ``data = {"snapshot": <lite snapshot>}``, sent on every status change
      (and on create/delete; a deleted bot's snapshot has ``"deleted": true``).
    - ``"log"``: ``data = {"timestamp_ms", "level", "scope", "session_id", "message",
      "transport", "direction"}`` (made by :func:`log_data`); ``scope`` is ``"bot"`` for bot
      events and ``"script:<script_id>"`` for console lines of scripts; ``session_id`` is the
      bot id; ``level`` is ``info``/``warn``/``error``, or ``state`` for a bot's status change.
    - ``"bot"``: fine-grained bot events the Lua ``client:on`` API and live widgets need:
      ``data = {"type": "status"|"connect"|"disconnect"|"chat"|"collectable"|"kicked"
      |"position"|"world"|"tile", ...}`` (chat: ``nick``, ``text``; collectable: the
      collectable dict; kicked: ``reason``; status: ``status``; position: ``player_position``;
      world: the world name or None; tile: ``x``, ``y``, ``layer``, ``id`` of a tile of the
      bot's world that changed).
    """

    kind: str
    client_id: str | None
    data: dict[str, JSON] = field(default_factory=dict)


def log_data(
    level: str,
    scope: str,
    session_id: str,
    message: str,
    timestamp_ms: int | None = None,
    transport: str | None = None,
    direction: str | None = None,
) -> dict[str, JSON]:
    """The data of a ``log`` event, with Seraph's fields: ``transport`` and ``direction`` say
    which connection a wire line crossed and which way; both are ``None`` for every other line
    (nothing here logs wire traffic yet)."""
    return {
        "timestamp_ms": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        "level": level,
        "scope": scope,
        "session_id": session_id,
        "message": message,
        "transport": transport,
        "direction": direction,
    }


class Subscription(abc.ABC):
    """An async iterator of :class:`FleetEvent`; ``close()`` ends it. Slow readers lose old
    events rather than growing memory without bound."""

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[FleetEvent]: ...

    @abc.abstractmethod
    async def __anext__(self) -> FleetEvent: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def get_nowait(self) -> FleetEvent | None:
        """The next event if one is already queued, else ``None`` (readers that send events in
        batches drain the queue with it); a subscription without a queue says ``None``."""
        return None

    #: How many events this reader has lost to its queue's bounds so far.
    dropped: int = 0

    def backlog(self) -> dict[str, int]:
        """What waits for this reader and what it lost (``GET /api/seraph/info`` shows it)."""
        return {"dropped": self.dropped}


@dataclass
class WorldView:
    """A bot's current world, for fast local reads (``world:tile`` in Lua is ≤ 20 µs).

    Layers are flat, row-major sequences of tile ids of length ``width * height``
    (index ``y * width + x``). LocalFleet hands out live arrays (``live``: the backend keeps
    them current); RemoteFleet a copy fetched from ``/minimap``, which a reader may keep
    current with the bot's ``tile`` events. ``x`` grows right, ``y`` grows down; ``(0, 0)`` is
    the top-left tile.
    """

    name: str
    width: int
    height: int
    spawn: tuple[int, int]
    foreground: Any
    background: Any
    water: Any
    wiring: Any
    live: bool = False


class Fleet(abc.ABC):
    """Bots and scripts, local or remote. See the module docstring for conventions.

    Every operation is a command of the dispatcher (:mod:`seraph_kernel.commands`) and goes
    through :meth:`invoke`; the typed methods below are conveniences over it with the Lua
    return conventions (a game-level failure comes back as its ``Errors.*`` code)."""

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:  # noqa: B027 (optional hook, empty by default)
        """Start background parts (embedded world, restored bots, event stream)."""

    async def close(self) -> None:  # noqa: B027 (optional hook, empty by default)
        """Stop scripts (their cleanups run), disconnect bots cleanly, release resources."""

    @property
    @abc.abstractmethod
    def kind(self) -> str:
        """``"local"`` or ``"remote"``; shown by ``%seraph``."""

    def workspace(self, name: str) -> Fleet:
        """This fleet as workspace ``name`` sees it (``docs/workspaces.md``): short bot ids,
        its own worlds and ``globalStorage``; ``shared`` is the common fleet."""
        raise InvalidArgument("workspace", f"this {self.kind} fleet has no workspaces")

    # -- the dispatcher ----------------------------------------------------------------------
    @abc.abstractmethod
    async def invoke(self, cmd: str, args: dict[str, JSON] | None = None) -> JSON:
        """Run the command ``cmd`` with ``args``: its JSON answer (the body its REST sugar
        route answers). Raises ``UnknownCommand``, ``InvalidArgument`` naming the argument,
        ``UnknownBot``…, and ``ActionError`` for a game-level failure."""

    async def _action(self, cmd: str, **args: JSON) -> str | None:
        try:
            await self.invoke(cmd, args)
        except ActionError as err:
            return err.code
        return None

    async def _value(self, cmd: str, field: str | None = None, /, **args: JSON) -> JSON:
        """The answer of ``cmd``, or its ``field``."""
        answer = await self.invoke(cmd, args)
        return answer if field is None else answer[field]

    async def info(self) -> dict[str, JSON]:
        """Describe this fleet: kind, sim address(es), world seed, limits, db path / server url."""
        return await self._value("seraph_info")

    # -- bots ------------------------------------------------------------------------------
    async def list_bots(self) -> list[dict[str, JSON]]:
        """Lite snapshots of every bot, in id order (``GET /api/bots`` -> ``bots``)."""
        return await self._value("list_bots", "bots")

    async def get_bot(self, bot_id: str) -> dict[str, JSON]:
        """The full snapshot (``GET /api/bots/{id}``). Raises ``UnknownBot``."""
        return await self._value("get_bot", id=bot_id)

    async def create_bot(
        self,
        bot_id: str | None = None,
        username: str | None = None,
        backend: str = "sim",
        settings: dict[str, JSON] | None = None,
    ) -> dict[str, JSON]:
        """Create (not connect) a bot; ids ``bot-1``, ``bot-2``… unless given. Returns its full
        snapshot. Raises ``BotExists``, ``InvalidArgument`` (bad id/username/backend)."""
        args = {"id": bot_id, "username": username, "backend": backend, "settings": settings}
        return await self.invoke("create_bot", args)

    async def delete_bot(self, bot_id: str) -> None:
        """Stop the bot's scripts, disconnect it and forget it (also in the store)."""
        await self.invoke("delete_bot", {"id": bot_id})

    async def connect(self, bot_id: str, wait: bool = False) -> str | None:
        """Start connecting. ``wait=False`` returns at once (REST); ``wait=True`` returns once
        ``menu_ready`` (or in a world, if it reconnects into one) or with an error code
        (``ALREADY_CONNECTED``, ``AUTH_FAILED``, ``TIMEOUT``, ``BANNED``)."""
        return await self._action("connect_bot", id=bot_id, wait=wait)

    async def disconnect(self, bot_id: str) -> None:
        """Close the connection cleanly; status ``disconnected``. Idempotent."""
        await self.invoke("disconnect_bot", {"id": bot_id})

    async def warp(self, bot_id: str, world: str, wait: bool = False, special: bool = False) -> str | None:
        """Join ``world``, following redirects. ``wait=False`` returns once the join has been
        started (REST); ``wait=True`` returns ``None`` once ``in_world`` or an error code.
        ``special`` joins the bot's own instance of an instanced family (``NETHER``…)."""
        return await self._action("join_world", id=bot_id, world=world, wait=wait, special=special)

    async def leave(self, bot_id: str) -> str | None:
        """Leave the world; back to ``menu_ready``."""
        return await self._action("leave_world", id=bot_id)

    async def walk_to(self, bot_id: str, x: int, y: int) -> str | None:
        """A* to the tile and walk at the allowed pace; returns once the server echoes the
        final position. Errors: ``NOT_CONNECTED``, ``NOT_IN_WORLD``, ``CANCELLED``,
        ``DISCONNECTED``, ``OTHER`` (unreachable)."""
        return await self._action("bot_walk_to", id=bot_id, x=x, y=y)

    async def get_path(self, bot_id: str, x: int, y: int) -> list[tuple[int, int]]:
        """The planned route from the bot's tile (exclusive) to the target (inclusive);
        empty when unreachable or not in a world."""
        return [(px, py) for px, py in await self._value("bot_path", "path", id=bot_id, x=x, y=y)]

    async def move(self, bot_id: str, dx: int, dy: int) -> str | None:
        """One step relative to the current tile (server-paced)."""
        return await self._action("bot_move", id=bot_id, dx=dx, dy=dy)

    async def hit(self, bot_id: str, x: int, y: int) -> str | None:
        """Punch the foreground block at an adjacent tile once."""
        return await self._action("bot_hit", id=bot_id, x=x, y=y)

    async def place(self, bot_id: str, x: int, y: int, block_id: int) -> str | None:
        """Place a block from the inventory on an adjacent empty tile."""
        return await self._action("bot_place", id=bot_id, x=x, y=y, block_id=block_id)

    async def collect(self, bot_id: str, collectable_id: int | None = None) -> int | str:
        """Pick up one collectable (by id) or all within range: the count, or an error code."""
        try:
            return await self._value("bot_collect", "collected", id=bot_id, collectable_id=collectable_id)
        except ActionError as err:
            return err.code

    async def say(self, bot_id: str, text: str) -> str | None:
        """World chat."""
        return await self._action("bot_chat", id=bot_id, text=text)

    async def tutorial(self, bot_id: str, wait: bool = False) -> str | None:
        """Run the tutorial flow; ``wait=False`` returns once started (REST)."""
        return await self._action("bot_tutorial", id=bot_id, wait=wait)

    async def recent_worlds(self, bot_id: str, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        """Rows ``{"name", "id", "count", "visits"}``; ``count`` is the world's players or a
        ``WorldCount`` sentinel."""
        return await self._value("bot_recent_worlds", "worlds", id=bot_id, timeout_ms=timeout_ms)

    async def active_worlds(self, bot_id: str, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        """Rows ``{"name", "count"}`` of populated worlds."""
        return await self._value("bot_active_worlds", "worlds", id=bot_id, timeout_ms=timeout_ms)

    async def world_info(self, bot_id: str, world: str, timeout_ms: int | None = None) -> dict[str, JSON]:
        """``{"name", "player_count", "flags"}``."""
        return await self._value("bot_world_info", id=bot_id, world=world, timeout_ms=timeout_ms)

    async def collectables(self, bot_id: str) -> list[dict[str, JSON]]:
        """Dropped items in range, fields as ``GET …/collectables``."""
        return await self._value("bot_collectables", "collectables", id=bot_id)

    async def enemies(self, bot_id: str) -> list[dict[str, JSON]]:
        """Fields as ``GET …/enemies``."""
        return await self._value("bot_enemies", "enemies", id=bot_id)

    async def minimap(self, bot_id: str) -> dict[str, JSON]:
        """Fields as ``GET …/minimap``. Raises ``ActionError("NOT_IN_WORLD")`` outside a world."""
        return await self._value("bot_minimap", id=bot_id)

    @abc.abstractmethod
    async def world(self, bot_id: str) -> WorldView | None:
        """The bot's current world for local tile reads, or ``None`` outside a world."""

    async def inventory(self, bot_id: str) -> dict[str, JSON]:
        """``{"slots": int, "items": [{block_id, inventory_type, amount, name, category}]}``."""
        return await self._value("bot_inventory", id=bot_id)

    async def block_types(self) -> dict[str, str]:
        """The block catalog as ``{"<id>": "Name"}``."""
        return await self._value("catalog_block_types")

    async def block_infos(self) -> list[dict[str, JSON]]:
        """The full catalog: ``{id, name, flags, collision, hits, drops}`` per block."""
        return await self._value("catalog_blocks", "blocks")

    # -- storage (Lua ``storage`` / ``globalStorage``) --------------------------------------
    def direct_storage(self) -> DirectStorage | None:
        """The store itself, for Lua's storage bindings to call on the script's worker thread,
        when this fleet keeps it in this process; ``None`` sends them through :meth:`invoke`."""
        return None

    async def storage_get(self, scope: str, key: str) -> JSON:
        """``scope`` is ``"global"`` or ``"bot:<id>"``. Missing keys give ``None``."""
        return await self._value("storage_get", "value", scope=scope, key=key)

    async def storage_set(self, scope: str, key: str, value: JSON) -> None:
        await self.invoke("storage_set", {"scope": scope, "key": key, "value": value})

    async def storage_delete(self, scope: str, key: str) -> bool:
        return await self._value("storage_delete", "deleted", scope=scope, key=key)

    async def storage_keys(self, scope: str) -> list[str]:
        return await self._value("storage_keys", "keys", scope=scope)

    async def storage_clear(self, scope: str) -> None:
        await self.invoke("storage_clear", {"scope": scope})

    # -- scripts ---------------------------------------------------------------------------
    async def execute(
        self, client_id: str, script_id: str, source: str, timeout_ms: int | None = None
    ) -> None:
        """Compile and start a detached script. Raises ``UnknownBot``, ``LuaCompileError``,
        ``ScriptAlreadyRunning``, ``InvalidArgument``."""
        args = {"client_id": client_id, "script_id": script_id, "source": source, "timeout_ms": timeout_ms}
        await self.invoke("seraph_execute", args)

    async def stop(self, client_id: str, script_id: str) -> None:
        """Cancel a script; its cleanups run. Idempotent."""
        await self.invoke("seraph_stop", {"client_id": client_id, "script_id": script_id})

    async def status(self, client_id: str, script_id: str) -> dict[str, JSON]:
        """``{running, last_error, state, error, results, started_at, ended_at, timeout_ms}``.
        Raises ``UnknownScript`` for a key never executed."""
        return await self._value("seraph_status", client_id=client_id, script_id=script_id)

    async def console(self, client_id: str, script_id: str, after: int | None = None) -> dict[str, JSON]:
        """``{"lines": [{ts_ms, level, text, seq}]}``; with ``after``, only lines with a greater
        ``seq``."""
        return await self._value("seraph_console", client_id=client_id, script_id=script_id, after=after)

    async def console_clear(self, client_id: str, script_id: str) -> None:
        await self.invoke("seraph_console_clear", {"client_id": client_id, "script_id": script_id})

    async def console_add(self, client_id: str, script_id: str, text: str) -> None:
        """Append an info line to a script's console, as if it had printed it."""
        args = {"client_id": client_id, "script_id": script_id, "text": text}
        await self.invoke("seraph_console_add", args)

    async def jobs(self, client_id: str | None = None) -> list[dict[str, JSON]]:
        """Every run known (running or ended): ``{client_id, script_id, running, state,
        last_error, started_at, ended_at}``."""
        if client_id is None:
            return await self._value("seraph_jobs", "jobs")
        return await self._value("seraph_jobs_by_client", "jobs", client_id=client_id)

    async def stop_all(self) -> int:
        """Stop every running script; the number stopped."""
        return await self._value("seraph_stop_all", "stopped")

    # -- events ----------------------------------------------------------------------------
    @abc.abstractmethod
    def subscribe(self, client_id: str | None = None) -> Subscription:
        """Events of every bot, or only of ``client_id``."""


async def copied_world(fleet: Fleet, bot_id: str) -> WorldView | None:
    """A copy of the bot's world from its minimap (name and spawn from the snapshot), for a
    fleet that does not hold the bot's live world (a remote one, another shard's)."""
    snapshot = await fleet.get_bot(bot_id)
    info = snapshot.get("world")
    if not info or snapshot.get("status") != "in_world":
        return None
    try:
        layers = await fleet.minimap(bot_id)
    except ActionError:
        return None
    return WorldView(
        name=info["world_name"],
        width=layers["width"],
        height=layers["height"],
        spawn=(int(info["spawn_map_x"]), int(info["spawn_map_y"])),
        foreground=layers["foreground_tiles"],
        background=layers["background_tiles"],
        water=layers["water_tiles"],
        wiring=layers["wiring_tiles"],
    )
