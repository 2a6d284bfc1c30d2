"""Shared by the sim server and sim backend tests: the ``make_server`` fixture and a raw
protocol client (the sim client's own SimLink underneath)."""

from __future__ import annotations

import asyncio

import pytest

from seraph_kernel.backends.sim.link import SimLink
from seraph_kernel.sim.server import SimWorldServer

SEED = 42


class RawClient:
    """A protocol-level client: requests with replies, and every frame it received."""

    def __init__(self) -> None:
        self.frames: list[dict] = []
        self.link = SimLink(self.frames.append, lambda _link: None)

    async def open(self, address: tuple[str, int]) -> RawClient:
        await self.link.open(*address)
        return self

    async def req(self, t: str, **fields) -> dict:
        return await self.link.request(t, 5.0, **fields)

    def send(self, t: str, **fields) -> None:
        self.link.send(t, **fields)

    def pushes(self, t: str) -> list[dict]:
        return [f for f in self.frames if f["t"] == t and f.get("rid") is None]

    async def wait_push(self, t: str, timeout: float = 5.0, **match) -> dict:
        async def scan() -> dict:
            while True:
                for f in self.pushes(t):
                    if all(f.get(k) == v for k, v in match.items()):
                        return f
                await asyncio.sleep(0.005)

        return await asyncio.wait_for(scan(), timeout)

    async def wait_closed(self, timeout: float = 5.0) -> None:
        async def closed() -> None:
            while not self.link.closed:
                await asyncio.sleep(0.005)

        await asyncio.wait_for(closed(), timeout)


async def join(client: RawClient, server: SimWorldServer, world: str) -> dict:
    """Join ``world`` on the host it lives on (the client must be connected there)."""
    reply = await client.req("join", world=world)
    assert reply["t"] == "world", reply
    spawned = await client.req("ready")
    assert spawned["t"] == "spawned"
    return reply


@pytest.fixture
async def make_server():
    """``await make_server(**options)``: a started SimWorldServer (seed 42), stopped at the end."""
    servers: list[SimWorldServer] = []

    async def make(**options) -> SimWorldServer:
        server = SimWorldServer(**{"seed": SEED, **options})
        servers.append(server)
        await server.start()
        return server

    yield make
    for server in servers:
        await server.stop()
