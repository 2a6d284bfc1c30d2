"""A raw protocol client for the sim server tests (the sim client's own SimLink underneath)."""

from __future__ import annotations

import asyncio

from seraph_kernel.backends.sim_link import SimLink
from seraph_kernel.sim.server import SimWorldServer


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
