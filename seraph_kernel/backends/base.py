"""The bot backend plugin interface: what a fleet needs from a game client.

A backend is a class registered under the entry point group ``seraph.backends``
(``sim = seraph_kernel.backends.sim:SimBackend`` is built in). The fleet builds one backend
object per backend name and asks it for bot sessions::

    from seraph_kernel.backends.base import load_backend

    backend = load_backend("sim").from_config({"address": "127.0.0.1:10001"})
    # or: SimBackend(address="127.0.0.1:10001")
    bot = backend.create_bot("bot-1", "P71710199", settings={}, emit=on_event)
    await bot.connect()               # None, or an Errors.* code string
    await bot.warp("MINEWORLD")       # follows redirects; None once in_world
    await bot.walk_to(42, 18)
    bot.snapshot(full=True)           # exactly the fields of spec 003
    await bot.close()                 # when the fleet forgets the bot

Events
------
``emit(kind, data)`` is a plain (synchronous, non-blocking) callable given to
:meth:`Backend.create_bot`. The session calls it on the event loop with the ``kind`` and
``data`` of a :class:`seraph_kernel.fleet.base.FleetEvent` (the fleet adds
``client_id = bot_id``):

- ``("session", {"snapshot": <lite snapshot>})`` on every status change;
- ``("bot", {"type": "status", "status": s})`` on every status change, and
  ``{"type": "connect"}``, ``{"type": "disconnect", "reason": str|None}``,
  ``{"type": "chat", "nick", "text", "user_id"}``, ``{"type": "collectable", <collectable>}``,
  ``{"type": "kicked", "reason"}``, ``{"type": "position", "player_position"}`` (own position
  confirmed by the server), ``{"type": "world", "world": name|None}``, ``{"type": "tile",
  "x", "y", "layer", "id"}`` (a tile of the bot's world changed: readers of a copied
  :class:`WorldView` apply it);
- ``("log", {"timestamp_ms", "level", "scope": "bot", "session_id": bot_id, "message"})``
  for notable bot events (connected, joined, kicked, reconnecting…).

Persistence
-----------
``bot.settings`` is the JSON dict the fleet stores with the bot (the backend may fill in
defaults such as ``device_id`` when the bot is created); ``bot.restore_hint`` is a JSON dict
``{"connected": bool, "world": str | None}`` describing where the bot is. A restored fleet
creates the session with the stored settings and calls ``await bot.resume(hint)``.

Return conventions follow :mod:`seraph_kernel.fleet.base`: actions return ``None`` on success
or an ``Errors.*`` code string; misuse raises :class:`seraph_kernel.errors.InvalidArgument`;
cancelling the awaiting task cancels the action and raises ``CancelledError`` as asyncio
expects (``walk_to`` then leaves the bot standing on the last confirmed tile); ``cancel_walk()``
ends a walk so that its caller gets ``CANCELLED`` instead.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any, ClassVar

from seraph_kernel.fleet.base import WorldView

JSON = Any
Emit = Callable[[str, dict[str, JSON]], None]

ENTRY_POINT_GROUP = "seraph.backends"
_BUILTIN = {"sim": "seraph_kernel.backends.sim:SimBackend"}


class BotSession(abc.ABC):
    """One bot's connection to a game: its status, state reads and actions.

    Reads (``status``, ``snapshot``, ``collectables``…) are synchronous and cheap: they
    return the client's current view, kept up to date by the server's pushes.
    """

    bot_id: str
    username: str
    settings: dict[str, JSON]

    # -- state reads -------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def status(self) -> str:
        """One of :data:`seraph_kernel.errors.STATUSES`."""

    @property
    @abc.abstractmethod
    def restore_hint(self) -> dict[str, JSON]:
        """``{"connected": bool, "world": str | None}``: what :meth:`resume` restores."""

    @abc.abstractmethod
    def snapshot(self, full: bool = False) -> dict[str, JSON]:
        """The bot snapshot of spec 003: the lite form, or with ``full`` the extra ``world``,
        ``inventory``, ``tutorial_stage`` and ``sf_token`` fields."""

    @abc.abstractmethod
    def collectables(self) -> list[dict[str, JSON]]:
        """``[{id, block_type, amount, inventory_type, pos_x, pos_y, is_gem}]``; ``[]`` outside a
        world."""

    @abc.abstractmethod
    def enemies(self) -> list[dict[str, JSON]]:
        """``[{ai_id, x, y, ai_kind, hp, max_hp}]``; ``[]`` outside a world."""

    @abc.abstractmethod
    def players(self) -> list[dict[str, JSON]]:
        """The other players in the world: ``[{user_id, nick, position}]``."""

    @abc.abstractmethod
    def minimap(self) -> dict[str, JSON]:
        """The ``GET …/minimap`` body. Raises ``ActionError("NOT_IN_WORLD")`` outside a world."""

    @abc.abstractmethod
    def world(self) -> WorldView | None:
        """The current world with live layer arrays, or ``None``."""

    @abc.abstractmethod
    def inventory(self) -> dict[str, JSON]:
        """``{"slots": int, "items": [{block_id, inventory_type, amount, name, category}]}``."""

    async def refresh(self) -> str | None:
        """Read the account fields (gems, byte coins, level, xp) from the game again, so the
        snapshot shows changes the game did not push. A backend whose snapshot is always
        current may keep this default."""
        return None

    # -- connection ----------------------------------------------------------------------------
    @abc.abstractmethod
    async def connect(self, wait: bool = True) -> str | None:
        """Connect and authenticate. ``wait=False`` returns once started. Errors:
        ``ALREADY_CONNECTED``, ``AUTH_FAILED``, ``TIMEOUT``, ``BANNED``, ``OTHER``."""

    @abc.abstractmethod
    async def disconnect(self) -> None:
        """Close cleanly (no reconnect); status ``disconnected``. Idempotent."""

    async def resume(self, hint: Mapping[str, JSON]) -> str | None:
        """Bring a restored bot back to where ``hint`` (an old :attr:`restore_hint`) says."""
        if not hint.get("connected"):
            return None
        err = await self.connect(wait=True)
        if err is None and hint.get("world"):
            err = await self.warp(str(hint["world"]), wait=True)
        return err

    async def close(self) -> None:
        """Release everything (the fleet forgets the bot)."""
        await self.disconnect()

    # -- worlds --------------------------------------------------------------------------------
    @abc.abstractmethod
    async def warp(self, world: str, wait: bool = True, special: bool = False) -> str | None:
        """Join ``world`` (following redirects; ``"NAME:ENTRY"`` arrives at a portal entry;
        ``special`` joins the bot's own instance of an instanced family). Errors:
        ``NOT_CONNECTED``, ``WORLD_FULL``, ``INVALID_WORLD``, ``WORLD_NOT_FOUND``, ``TIMEOUT``,
        ``DISCONNECTED``, ``TUTORIAL_BUSY``, ``BANNED``."""

    @abc.abstractmethod
    async def leave(self) -> str | None:
        """Leave the world; ``menu_ready``."""

    @abc.abstractmethod
    async def recent_worlds(self, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        """``[{name, count}]``, newest first."""

    @abc.abstractmethod
    async def active_worlds(self, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        """``[{name, count}]`` of worlds with players."""

    @abc.abstractmethod
    async def world_info(self, world: str, timeout_ms: int | None = None) -> dict[str, JSON]:
        """``{name, player_count, flags}``."""

    @abc.abstractmethod
    async def tutorial(self, wait: bool = True) -> str | None:
        """Run the tutorial flow (``TUTORIAL_BUSY`` if it already runs)."""

    # -- in-world actions ----------------------------------------------------------------------
    @abc.abstractmethod
    async def walk_to(self, x: int, y: int) -> str | None:
        """Plan and walk; ``NOT_IN_WORLD``, ``CANCELLED``, ``DISCONNECTED``, ``OTHER``. A new walk
        replaces a running one (which returns ``CANCELLED``); cancelling the caller's task stops
        the walk and raises ``CancelledError`` as usual."""

    @property
    def walking(self) -> bool:
        """Whether a ``walk_to`` is running."""
        return False

    def cancel_walk(self) -> bool:
        """End the running walk (its caller gets ``CANCELLED``); whether one was running."""
        return False

    @abc.abstractmethod
    async def get_path(self, x: int, y: int) -> list[tuple[int, int]]:
        """The planned route, start excluded; ``[]`` when unreachable or outside a world."""

    @abc.abstractmethod
    async def move(self, dx: int, dy: int) -> str | None:
        """One step; server-paced."""

    @abc.abstractmethod
    async def hit(self, x: int, y: int) -> str | None:
        """Punch the foreground block at an adjacent tile once."""

    @abc.abstractmethod
    async def place(self, x: int, y: int, block_id: int) -> str | None:
        """Place a block from the inventory on an adjacent empty tile."""

    @abc.abstractmethod
    async def collect(self, collectable_id: int | None = None) -> int | str:
        """Pick up one collectable or all in range: the count, or an error code."""

    @abc.abstractmethod
    async def say(self, text: str) -> str | None:
        """World chat."""


class Backend(abc.ABC):
    """A kind of game a bot can play; makes :class:`BotSession` objects."""

    name: ClassVar[str]

    @classmethod
    def from_config(cls, options: Mapping[str, JSON]) -> Backend:
        """Build from a JSON-ish options dict (the fleet's configuration for this backend)."""
        return cls(**dict(options))

    @abc.abstractmethod
    def create_bot(
        self, bot_id: str, username: str | None, settings: Mapping[str, JSON] | None, emit: Emit
    ) -> BotSession:
        """A new, disconnected session. ``username=None`` picks one. Raises ``InvalidArgument``
        for a username or settings this backend cannot use."""

    @abc.abstractmethod
    def block_infos(self) -> list[dict[str, JSON]]:
        """The block catalog: ``[{id, name, flags, collision, hits, drops}]``."""

    def catalog_table(self, name: str) -> JSON | None:
        """The catalog table ``name`` (``items``, ``packs``, ``quests``…), or ``None`` when this
        backend has no such table."""
        return None

    def block_types(self) -> dict[str, str]:
        """``{"<id>": "Name"}``."""
        return {str(b["id"]): b["name"] for b in self.block_infos()}

    def info(self) -> dict[str, JSON]:
        """What ``fleet.info()`` shows about this backend (addresses…)."""
        return {"backend": self.name}

    async def close(self) -> None:
        """Release shared resources once every session is closed."""
        return None


def load_backend(name: str) -> type[Backend]:
    """The backend class registered as ``name``; the built-in ones work without installation.
    Raises ``KeyError`` for an unknown name."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()
    if name in _BUILTIN:
        module, _, attr = _BUILTIN[name].partition(":")
        return getattr(__import__(module, fromlist=[attr]), attr)
    raise KeyError(f"unknown backend: {name}")


def backend_names() -> list[str]:
    """Every registered backend name."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} | set(_BUILTIN))
