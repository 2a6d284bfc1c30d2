"""Polling and event-stream helpers of the REST API tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx


def key(bot_id: str, script_id: str) -> dict[str, str]:
    """The ``(client_id, script_id)`` of a run, as the scripts routes take it."""
    return {"client_id": bot_id, "script_id": script_id}


async def wait_snapshot(
    api: httpx.AsyncClient, bot_id: str, match: Callable[[dict[str, Any]], bool], timeout: float = 15.0
) -> dict[str, Any]:
    """The bot's full snapshot once ``match`` holds for it."""
    deadline = time.monotonic() + timeout
    while True:
        response = await api.get(f"api/bots/{bot_id}")
        assert response.status_code == 200, response.text
        snapshot = response.json()
        if match(snapshot):
            return snapshot
        assert time.monotonic() < deadline, f"{bot_id} never matched; last snapshot: {snapshot}"
        await asyncio.sleep(0.05)


async def wait_run_ended(
    api: httpx.AsyncClient, client_id: str, script_id: str, timeout: float = 15.0
) -> dict[str, Any]:
    """The status of a run once it no longer runs."""
    deadline = time.monotonic() + timeout
    params = {"client_id": client_id, "script_id": script_id}
    while True:
        status = (await api.get("api/scripts/status", params=params)).json()
        if not status["running"]:
            return status
        assert time.monotonic() < deadline, f"{client_id}/{script_id} still running: {status}"
        await asyncio.sleep(0.05)


class EventStream:
    """The raw SSE wire of ``GET /api/seraph/events``: frames as ``(event, data)`` and comments."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.comments: list[str] = []
        self._lines = response.aiter_lines()

    async def next_frame(self, timeout: float = 15.0) -> tuple[str, dict[str, Any]]:
        """The next ``event:``/``data:`` frame (comments are collected on the way)."""

        async def read() -> tuple[str, dict[str, Any]]:
            event, data = "message", []
            async for line in self._lines:
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line.startswith("event: "):
                    event = line[len("event: ") :]
                elif line.startswith("data: "):
                    data.append(line[len("data: ") :])
                elif line == "" and data:
                    return event, json.loads("\n".join(data))
            raise AssertionError("event stream ended")

        return await asyncio.wait_for(read(), timeout)

    async def until(
        self, match: Callable[[str, dict[str, Any]], bool], timeout: float = 15.0
    ) -> tuple[str, dict[str, Any]]:
        """The first frame for which ``match(event, data)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            event, data = await self.next_frame(max(deadline - time.monotonic(), 0.01))
            if match(event, data):
                return event, data

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Until the server's ``: connected`` comment (the subscription exists from then on)."""
        deadline = time.monotonic() + timeout
        async for line in self._lines:
            if line == ": connected":
                return
            assert time.monotonic() < deadline
        raise AssertionError("event stream ended before ': connected'")
