"""Fixtures of the sim backend tests: real sim servers over TCP and SimBots that record every
event they emit."""

from __future__ import annotations

import asyncio

import pytest
from sim.helpers import make_server  # noqa: F401 (a fixture)

from seraph_kernel.backends.sim import SimBackend, SimBot

FAST = {"timeout_ms": 3000, "ping_interval_ms": 100, "reconnect_initial_ms": 20, "reconnect_max_ms": 100}


class Events:
    """Everything a bot emitted, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict]] = []

    def __call__(self, kind: str, data: dict) -> None:
        self.items.append((kind, data))

    def bot(self, type_: str) -> list[dict]:
        return [d for k, d in self.items if k == "bot" and d["type"] == type_]

    def statuses(self) -> list[str]:
        return [d["status"] for d in self.bot("status")]

    def logs(self) -> list[str]:
        return [d["message"] for k, d in self.items if k == "log"]

    def clear(self) -> None:
        self.items.clear()


async def wait_until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll ``predicate`` until true; ``AssertionError`` naming ``what`` on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


@pytest.fixture
async def server(make_server):  # noqa: F811 (the imported fixture)
    """A server that allows a move every 20 ms, so walks are quick."""
    return await make_server(move_interval_ms=20)


@pytest.fixture
async def make_bot():
    """``make_bot(server, username=None, **settings) -> (bot, events)``, with fast reconnects;
    every bot is closed at the end."""
    bots: list[SimBot] = []

    def make(server, username: str | None = None, address: str | None = None, **settings):
        events = Events()
        backend = SimBackend(address or server.address, **FAST)
        bot = backend.create_bot(f"bot-{len(bots) + 1}", username, settings, events)
        bots.append(bot)
        return bot, events

    yield make
    for bot in bots:
        await bot.close()


@pytest.fixture
async def bot_in(make_bot):
    """``await bot_in(server, world, username=None)``: a connected bot standing in ``world``."""

    async def make(server, world: str = "PIXELSTATION", username: str | None = None):
        bot, events = make_bot(server, username)
        assert await bot.connect() is None
        assert await bot.warp(world) is None, bot.last_error
        return bot, events

    return make
