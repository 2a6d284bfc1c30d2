"""Waiting helpers shared by the test packages (importable as ``waiting``: pytest puts
``tests/`` on the path for the root conftest)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def wait_ended(fleet: Any, client_id: str, script_id: str, timeout: float = 20.0) -> dict[str, Any]:
    """The status of a run once it is no longer running (any Fleet, local or remote)."""
    deadline = time.monotonic() + timeout
    while True:
        status = await fleet.status(client_id, script_id)
        if not status["running"]:
            return status
        assert time.monotonic() < deadline, f"{client_id}/{script_id} still running: {status}"
        await asyncio.sleep(0.01)


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll an async ``predicate()`` until it is true."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def next_event(subscription: Any, match: Callable[[Any], bool], timeout: float = 10.0) -> Any:
    """The first event of a fleet subscription for which ``match(event)`` is true."""

    async def scan() -> Any:
        async for event in subscription:
            if match(event):
                return event
        raise AssertionError("subscription ended")

    return await asyncio.wait_for(scan(), timeout)
