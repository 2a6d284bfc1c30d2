"""The minimap widget (``%minimap``): the bot's world as a palette PNG in an
``ipywidgets.Image``, with the bot, other players, collectables and enemies drawn over it.

``live=True`` redraws on the bot's events and twice a second for silent movers (enemies), at
most 10 frames a second, and sends a frame only when the picture changed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import ipywidgets

from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import Fleet
from seraph_kernel.kernel.widgets.base import SeraphWidgetMixin
from seraph_kernel.kernel.widgets.live import LiveUpdates
from seraph_kernel.kernel.widgets.minimap_render import Markers, palette_for, render_png, scale_for

TILE_WORLD_UNITS = 0.32
MAX_FPS = 10.0
POLL_S = 0.5
LARGE_WORLD_TILES = 250_000
LARGE_WORLD_PLAYERS_S = 2.0
"""Other players come with the whole ``minimap`` payload (every layer); for large worlds it is
fetched at most every 2 s instead of every frame."""


@dataclass(frozen=True)
class Frame:
    """One rendered picture and its description."""

    png: bytes
    width_px: int
    height_px: int
    caption: str


def _tile(position: dict[str, Any] | None) -> tuple[int, int] | None:
    if not position or position.get("map_x") is None:
        return None
    return round(position["map_x"]), round(position["map_y"])


def _bot_event(event: Any) -> bool:
    return event.kind == "bot"


class MinimapSource:
    """Renders frames of one bot's world from the fleet."""

    def __init__(self, fleet: Fleet, bot_id: str, palette: Any) -> None:
        self.fleet = fleet
        self.bot_id = bot_id
        self._palette = palette
        self._players: list[tuple[int, int]] = []
        self._players_at: float | None = None

    @classmethod
    async def create(cls, fleet: Fleet, bot_id: str) -> MinimapSource:
        infos = await fleet.block_infos()
        return cls(fleet, bot_id, palette_for((info["id"], info["name"]) for info in infos))

    async def frame(self) -> Frame | None:
        """The current picture, or ``None`` outside a world."""
        world = await self.fleet.world(self.bot_id)
        if world is None:
            return None
        snapshot = await self.fleet.get_bot(self.bot_id)
        markers = await self._markers(snapshot, world.width * world.height > LARGE_WORLD_TILES)
        png = render_png(world.width, world.height, world.foreground, self._palette, markers)
        scale = scale_for(world.width)
        bot = f" at {markers.bot}" if markers.bot else ""
        caption = f"Minimap of {world.name} ({world.width}x{world.height}): {self.bot_id}{bot}"
        return Frame(png, world.width * scale, world.height * scale, caption)

    async def _markers(self, snapshot: dict[str, Any], large: bool) -> Markers:
        now = asyncio.get_running_loop().time()
        if not large or self._players_at is None or now - self._players_at >= LARGE_WORLD_PLAYERS_S:
            self._players_at = now
            try:
                minimap = await self.fleet.minimap(self.bot_id)
            except SeraphError:
                minimap = {}
            positions = (_tile(player.get("position")) for player in minimap.get("other_players", []))
            self._players = [tile for tile in positions if tile]
        collectables = [
            (int(c["pos_x"] / TILE_WORLD_UNITS + 0.5), int(c["pos_y"] / TILE_WORLD_UNITS + 0.5))
            for c in await self.fleet.collectables(self.bot_id)
        ]
        enemies = [(int(e["x"]), int(e["y"])) for e in await self.fleet.enemies(self.bot_id)]
        return Markers(_tile(snapshot.get("player_position")), list(self._players), collectables, enemies)


class MinimapWidget(SeraphWidgetMixin, ipywidgets.Image):
    """A picture of one bot's world; the first frame travels with the widget's state."""

    def __init__(self, source: MinimapSource, frame: Frame | None, **kwargs: Any) -> None:
        if frame is not None:
            kwargs.update(value=frame.png, width=str(frame.width_px), height=str(frame.height_px))
        super().__init__(format="png", **kwargs)
        self.source = source
        self.caption = frame.caption if frame else f"{source.bot_id}: not in a world"

    @property
    def bot_id(self) -> str:
        return self.source.bot_id

    @classmethod
    async def create(cls, fleet: Fleet, bot_id: str, live: bool = False) -> MinimapWidget:
        source = await MinimapSource.create(fleet, bot_id)
        widget = cls(source, await source.frame())
        if live:
            widget.start_live(LiveUpdates(fleet, bot_id, widget.refresh, _bot_event, MAX_FPS, POLL_S))
        return widget

    async def refresh(self) -> None:
        """Render the current world; a changed picture is one comm message."""
        frame = await self.source.frame()
        if frame is None:
            self.caption = f"{self.bot_id}: not in a world"
            return
        self.caption = frame.caption
        if frame.png != self.value:
            with self.hold_sync():
                self.value = frame.png
                self.width, self.height = str(frame.width_px), str(frame.height_px)

    def plain_text(self) -> str:
        return self.caption
