"""Fixtures of the sim server tests: servers with test-friendly options and raw protocol
clients (the sim client's own :class:`SimLink`) that speak frames to them over TCP."""

from __future__ import annotations

import pytest

from seraph_kernel.sim.server import SimWorldServer

from .helpers import RawClient, make_server  # noqa: F401 (a fixture)


@pytest.fixture
async def fast_server(make_server):  # noqa: F811 (the imported fixture)
    """Moves allowed every 20 ms so walks in tests are quick."""
    return await make_server(move_interval_ms=20)


@pytest.fixture
async def connect():
    """``await connect(server, username, host=None)``: a RawClient authenticated on the entry
    host (or on ``host``); every client is closed at the end."""
    clients: list[RawClient] = []

    async def make(server: SimWorldServer, username: str | None = None, host: str | None = None) -> RawClient:
        client = RawClient()
        clients.append(client)
        await client.open(server.hosts[host] if host else server.hosts[server.host_names[0]])
        if username is not None:
            reply = await client.req("hello", username=username, device_id="dev")
            assert reply["t"] == "auth_ok", reply
        return client

    yield make
    for client in clients:
        await client.link.close()
