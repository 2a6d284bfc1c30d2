"""``SimWorldServer``: the simulated world's hosts, worlds, accounts and tick.

Each simulated host (``game-lava.sim``, ``game-ice.sim``…) is its own listening socket on
loopback; the first one is the entry host clients connect to (``server.address``). Every world
lives on one host, picked by ``crc32(name) % len(hosts)``; joining it elsewhere answers a
redirect. Lobby hosts (``lobby-eu.sim``, ``lobby-us.sim``) host no world: a client picks one
with ``setSubserver`` and logs in there, and every join redirects it to the world's host. One
asyncio tick (``tick_hz``) moves enemies and batches position updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import zlib
from collections import deque
from typing import Any

from seraph_kernel.sim.accounts import Accounts
from seraph_kernel.sim.admin import Admin
from seraph_kernel.sim.connection import ClientConnection
from seraph_kernel.sim.world import World
from seraph_kernel.sim.worldgen import FULL_PREFIX, generate

DEFAULT_HOSTS = ("game-lava.sim", "game-ice.sim")
DEFAULT_LOBBIES = ("lobby-eu.sim", "lobby-us.sim")


class SimWorldServer:
    def __init__(
        self,
        seed: int = 42,
        host: str = "127.0.0.1",
        port: int = 0,
        hosts: tuple[str, ...] = DEFAULT_HOSTS,
        world_cap: int = 50,
        ban_list: tuple[str, ...] | list[str] = (),
        move_interval_ms: int = 250,
        tick_hz: float = 10.0,
        violation_limit: tuple[int, float] = (5, 10.0),
        chat_limit: tuple[int, float] = (5, 5.0),
        admin_token: str | None = None,
        world_size: tuple[int, int] | None = None,
        lobbies: tuple[str, ...] = DEFAULT_LOBBIES,
    ) -> None:
        """``port`` is the entry host's port (0: ephemeral); the other hosts, then the lobbies,
        take ``port + i`` when ``port`` is given, else ephemeral ports."""
        if not hosts:
            raise ValueError("SimWorldServer: at least one host is needed")
        self.seed = seed
        self.bind = host
        self.port = port
        self.host_names = tuple(hosts)
        self.lobby_names = tuple(name for name in lobbies if name not in self.host_names)
        self.world_cap = world_cap
        self.banned: set[str] = set(ban_list)
        self.move_interval_ms = move_interval_ms
        self.tick_hz = tick_hz
        self.violation_limit = violation_limit
        self.chat_limit = chat_limit
        self.admin_token = admin_token or secrets.token_hex(16)
        self.world_size = world_size
        self.hosts: dict[str, tuple[str, int]] = {}
        self.accounts = Accounts(seed)
        self.worlds: dict[str, World] = {}
        self.sessions: dict[str, ClientConnection] = {}
        self.connections: set[ClientConnection] = set()
        self.tick_durations: deque[float] = deque(maxlen=100_000)
        self.paused = False
        self.admin = Admin(self)
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task] = set()
        self._tick_task: asyncio.Task | None = None

    @property
    def address(self) -> str:
        """``"127.0.0.1:<port>"`` of the entry host."""
        ip, port = self.hosts[self.host_names[0]]
        return f"{ip}:{port}"

    async def start(self) -> None:
        """Listen on every host (``OSError`` if a port is taken: nothing is left open)."""
        try:
            for i, name in enumerate(self.host_names + self.lobby_names):
                port = self.port + i if self.port else 0
                srv = await asyncio.start_server(
                    lambda r, w, name=name: self._accept(name, r, w), self.bind, port, limit=2**20
                )
                self._servers.append(srv)
                self.hosts[name] = (self.bind, srv.sockets[0].getsockname()[1])
        except OSError:
            for srv in self._servers:
                srv.close()
            self._servers.clear()
            raise
        self._tick_task = asyncio.get_running_loop().create_task(self._tick_loop())

    async def stop(self) -> None:
        """Close the listeners and every connection; wait for their handlers."""
        for srv in self._servers:
            srv.close()
        for conn in list(self.connections):
            conn.close()
        if self._tick_task is not None:
            self._tick_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tick_task
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for srv in self._servers:
            await srv.wait_closed()
        self._servers.clear()

    async def __aenter__(self) -> SimWorldServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- connections -----------------------------------------------------------------------
    async def _accept(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.paused:
            writer.close()
            return
        conn = ClientConnection(self, host, reader, writer)
        self.connections.add(conn)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await conn.run()
        finally:
            self.connections.discard(conn)
            if task is not None:
                self._tasks.discard(task)

    def release(self, conn: ClientConnection) -> None:
        """Forget ``conn`` as its account's live session."""
        if conn.account is not None and self.sessions.get(conn.account.username) is conn:
            del self.sessions[conn.account.username]

    # -- worlds ----------------------------------------------------------------------------
    def host_of(self, world: str) -> str:
        """The host a (normalised) world name lives on."""
        return self.host_names[zlib.crc32(world.encode()) % len(self.host_names)]

    def world(self, name: str) -> World:
        """The live world ``name`` (normalised), generated on first use."""
        world = self.worlds.get(name)
        if world is None:
            gen = generate(self.seed, name, self.world_size)
            cap = 0 if name.startswith(FULL_PREFIX) else self.world_cap
            world = self.worlds[name] = World(self.seed, gen, self.host_of(name), cap)
        return world

    def active_worlds(self) -> list[dict[str, Any]]:
        """``[{name, count}]`` of worlds with players, most populated first."""
        rows = [{"name": w.name, "count": len(w.players)} for w in self.worlds.values() if w.players]
        return sorted(rows, key=lambda r: (-r["count"], r["name"]))

    # -- tick ------------------------------------------------------------------------------
    async def _tick_loop(self) -> None:
        period = 1.0 / self.tick_hz
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += period
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            started = time.perf_counter()
            for world in list(self.worlds.values()):
                world.tick()
            self.tick_durations.append(time.perf_counter() - started)
            if loop.time() > next_at + period:
                next_at = loop.time()  # fell behind: do not burst to catch up
