"""The sim bot's state and the plumbing every part of it shares: status changes and events,
reads of the client's view of the world, the server's pushes, and one request helper.

A :class:`SimBot` is this core plus one part per concern (``bot_connection``, ``bot_worlds``,
``bot_movement``, ``bot_actions``, ``bot_tutorial``), in the spirit of mineflayer's plugins:
each part is a small class over this state, and the parts call each other through ``self``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from seraph_kernel.backends.base import JSON, BotSession, Emit
from seraph_kernel.backends.sim.client_world import ClientWorld
from seraph_kernel.backends.sim.link import LinkClosed, SimLink
from seraph_kernel.errors import ActionError, InvalidArgument
from seraph_kernel.fleet.base import WorldView, log_data
from seraph_kernel.sim import catalog
from seraph_kernel.sim.world import world_pos

if TYPE_CHECKING:
    from seraph_kernel.backends.sim.bot import SimBackend

DEFAULTS: dict[str, Any] = {
    "timeout_ms": 10_000,
    "ping_interval_ms": 2_000,
    "reconnect_initial_ms": 500,
    "reconnect_max_ms": 10_000,
    "reconnect_attempts": None,
}
CONNECTED = ("menu_ready", "joining_world", "loading_world", "awaiting_ready", "in_world", "redirecting")
FAIL_STATUS = {"BANNED": "banned", "ALREADY_CONNECTED": "already_connected"}
MAX_REDIRECTS = 3
WALK_REPLANS = 4


class SimBotCore(BotSession):
    """The state of one sim bot and what every part needs."""

    def __init__(
        self, backend: SimBackend, bot_id: str, username: str, settings: dict[str, JSON], emit: Emit
    ):
        self.bot_id = bot_id
        self.username = username
        self.settings = settings
        self._emit = emit
        self._entry = backend.entry
        opts = {**backend.defaults, **{k: settings[k] for k in DEFAULTS if k in settings}}
        self._timeout = opts["timeout_ms"] / 1000
        self._ping_interval = opts["ping_interval_ms"] / 1000
        self._backoff = (opts["reconnect_initial_ms"] / 1000, opts["reconnect_max_ms"] / 1000)
        self._attempts = opts["reconnect_attempts"]
        self._status = "disconnected"
        self._link: SimLink | None = None
        self._want_connected = False
        self._return_world: str | None = None
        self._me: dict[str, Any] = {}
        self._token: str | None = None
        self._move_interval = 0.25
        self._last_move_at = float("-inf")
        self.user_id: str | None = None
        self.current_host: str | None = None
        self.current_port: int | None = None
        self.current_world: str | None = None
        self.pending_world: str | None = None
        self.last_error: str | None = None
        self.ping_ms: int | None = None
        self.connected_since: int | None = None
        self.tutorial_running = False
        self.tutorial_stage: str | None = None
        self._world: ClientWorld | None = None
        self._pos: tuple[int, int] | None = None
        #: the exact position (tile units) the server last confirmed, while on ``_pos``
        self._sub: tuple[float, float] | None = None
        self._move_lock = asyncio.Lock()
        self._world_lock = asyncio.Lock()
        self._reconnect_task: asyncio.Task | None = None
        self._ping_task: asyncio.Task | None = None
        self._walk_task: asyncio.Task | None = None
        #: ``{target, walked, remaining}`` of the walk in progress (the full snapshot's ``walk``)
        self.walk_progress: dict[str, JSON] | None = None
        self._connect_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self.move_latency_ms: deque[float] = deque(maxlen=256)  # send → server confirmation

    @property
    def status(self) -> str:
        return self._status

    @property
    def restore_hint(self) -> dict[str, JSON]:
        return {"connected": self._want_connected, "world": self.current_world or self._return_world}

    @property
    def position(self) -> tuple[int, int] | None:
        """The bot's tile, as last confirmed by the server; ``None`` outside a world."""
        return self._pos if self._world is not None else None

    @property
    def exact_position(self) -> tuple[float, float] | None:
        """The bot's position in tile units with sub-tile precision; ``None`` outside a world."""
        pos = self.position
        if pos is None or self._sub is None or (int(self._sub[0] // 1), int(self._sub[1] // 1)) != pos:
            return pos
        return self._sub

    def snapshot(self, full: bool = False) -> dict[str, JSON]:
        me = self._me
        pos = self.exact_position
        snap: dict[str, JSON] = {
            "id": self.bot_id,
            "status": self._status,
            "device_id": self.settings["device_id"],
            "current_host": self.current_host,
            "current_port": self.current_port,
            "current_world": self.current_world,
            "pending_world": self.pending_world,
            "username": self.username,
            "user_id": self.user_id,
            "player_position": world_pos(*pos) if pos else None,
            "inventory_count": len(me.get("inventory", [])),
            "gems": me.get("gems", 0),
            "byte_coins": me.get("byte_coins", 0),
            "xp_amount": me.get("xp_amount", 0),
            "experience": me.get("experience", 0),
            "xp_level": me.get("xp_level", 1),
            "slots": me.get("slots", 0),
            "tutorial_state": me.get("tutorial_state", 0),
            "tutorial_running": self.tutorial_running,
            "ping_ms": self.ping_ms,
            "proxy_name": None,
            "proxy_kind": None,
            "connected_since": self.connected_since,
            "fishing_active": False,
            "fishing_info": None,
            "last_error": self.last_error,
        }
        if full:
            snap["world"] = self._world.summary() if self._world is not None and self.current_world else None
            snap["inventory"] = self.inventory()["items"]
            snap["tutorial_stage"] = self.tutorial_stage
            snap["sf_token"] = self._token
            snap["walk"] = self.walk_progress
        return snap

    def collectables(self) -> list[dict[str, JSON]]:
        return self._world.collectable_rows() if self._world else []

    def enemies(self) -> list[dict[str, JSON]]:
        return self._world.enemy_rows() if self._world else []

    def players(self) -> list[dict[str, JSON]]:
        return self._world.player_rows() if self._world else []

    def minimap(self) -> dict[str, JSON]:
        if self._world is None or self._pos is None:
            raise ActionError("NOT_IN_WORLD", f"minimap: {self.bot_id} is not in a world")
        return self._world.minimap(world_pos(*self._pos))

    def world(self) -> WorldView | None:
        return self._world.view() if self._world is not None and self.current_world else None

    def inventory(self) -> dict[str, JSON]:
        items = [catalog.inventory_row(b, n) for b, n in self._me.get("inventory", [])]
        return {"slots": self._me.get("slots", 0), "items": items}

    def _set_status(self, status: str) -> None:
        if status == self._status:
            return
        self._status = status
        self._log(f"status: {status}", "state")
        self._emit("bot", {"type": "status", "status": status})
        self._emit("session", {"snapshot": self.snapshot()})

    def _log(self, message: str, level: str = "info") -> None:
        self._emit("log", log_data(level, "bot", self.bot_id, message))

    def _fail(self, code: str, message: str) -> str:
        """Record a failed action (``last_error``, unless a kick's reason is there) and return
        its code."""
        if self._status not in ("kicked", "banned"):
            self.last_error = message
        return code

    def _spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_message(self, msg: dict[str, Any]) -> None:
        """Every frame from the server, in order, before a waiting request sees its reply."""
        t = msg["t"]
        if t == "world":
            self._world = ClientWorld(msg, self.user_id)
            self._pos = tuple(msg["spawn"])  # type: ignore[assignment]
            self._sub = None
            self._set_status("loading_world")
        elif t == "pos":
            self._pos = (msg["x"], msg["y"])
            self._sub = (msg["mx"], msg["my"]) if "mx" in msg else None
            self._last_move_at = asyncio.get_running_loop().time()
            self._emit("bot", {"type": "position", "player_position": world_pos(*self._pos)})
        elif t == "me":  # a push, or the reply to ``me {}`` (``refresh``)
            self._me = {k: v for k, v in msg.items() if k not in ("t", "rid")}
        elif t == "kicked":
            self._on_kicked(msg.get("reason") or "kicked", msg.get("code"))
        elif t == "chat":
            self._emit(
                "bot", {"type": "chat", "nick": msg["nick"], "text": msg["text"], "user_id": msg["user_id"]}
            )
        elif self._world is not None:
            self._world.apply(msg)
            if t == "collectable":
                self._emit("bot", {"type": "collectable", **msg["collectable"]})
            elif t == "tile":
                tile = {
                    "x": msg["x"],
                    "y": msg["y"],
                    "layer": msg.get("layer", "foreground"),
                    "id": msg["id"],
                }
                self._emit("bot", {"type": "tile", **tile})

    def _on_kicked(self, reason: str, code: str | None) -> None:
        self._want_connected = False
        self.last_error = reason
        self._emit("bot", {"type": "kicked", "reason": reason})
        self._log(f"kicked: {reason}", "warn")
        self._set_status("banned" if code == "BANNED" else "kicked")

    def _on_lost(self, link: SimLink) -> None:
        if link is not self._link:
            return
        world = self.current_world or self.pending_world or self._return_world
        self._drop_link_state()
        self._emit("bot", {"type": "disconnect", "reason": "connection lost"})
        if self._status in ("kicked", "banned"):
            return
        if not self._want_connected:
            self._set_status("disconnected")
            return
        self._return_world = world
        self.last_error = "connection lost"
        self._log(
            f"connection lost; reconnecting (back to {world})" if world else "connection lost; reconnecting"
        )
        self._set_status("reconnecting")
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = self._spawn(self._reconnect_loop())

    def _drop_link_state(self) -> None:
        """Forget everything tied to the current connection."""
        self._link = None
        if self._ping_task is not None:
            self._ping_task.cancel()
            self._ping_task = None
        if self.current_world is not None:
            self._emit("bot", {"type": "world", "world": None})
        self._world = None
        self._pos = None
        self.current_world = self.pending_world = None
        self.current_host = self.current_port = None
        self.ping_ms = None

    def _need_link(self) -> SimLink | None:
        return self._link if self._link is not None and self._status in CONNECTED else None

    async def _call(self, link: SimLink, t: str, timeout: float | None = None, **fields: Any) -> dict | str:
        """One request: the reply, or an error code (``last_error`` set)."""
        try:
            reply = await link.request(t, timeout or self._timeout, **fields)
        except LinkClosed:
            return self._fail("DISCONNECTED", f"{t}: connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", f"{t}: no answer")
        if reply["t"] == "error":
            return self._fail(reply["code"], reply["message"])
        return reply


def as_ints(what: str, *values: Any) -> tuple[int, ...]:
    """Coordinates as ints; ``InvalidArgument`` naming the call for anything else."""
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or int(v) != v:
            raise InvalidArgument(what, f"expected integers, got {v!r}")
        out.append(int(v))
    return tuple(out)
