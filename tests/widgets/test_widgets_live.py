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


async def near_tile(fleet, bot_id, steps=2):
    """A tile ``steps`` tiles' walk away from the bot."""
    here = (await fleet.get_bot(bot_id))["player_position"]
    x0, y0 = round(here["map_x"]), round(here["map_y"])
    for dx in range(-4, 5):
        for dy in range(-4, 5):
            if len(await fleet.get_path(bot_id, x0 + dx, y0 + dy)) == steps:
                return x0 + dx, y0 + dy
    raise AssertionError("no tile nearby")


def pixel(widget, tile):
    image = Image.open(io.BytesIO(widget.value)).convert("RGB")
    return image.getpixel(
        (tile[0] * widget.scale + widget.scale // 2, tile[1] * widget.scale + widget.scale // 2)
    )


async def test_minimap_legend_names_the_blocks_shown_and_the_markers(fleet, in_world):
    widget = await MinimapWidget.create(fleet, in_world)
    legend = {entry["label"]: entry for entry in widget.legend}
    world = await fleet.world(in_world)
    shown = {name for block_id, name in widget.source.names.items() if block_id in set(world.foreground)}
    blocks = {label for label, entry in legend.items() if entry["group"] in ("blocks", "ores")}
    assert blocks == shown - {"EntrancePortal"} | {"EntrancePortal (spawn)"}
    assert {legend[name]["group"] for name in ("GoldOre", "IronOre", "StoneBlock")} == {"ores", "blocks"}
    assert {"drop", "enemy", "other player", "bot-1"} <= set(legend)
    assert legend["bot-1"]["colour"] == "#{:02x}{:02x}{:02x}".format(*pixel(widget, world.spawn))
    assert widget.scale == 6 and (widget.world_width, widget.world_height) == (100, 60)
    widget.close()


async def test_hover_describes_a_tile(fleet, in_world):
    widget = await MinimapWidget.create(fleet, in_world)
    world = await fleet.world(in_world)
    drop = (await fleet.collectables(in_world))[0]
    tile = (int(drop["pos_x"] / 0.32 + 0.5), int(drop["pos_y"] / 0.32 + 0.5))
    widget._on_message(widget, {"type": "hover", "x": tile[0], "y": tile[1]}, [])
    await eventually(lambda: widget.hover.get("x") == tile[0])
    block = widget.source.names[world.foreground[tile[1] * world.width + tile[0]]]
    assert widget.hover["block"] == block and widget.hover["y"] == tile[1]
    assert {"name": "gems", "amount": drop["amount"], "id": drop["id"]} in widget.hover["drops"]
    assert widget.hover["text"].startswith(f"({tile[0]}, {tile[1]}) {block}; drops: ")
    spawn = await widget.hover_tile(*world.spawn)
    assert spawn["spawn"] is True and spawn["bots"] == ["bot-1"] and spawn["block"] == "EntrancePortal"
    assert spawn["text"] == f"({world.spawn[0]}, {world.spawn[1]}) EntrancePortal; spawn; bot: bot-1"
    assert (await widget.hover_tile(500, 3))["text"] == "(500, 3): outside the world"
    widget.close()


async def test_a_click_walks_the_bot_there_and_draws_its_path(fleet, in_world):
    widget = await MinimapWidget.create(fleet, in_world, live=True)
    target = await near_tile(fleet, in_world, steps=3)
    route = await fleet.get_path(in_world, *target)
    shades = []
    widget.observe(lambda change: shades.append(pixel(widget, route[-1])), "value")
    widget._on_message(widget, {"type": "click", "x": target[0], "y": target[1]}, [])
    await eventually(lambda: widget.status == f"bot-1 is at ({target[0]}, {target[1]})", timeout=20)
    snapshot = await fleet.get_bot(in_world)
    assert (
        round(snapshot["player_position"]["map_x"]),
        round(snapshot["player_position"]["map_y"]),
    ) == target
    assert not any(entry["group"] == "paths" for entry in widget.legend)  # the walk is over
    assert "#{:02x}{:02x}{:02x}".format(*shades[0]) == "#bebeff"  # the path was drawn while walking
    assert pixel(widget, target) == (255, 255, 255)
    widget.close()


async def test_a_click_on_an_unreachable_tile_says_why(fleet, in_world):
    widget = await MinimapWidget.create(fleet, in_world)
    assert await widget.walk_to("bot-1", 0, 0) == "OTHER"
    assert widget.status.startswith("walk_to 0 0 (bot-1): OTHER: ")
    assert await widget.walk_to("bot-9", 1, 1) == "OTHER"
    assert widget.status == "bot-9 is not on this map"
    widget.close()


async def test_malformed_messages_from_the_front_end_are_ignored(fleet, in_world):
    widget = await MinimapWidget.create(fleet, in_world)
    here = (await fleet.get_bot(in_world))["player_position"]
    for content in (
        {"type": "click", "x": "1", "y": 2},
        {"type": "click", "x": 1.5, "y": 2},
        ["click"],
        None,
    ):
        widget._on_message(widget, content, [])
    await asyncio.sleep(0.3)
    assert not widget._tasks and widget.status == ""
    widget._on_message(widget, {"type": "click", "x": 10**30, "y": -(10**30)}, [])
    await eventually(lambda: widget.status != "")
    assert widget.status.startswith("x: must be at most") and not widget._tasks
    assert (await fleet.get_bot(in_world))["player_position"] == here
    widget.close()


async def test_several_bots_share_one_map(fleet, in_world):
    await fleet.create_bot()
    assert await fleet.connect("bot-2", wait=True) is None
    widget = await MinimapWidget.create(fleet, ["bot-1", "bot-2"], live=True)
    assert widget.bots == ["bot-1", "bot-2"]
    assert widget.plain_text().endswith(", bot-2 not in a world")
    assert await fleet.warp("bot-2", "MINEWORLD", wait=True) is None
    target = await near_tile(fleet, "bot-2", steps=2)
    assert await widget.walk_to("bot-2", *target) is None
    await eventually(lambda: f"bot-2 at {target}" in widget.plain_text())
    bot_1 = (await fleet.world(in_world)).spawn
    assert widget.plain_text() == f"Minimap of MINEWORLD (100x60): bot-1 at {bot_1}, bot-2 at {target}"
    assert pixel(widget, bot_1) == (255, 255, 255) and pixel(widget, target) == (255, 140, 0)
    labels = [entry["label"] for entry in widget.legend if entry["group"] == "bots"]
    assert labels == ["bot-1", "bot-2"]
    widget.close()
    assert not widget.live.running
