"""Widgets over a real LocalFleet and sim world: deterministic text, live updates, throttling,
and no updates after close."""

from __future__ import annotations

import asyncio
import io
import itertools

from PIL import Image

from seraph_kernel.fleet.base import FleetEvent
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.kernel.widgets.fleet_table import FleetTable
from seraph_kernel.kernel.widgets.live import LiveUpdates
from seraph_kernel.kernel.widgets.minimap import MinimapWidget
from seraph_kernel.kernel.widgets.snapshot import SnapshotWidget


async def eventually(check, timeout=10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_fleet_table_lists_bots_and_follows_them(fleet):
    table = await FleetTable.create(fleet)
    try:
        assert table.plain_text() == "no bots (%create_bot makes one)"
        await fleet.create_bot()
        await eventually(lambda: "bot-1" in table.plain_text())
        assert table.plain_text().splitlines()[1].split() == ["bot-1", "disconnected", "-", "-"]
        await fleet.connect("bot-1", wait=True)
        await eventually(lambda: "menu_ready" in table.plain_text())
        assert "menu_ready" in table.value
        assert table._repr_mimebundle_()["text/plain"] == table.plain_text()
    finally:
        table.close()


async def test_snapshot_widget_follows_the_bot(fleet):
    await fleet.create_bot()
    widget = await SnapshotWidget.create(fleet, "bot-1")
    try:
        assert "status: disconnected" in widget.plain_text()
        await fleet.connect("bot-1", wait=True)
        await fleet.warp("bot-1", "MINEWORLD", wait=True)
        await eventually(lambda: "world: MINEWORLD" in widget.plain_text())
        assert "status: in_world" in widget.plain_text()
        assert "MINEWORLD" in widget.value
    finally:
        widget.close()


async def test_minimap_shows_the_world_and_stops_when_closed(fleet, in_world):
    widget = await MinimapWidget.create(fleet, in_world, live=True)
    image = Image.open(io.BytesIO(widget.value))
    assert image.size == (600, 360)
    assert widget.plain_text().startswith("Minimap of MINEWORLD (100x60): bot-1 at (")
    widget.close()
    assert not widget.live.running
    frames = widget.live.frames
    await fleet.say(in_world, "hello")
    await asyncio.sleep(0.3)
    assert widget.live.frames == frames


async def test_minimap_outside_a_world_says_so(fleet):
    await fleet.create_bot()
    widget = await MinimapWidget.create(fleet, "bot-1")
    assert widget.plain_text() == "bot-1: not in a world"
    assert widget.value == b""


async def test_live_updates_coalesce_a_burst_of_events():
    """100 events in a burst give a handful of redraws, at most ``max_fps`` a second. The
    fleet's own event bus carries them (a chat burst would get a sim bot kicked for spam)."""
    bus = EventBus()
    bus.bind()
    refreshed = []

    async def refresh():
        refreshed.append(asyncio.get_running_loop().time())

    live = LiveUpdates(bus, "bot-1", refresh, lambda event: event.kind == "bot", max_fps=5)
    live.start()
    try:
        started = asyncio.get_running_loop().time()
        for index in range(100):
            bus.publish(FleetEvent("bot", "bot-1", {"type": "position", "n": index}))
            await asyncio.sleep(0.005)
        bus.publish(FleetEvent("log", "bot-1", {"message": "ignored"}))
        await asyncio.sleep(0.3)
        elapsed = asyncio.get_running_loop().time() - started
        assert 2 <= len(refreshed) <= int(elapsed * 5) + 1
        gaps = [b - a for a, b in itertools.pairwise(refreshed)]
        assert all(gap >= 0.19 for gap in gaps)
    finally:
        live.stop()
    assert not live.running
