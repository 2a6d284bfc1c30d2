"""Waiting helpers shared by the LocalFleet tests."""

from __future__ import annotations

import asyncio
import time


async def wait_ended(fleet, client_id: str, script_id: str, timeout: float = 10.0) -> dict:
    """The status of a run once it is no longer running."""
    deadline = time.monotonic() + timeout
    while True:
        status = await fleet.status(client_id, script_id)
        if not status["running"]:
            return status
        assert time.monotonic() < deadline, f"{client_id}/{script_id} still running: {status}"
        await asyncio.sleep(0.02)


async def next_event(subscription, match, timeout: float = 10.0):
    """The first event of ``subscription`` for which ``match(event)`` is true."""

    async def scan():
        async for event in subscription:
            if match(event):
                return event
        raise AssertionError("subscription ended")

    return await asyncio.wait_for(scan(), timeout)
