"""The ``sim`` backend: bots that play the simulated world (``seraph_kernel.sim``) over TCP.

::

    backend = SimBackend(address="127.0.0.1:10001")          # the server's entry host
    backend = SimBackend.from_config({"address": "127.0.0.1:10001", "reconnect_initial_ms": 50})
    bot = backend.create_bot("bot-1", "P71710199", settings={}, emit=lambda kind, data: ...)

Options (backend keyword arguments give defaults; a bot's ``settings`` override them):
``timeout_ms`` (10000, per request), ``ping_interval_ms`` (2000), ``reconnect_initial_ms``
(500), ``reconnect_max_ms`` (10000), ``reconnect_attempts`` (``None``: forever). Settings also
hold ``device_id`` (filled in at creation) and an optional ``token`` sent with ``hello``.

The status machine, the event kinds and the return conventions are those of
:mod:`seraph_kernel.backends.base`. The world queries (``recent_worlds``, ``active_worlds``,
``world_info``) raise :class:`seraph_kernel.errors.ActionError` with the code on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from seraph_kernel.backends.base import JSON, Backend, BotSession, Emit
from seraph_kernel.backends.pathfinding import find_path
from seraph_kernel.backends.sim.client_world import ClientWorld
from seraph_kernel.backends.sim.link import LinkClosed, SimLink
from seraph_kernel.errors import ActionError, InvalidArgument
from seraph_kernel.fleet.base import WorldView
from seraph_kernel.sim import catalog
from seraph_kernel.sim.accounts import USERNAME_RE
from seraph_kernel.sim.tutorial import CHARACTER_CREATION, COMPLETED, TUTORIAL_WORLD
from seraph_kernel.sim.world import world_pos
from seraph_kernel.sim.worldgen import HUB, NAME_RE, TUTORIAL

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


def parse_address(address: str) -> tuple[str, int]:
    """``"127.0.0.1:10001"`` → ``("127.0.0.1", 10001)``; ``InvalidArgument`` otherwise."""
    host, sep, port = str(address).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidArgument("address", f"expected host:port, got {address!r}")
    return host, int(port)


class SimBackend(Backend):
    name = "sim"

    def __init__(self, address: str, **defaults: Any) -> None:
        unknown = set(defaults) - set(DEFAULTS)
        if unknown:
            raise InvalidArgument("sim backend", f"unknown options: {sorted(unknown)}")
        self.address = address
        self.entry = parse_address(address)
        self.defaults = {**DEFAULTS, **defaults}

    def create_bot(
        self, bot_id: str, username: str | None, settings: Mapping[str, JSON] | None, emit: Emit
    ) -> SimBot:
        if username is None:
            username = f"P{secrets.randbelow(10**8):08d}"
        if not isinstance(username, str) or not USERNAME_RE.match(username):
            raise InvalidArgument("username", f"expected 3-24 of A-Z a-z 0-9 _, got {username!r}")
        settings = dict(settings or {})
        settings.setdefault("device_id", hashlib.sha256(f"device:{username}".encode()).hexdigest()[:16])
        return SimBot(self, bot_id, username, settings, emit)

    def block_infos(self) -> list[dict[str, JSON]]:
        return catalog.block_infos()

    def info(self) -> dict[str, JSON]:
        return {"backend": self.name, "address": self.address}


class SimBot(BotSession):
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
        self._move_lock = asyncio.Lock()
        self._world_lock = asyncio.Lock()
        self._reconnect_task: asyncio.Task | None = None
        self._ping_task: asyncio.Task | None = None
        self._walk_task: asyncio.Task | None = None
        self._connect_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self.move_latency_ms: deque[float] = deque(maxlen=256)  # send → server confirmation

    # -- reads -------------------------------------------------------------------------------
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

    def snapshot(self, full: bool = False) -> dict[str, JSON]:
        me = self._me
        pos = self.position
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

    # -- events ------------------------------------------------------------------------------
    def _set_status(self, status: str) -> None:
        if status == self._status:
            return
        self._status = status
        self._emit("bot", {"type": "status", "status": status})
        self._emit("session", {"snapshot": self.snapshot()})

    def _log(self, message: str, level: str = "info") -> None:
        self._emit(
            "log",
            {
                "timestamp_ms": int(time.time() * 1000),
                "level": level,
                "scope": "bot",
                "session_id": self.bot_id,
                "message": message,
            },
        )

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
            self._set_status("loading_world")
        elif t == "pos":
            self._pos = (msg["x"], msg["y"])
            self._last_move_at = asyncio.get_running_loop().time()
            self._emit("bot", {"type": "position", "player_position": world_pos(*self._pos)})
        elif t == "me":
            self._me = {k: v for k, v in msg.items() if k != "t"}
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

    # -- connection --------------------------------------------------------------------------
    async def _open(self, ip: str, port: int, status: str | None) -> tuple[str, str] | None:
        """Connect to one host and authenticate; ``(code, message)`` on failure. ``status``
        is shown meanwhile (``None``: connecting → authenticating)."""
        link = SimLink(self._on_message, self._on_lost)
        try:
            return await self._handshake(link, ip, port, status)
        except asyncio.CancelledError:
            link.abort()  # never leave a half-open session behind
            raise

    async def _handshake(
        self, link: SimLink, ip: str, port: int, status: str | None
    ) -> tuple[str, str] | None:
        try:
            await asyncio.wait_for(link.open(ip, port), self._timeout)
        except TimeoutError:
            return "TIMEOUT", f"connect to {ip}:{port}: timed out"
        except OSError as exc:
            return "OTHER", f"connect to {ip}:{port}: {os.strerror(exc.errno) if exc.errno else exc}"
        if status is None:
            self._set_status("authenticating")
        hello = {"username": self.username, "device_id": self.settings["device_id"]}
        if self.settings.get("token"):
            hello["token"] = self.settings["token"]
        try:
            reply = await link.request("hello", self._timeout, **hello)
        except LinkClosed:
            await link.close()
            return "DISCONNECTED", f"{ip}:{port} closed the connection"
        except TimeoutError:
            await link.close()
            return "TIMEOUT", f"{ip}:{port}: no answer to hello"
        if reply["t"] != "auth_ok":
            await link.close()
            return reply.get("code", "OTHER"), reply.get("message", "authentication failed")
        self._link = link
        self.user_id = reply["user_id"]
        self._token = reply["token"]
        self._me = reply["me"]
        self._move_interval = reply["move_interval_ms"] / 1000
        self.current_host, self.current_port = reply["host"], reply["port"]
        self._ping_task = self._spawn(self._ping_loop(link))
        return None

    async def _ping_loop(self, link: SimLink) -> None:
        while not link.closed:
            started = time.perf_counter()
            try:
                await link.request("ping", self._timeout)
            except (LinkClosed, TimeoutError):
                return
            self.ping_ms = max(0, round((time.perf_counter() - started) * 1000))
            await asyncio.sleep(self._ping_interval)

    async def connect(self, wait: bool = True) -> str | None:
        if self._link is not None and self._status in CONNECTED:
            return None
        task = self._connect_task
        if task is None or task.done():
            if self._reconnect_task is not None and not self._reconnect_task.done():
                self._reconnect_task.cancel()
            self._want_connected = True
            task = self._connect_task = self._spawn(self._connect_flow())
        return await asyncio.shield(task) if wait else None

    async def _connect_flow(self) -> str | None:
        """Runs in its own task; only :meth:`disconnect` cancels it."""
        self.last_error = None
        self._set_status("connecting")
        try:
            failure = await self._open(*self._entry, status=None)
        except asyncio.CancelledError:
            return self._fail("DISCONNECTED", "connect: cancelled by disconnect")
        if failure is not None:
            code, message = failure
            self._want_connected = False
            self.last_error = message
            self._log(f"connect failed: {message}", "error")
            self._set_status(FAIL_STATUS.get(code, "error"))
            return code
        self.connected_since = int(time.time() * 1000)
        self._emit("bot", {"type": "connect"})
        self._log(f"connected to {self.current_host} as {self.username}")
        self._set_status("menu_ready")
        world, self._return_world = self._return_world, None
        if world:  # connect() while reconnecting: finish the job and go back into the world
            code = await self._join(world)
            if code is not None:
                self._log(f"could not return to {world}: {code}", "warn")
        return None

    async def _reconnect_loop(self) -> None:
        delay, cap = self._backoff
        attempt = 0
        while self._want_connected:
            await asyncio.sleep(delay)
            attempt += 1
            failure = await self._open(*self._entry, status="reconnecting")
            if failure is None:
                self.connected_since = int(time.time() * 1000)
                self._emit("bot", {"type": "connect"})
                self._log(f"reconnected after {attempt} attempt(s)")
                self._set_status("menu_ready")
                if not self._return_world:
                    return
                code = await self._join(self._return_world)
                if code is None:
                    self._return_world = None
                    return
                if self._link is not None:  # the world refused us, the connection is fine
                    self._log(f"could not return to {self._return_world}: {code}", "warn")
                    self._return_world = None
                    return
            else:
                code, message = failure
                self.last_error = message
                if code in ("BANNED", "AUTH_FAILED"):
                    self._want_connected = False
                    self._set_status(FAIL_STATUS.get(code, "error"))
                    return
            if self._attempts is not None and attempt >= self._attempts:
                self._want_connected = False
                self.last_error = f"reconnect: gave up after {attempt} attempts ({self.last_error})"
                self._set_status("error")
                return
            self._set_status("reconnecting")
            delay = min(delay * 2, cap)

    async def disconnect(self) -> None:
        self._want_connected = False
        self._return_world = None
        for task in (self._reconnect_task, self._connect_task):
            if task is not None and task is not asyncio.current_task() and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        link = self._link
        if link is not None:
            with contextlib.suppress(LinkClosed, TimeoutError):
                await link.request("bye", min(self._timeout, 2.0))
            await link.close()
            self._drop_link_state()
            self._emit("bot", {"type": "disconnect", "reason": None})
            self._log("disconnected")
        self.connected_since = None
        self._set_status("disconnected")

    async def close(self) -> None:
        await self.disconnect()
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        if self._tasks:
            await asyncio.gather(
                *[t for t in self._tasks if t is not asyncio.current_task()], return_exceptions=True
            )

    # -- worlds ------------------------------------------------------------------------------
    def _need_link(self) -> SimLink | None:
        return self._link if self._link is not None and self._status in CONNECTED else None

    async def warp(self, world: str, wait: bool = True) -> str | None:
        if not isinstance(world, str):
            raise InvalidArgument("world", f"expected a world name, got {type(world).__name__}")
        if self.tutorial_running:
            return self._fail("TUTORIAL_BUSY", "warp: the tutorial is running")
        return await self._start_warp(world, wait)

    async def _start_warp(self, world: str, wait: bool) -> str | None:
        name = world.strip().upper()
        if not NAME_RE.match(name):
            return self._fail("INVALID_WORLD", f"warp: invalid world name {world!r}")
        if self._need_link() is None:
            return self._fail("NOT_CONNECTED", f"warp: {self.bot_id} is not connected")
        if self.current_world == name and self._status == "in_world":
            return None
        task = self._spawn(self._join(name))
        return await task if wait else None

    async def _join(self, name: str) -> str | None:
        """The join burst: join → (redirect →) world → ready → spawned."""
        async with self._world_lock:
            link = self._need_link()
            if link is None:
                return self._fail("NOT_CONNECTED", f"warp: {self.bot_id} is not connected")
            self.pending_world = name
            self._set_status("joining_world")
            for _ in range(MAX_REDIRECTS + 1):
                try:
                    reply = await link.request("join", self._timeout, world=name)
                except LinkClosed:
                    return self._fail("DISCONNECTED", f"warp {name}: connection lost")
                except TimeoutError:
                    self.pending_world = None
                    self._set_status("in_world" if self.current_world else "menu_ready")
                    return self._fail("TIMEOUT", f"warp {name}: no answer")
                if reply["t"] == "error":
                    self.pending_world = None
                    self._set_status("in_world" if self.current_world else "menu_ready")
                    self._log(f"warp {name} failed: {reply['message']}", "warn")
                    return self._fail(reply["code"], reply["message"])
                if reply["t"] == "redirect":
                    link = await self._redirect(link, reply)
                    if link is None:
                        return self._fail("DISCONNECTED", self.last_error or f"warp {name}: redirect failed")
                    continue
                return await self._enter(link, name)
            return self._fail("OTHER", f"warp {name}: too many redirects")

    async def _redirect(self, link: SimLink, reply: dict[str, Any]) -> SimLink | None:
        """Follow a redirect to the world's host; the new link, or ``None`` (then the bot is
        reconnecting or failed)."""
        name = reply["world"]
        await link.close()
        self._drop_link_state()
        self.pending_world = name
        self._set_status("redirecting")
        self._log(f"redirected to {reply['host']} for {name}")
        failure = await self._open(reply["ip"], reply["port"], status="redirecting")
        if failure is not None:
            self.last_error = failure[1]
            if self._want_connected:
                self._return_world = name
                self._set_status("reconnecting")
                if self._reconnect_task is None or self._reconnect_task.done():
                    self._reconnect_task = self._spawn(self._reconnect_loop())
            return None
        self.pending_world = name
        self._set_status("joining_world")
        return self._link

    async def _enter(self, link: SimLink, name: str) -> str | None:
        """After the ``world`` reply (handled in :meth:`_on_message`): ready → in_world."""
        self._set_status("awaiting_ready")
        try:
            spawned = await link.request("ready", self._timeout)
        except LinkClosed:
            return self._fail("DISCONNECTED", f"warp {name}: connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", f"warp {name}: no answer to ready")
        self._pos = (spawned["x"], spawned["y"])
        self._last_move_at = float("-inf")
        self.current_world, self.pending_world = name, None
        self._emit("bot", {"type": "world", "world": name})
        self._log(f"joined {name} on {self.current_host}")
        self._set_status("in_world")
        return None

    async def leave(self) -> str | None:
        link = self._need_link()
        if link is None:
            return self._fail("NOT_CONNECTED", f"leave: {self.bot_id} is not connected")
        if self.current_world is None:
            return self._fail("NOT_IN_WORLD", f"leave: {self.bot_id} is not in a world")
        async with self._world_lock:
            result = await self._call(link, "leave")
            if isinstance(result, str):
                return result
            self._world, self._pos, self.current_world = None, None, None
            self._emit("bot", {"type": "world", "world": None})
            self._set_status("menu_ready")
        return None

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

    async def _query(self, t: str, timeout_ms: int | None, **fields: Any) -> dict[str, Any]:
        link = self._need_link()
        if link is None:
            raise ActionError("NOT_CONNECTED", f"{t}: {self.bot_id} is not connected")
        result = await self._call(link, t, timeout_ms / 1000 if timeout_ms else None, **fields)
        if isinstance(result, str):
            raise ActionError(result, self.last_error)
        return result

    async def recent_worlds(self, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        return (await self._query("recent_worlds", timeout_ms))["worlds"]

    async def active_worlds(self, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        return (await self._query("active_worlds", timeout_ms))["worlds"]

    async def world_info(self, world: str, timeout_ms: int | None = None) -> dict[str, JSON]:
        reply = await self._query("world_info", timeout_ms, world=world)
        return {"name": reply["name"], "player_count": reply["player_count"], "flags": reply["flags"]}

    # -- in-world actions --------------------------------------------------------------------
    def _in_world(self, what: str) -> tuple[SimLink, ClientWorld] | str:
        link = self._need_link()
        if link is None:
            return self._fail("NOT_CONNECTED", f"{what}: {self.bot_id} is not connected")
        if self._world is None or self._status != "in_world":
            return self._fail("NOT_IN_WORLD", f"{what}: {self.bot_id} is not in a world")
        return link, self._world

    async def _step(self, link: SimLink, x: int, y: int) -> str | None:
        """One paced move; the server's refusal reason, or ``None``."""
        loop = asyncio.get_running_loop()
        wait = self._last_move_at + self._move_interval + 0.001 - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        sent = time.perf_counter()
        request = asyncio.ensure_future(link.request("move", self._timeout, x=x, y=y))
        try:
            reply = await asyncio.shield(request)
        except asyncio.CancelledError:
            # let a move in flight be confirmed first, so whoever moves next starts from the
            # tile the server has (a step planned from a stale tile would count as a violation)
            await asyncio.wait([request])
            raise
        self.move_latency_ms.append((time.perf_counter() - sent) * 1000)
        if reply["t"] == "error":
            raise LinkClosed(reply["message"])
        return None if reply["ok"] else reply["reason"]

    def _plan(self, world: ClientWorld, x: int, y: int) -> list[tuple[int, int]] | None:
        if self._pos is None:
            return None
        if not (0 <= x < world.width and 0 <= y < world.height):
            return None
        return find_path(world.passable_grid(), world.width, world.height, self._pos, (x, y))

    async def get_path(self, x: int, y: int) -> list[tuple[int, int]]:
        if self._world is None or self._status != "in_world":
            return []
        return self._plan(self._world, int(x), int(y)) or []

    @property
    def walking(self) -> bool:
        return self._walk_task is not None and not self._walk_task.done()

    def cancel_walk(self) -> bool:
        walk, self._walk_task = self._walk_task, None
        if walk is None or walk.done():
            return False
        walk.cancel()
        return True

    async def walk_to(self, x: int, y: int) -> str | None:
        x, y = _ints("walk_to", x, y)
        state = self._in_world("walk_to")
        if isinstance(state, str):
            return state
        self.cancel_walk()  # the newest walk wins; the older walker gets CANCELLED
        walk = self._walk_task = self._spawn(self._walk(*state, x, y))
        try:
            return await asyncio.shield(walk)
        except asyncio.CancelledError:  # our caller was cancelled: stop the bot, keep cancelling
            walk.cancel()
            raise

    async def _walk(self, link: SimLink, world: ClientWorld, x: int, y: int) -> str | None:
        """The walk itself, in its own task so that :meth:`cancel_walk` ends it with
        ``CANCELLED`` while a cancelled caller still sees ``CancelledError``."""
        try:
            async with self._move_lock:
                for _ in range(WALK_REPLANS):
                    path = self._plan(world, x, y)
                    if path is None:
                        return self._fail("OTHER", f"walk_to: ({x},{y}) is unreachable from {self._pos}")
                    for nx, ny in path:
                        if self._world is not world:
                            return self._fail("NOT_IN_WORLD", "walk_to: left the world")
                        if await self._step(link, nx, ny) is not None:
                            break  # snapped back: plan again from where the server says we are
                    else:
                        return None
                return self._fail("OTHER", f"walk_to: ({x},{y}) kept being blocked")
        except LinkClosed:
            return self._fail("DISCONNECTED", f"walk_to ({x},{y}): connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", f"walk_to ({x},{y}): no answer")
        except asyncio.CancelledError:
            return "CANCELLED"

    async def move(self, dx: int, dy: int) -> str | None:
        dx, dy = _ints("move", dx, dy)
        if abs(dx) + abs(dy) != 1:
            raise InvalidArgument("move", f"a step is one tile up, down, left or right, got ({dx},{dy})")
        state = self._in_world("move")
        if isinstance(state, str):
            return state
        link, world = state
        assert self._pos is not None
        x, y = self._pos[0] + dx, self._pos[1] + dy
        if not world.passable(x, y):
            return self._fail("OTHER", f"move: tile ({x},{y}) is blocked")
        try:
            async with self._move_lock:
                reason = await self._step(link, x, y)
        except LinkClosed:
            return self._fail("DISCONNECTED", "move: connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", "move: no answer")
        return None if reason is None else self._fail("OTHER", f"move: {reason}")

    async def _act(self, what: str, **fields: Any) -> dict | str:
        state = self._in_world(what)
        if isinstance(state, str):
            return state
        return await self._call(state[0], what, **fields)

    async def hit(self, x: int, y: int) -> str | None:
        x, y = _ints("hit", x, y)
        result = await self._act("hit", x=x, y=y)
        return result if isinstance(result, str) else None

    async def place(self, x: int, y: int, block_id: int) -> str | None:
        x, y, block_id = _ints("place", x, y, block_id)
        result = await self._act("place", x=x, y=y, block_id=block_id)
        return result if isinstance(result, str) else None

    async def collect(self, collectable_id: int | None = None) -> int | str:
        fields = {} if collectable_id is None else {"id": _ints("collect", collectable_id)[0]}
        result = await self._act("collect", **fields)
        return result if isinstance(result, str) else len(result["ids"])

    async def say(self, text: str) -> str | None:
        if not isinstance(text, str):
            raise InvalidArgument("say", f"expected a string, got {type(text).__name__}")
        result = await self._act("say", text=text)
        return result if isinstance(result, str) else None

    # -- tutorial ----------------------------------------------------------------------------
    async def tutorial(self, wait: bool = True) -> str | None:
        if self.tutorial_running:
            return self._fail("TUTORIAL_BUSY", "tutorial: already running")
        if self._need_link() is None:
            return self._fail("NOT_CONNECTED", f"tutorial: {self.bot_id} is not connected")
        self.tutorial_running = True
        self._emit("session", {"snapshot": self.snapshot()})
        task = self._spawn(self._tutorial_flow())
        return await task if wait else None

    def _stage(self, stage: str | None) -> None:
        self.tutorial_stage = stage
        if stage:
            self._log(f"tutorial: {stage}")

    async def _tutorial_flow(self) -> str | None:
        try:
            if self._me.get("tutorial_state", 0) < COMPLETED:
                self._stage("joining tutorial")
                err = await self._start_warp(TUTORIAL, wait=True)
                if err is None and self._me.get("tutorial_state") == CHARACTER_CREATION:
                    self._stage("character creation")
                    err = await self._tutorial_step("create_character")
                if err is None and self._me.get("tutorial_state") == TUTORIAL_WORLD:
                    self._stage("spawn pod walk")
                    err = await self._walk_to_pod()
                    if err is None:
                        err = await self._tutorial_step("exit")
                if err is not None:
                    return err
            self._stage("exit to PIXELSTATION")
            return await self._start_warp(HUB, wait=True)
        finally:
            self.tutorial_running = False
            self._stage(None)
            self._emit("session", {"snapshot": self.snapshot()})

    async def _walk_to_pod(self) -> str | None:
        if self._world is None:
            return self._fail("NOT_IN_WORLD", "tutorial: not in the tutorial world")
        pods = self._world.find(catalog.SPAWN_POD)
        if not pods:
            return self._fail("OTHER", "tutorial: no spawn pod in the tutorial world")
        return await self.walk_to(*pods[0])

    async def _tutorial_step(self, step: str) -> str | None:
        result = await self._act("tutorial", step=step)
        return result if isinstance(result, str) else None


def _ints(what: str, *values: Any) -> tuple[int, ...]:
    """Coordinates as ints; ``InvalidArgument`` naming the call for anything else."""
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or int(v) != v:
            raise InvalidArgument(what, f"expected integers, got {v!r}")
        out.append(int(v))
    return tuple(out)
