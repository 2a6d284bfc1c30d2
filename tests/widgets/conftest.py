"""Widget tests use the shared ``fleet`` (a LocalFleet on the real sim server)."""

from __future__ import annotations

import pytest


@pytest.fixture
async def in_world(fleet):
    """``bot-1`` standing in MINEWORLD."""
    await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    assert await fleet.warp("bot-1", "MINEWORLD", wait=True) is None
    return "bot-1"
