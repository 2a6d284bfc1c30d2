"""The minimap widget (``%minimap``): the bot's world as a palette PNG in an
``ipywidgets.Image``, with the bot, other players, collectables and enemies drawn over it.

``live=True`` redraws on the bot's events and twice a second for silent movers (enemies), at
most 10 frames a second, and sends a frame only when the picture changed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ipywidgets

from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import Fleet
from seraph_kernel.widgets.base import SeraphWidgetMixin
from seraph_kernel.widgets.live import LiveUpdates
from seraph_kernel.widgets.minimap_render import Markers, Palette, palette_for, render_png, scale_for

TILE_WORLD_UNITS = 0.32
MAX_FPS = 10.0
POLL_S = 0.5
LARGE_WORLD_TILES = 250_000
LARGE_WORLD_PLAYERS_S = 2.0
"""Other players come with the whole ``minimap`` payload (every layer); for large worlds it is
fetched at most every 2 s instead of every frame."""


def _tile(position: dict[str, Any] | None) -> tuple[int, int] | None:
    if not position or position.get("map_x") is None:
        return None
    return round(position["map_x"]), round(position["map_y"])


class MinimapWidget(SeraphWidgetMixin, ipywidgets.Image):
    """A picture of one bot's world."""

    def __init__(self, fleet: Fleet, bot_id: str, palette: Palette, **kwargs: Any) -> None:
        super().__init__(format="png", **kwargs)
        self._fleet = fleet
        self._palette = palette
        self.bot_id = bot_id
        self.caption = f"{bot_id}: not in a world"
        self._players: list[tuple[int, int]] = []
        self._players_at: float | None = None

    @classmethod
    async def create(cls, fleet: Fleet, bot_id: str, live: bool = False) -> MinimapWidget:
        infos = await fleet.block_infos()
        widget = cls(fleet, bot_id, palette_for((info["id"], info["name"]) for info in infos))
        await widget.refresh()
        if live:
            widget.start_live(
                LiveUpdates(fleet, bot_id, widget.refresh, lambda e: e.kind == "bot", MAX_FPS, POLL_S)
            )
        return widget

    async def refresh(self) -> None:
        """Render the current world; assign only a changed picture (one comm message)."""
        world = await self._fleet.world(self.bot_id)
        if world is None:
            self.caption = f"{self.bot_id}: not in a world"
            return
        snapshot = await self._fleet.get_bot(self.bot_id)
        markers = await self._markers(snapshot, world.width * world.height > LARGE_WORLD_TILES)
        png = render_png(world.width, world.height, world.foreground, self._palette, markers)
        scale = scale_for(world.width)
        bot = f" at {markers.bot}" if markers.bot else ""
        self.caption = f"Minimap of {world.name} ({world.width}x{world.height}): {self.bot_id}{bot}"
        if png != self.value:
            self.value = png
            self.width, self.height = str(world.width * scale), str(world.height * scale)

    async def _markers(self, snapshot: dict[str, Any], large: bool) -> Markers:
        now = asyncio.get_running_loop().time()
        if not large or self._players_at is None or now - self._players_at >= LARGE_WORLD_PLAYERS_S:
            self._players_at = now
            try:
                minimap = await self._fleet.minimap(self.bot_id)
            except SeraphError:
                minimap = {}
            self._players = [
                tile for tile in (_tile(p.get("position")) for p in minimap.get("other_players", [])) if tile
            ]
        collectables = [
            (int(c["pos_x"] / TILE_WORLD_UNITS + 0.5), int(c["pos_y"] / TILE_WORLD_UNITS + 0.5))
            for c in await self._fleet.collectables(self.bot_id)
        ]
        enemies = [(int(e["x"]), int(e["y"])) for e in await self._fleet.enemies(self.bot_id)]
        return Markers(_tile(snapshot.get("player_position")), list(self._players), collectables, enemies)

    def plain_text(self) -> str:
        return self.caption
