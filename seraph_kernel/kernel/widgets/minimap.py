"""The minimap widget (``%minimap``): one or several bots' world as a palette PNG, with a
legend, zoom and pan, a tile read-out on hover, and a click that walks a bot there.

The kernel draws the picture (:mod:`minimap_render`: the tiles at a few pixels each, every
marker on top) and the front end (``static/minimap.js``, an anywidget ESM module) shows it on
a canvas, zooms and pans it, and maps the pointer back to a tile with the picture's ``scale``.
Hover and click travel to the kernel as small messages (``{"type": "hover"|"click", "x", "y",
"bot"}``); the kernel answers a hover with the ``hover`` trait (block, coordinates, drops, who
stands there) and walks the bot on a click through the fleet, as ``%walk_to`` does.

``live=True`` redraws on the bots' events and twice a second for silent movers (enemies), at
most 10 frames a second, sends a frame only when the picture changed, and stops when the
widget is closed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from seraph_kernel.commands import action_error
from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import Fleet, FleetEvent, WorldView
from seraph_kernel.kernel.widgets.base import SeraphWidgetMixin
from seraph_kernel.kernel.widgets.live import LiveUpdates
from seraph_kernel.kernel.widgets.minimap_render import (
    BotMarker,
    Markers,
    legend_for,
    palette_for,
    render_png,
    scale_for,
)
from seraph_kernel.kernel.widgets.text import position_text

TILE_WORLD_UNITS = 0.32
MAX_FPS = 10.0
POLL_S = 0.5
LARGE_WORLD_TILES = 250_000
LARGE_WORLD_PLAYERS_S = 2.0
"""Other players come with the whole ``minimap`` payload (every layer); for large worlds it is
fetched at most every 2 s instead of every frame."""
STATIC = Path(__file__).with_name("static")


@dataclass(frozen=True)
class Frame:
    """One rendered picture and its description."""

    png: bytes
    width_px: int
    height_px: int
    caption: str
    scale: int = 1
    world_size: tuple[int, int] = (0, 0)
    legend: list[dict[str, str]] = field(default_factory=list)


def _tile(position: dict[str, Any] | None) -> tuple[int, int] | None:
    if not position or position.get("map_x") is None:
        return None
    return round(position["map_x"]), round(position["map_y"])


def _drop_tile(collectable: dict[str, Any]) -> tuple[int, int]:
    return (
        int(collectable["pos_x"] / TILE_WORLD_UNITS + 0.5),
        int(collectable["pos_y"] / TILE_WORLD_UNITS + 0.5),
    )


def _remaining(route: list[tuple[int, int]], here: tuple[int, int] | None) -> list[tuple[int, int]]:
    """The tiles of ``route`` after ``here`` (all of it before the bot reached the route)."""
    return route[route.index(here) + 1 :] if here in route else list(route)


class MinimapSource:
    """Renders frames of the first bot's world, with every listed bot that stands in it, and
    describes its tiles. ``routes`` holds the walks the map started, drawn until they end."""

    def __init__(self, fleet: Fleet, bot_ids: list[str], blocks: list[dict[str, Any]]) -> None:
        self.fleet = fleet
        self.bot_ids = bot_ids
        self.names: dict[int, str] = {int(info["id"]): str(info["name"]) for info in blocks}
        self._palette = palette_for(self.names.items())
        self.routes: dict[str, list[tuple[int, int]]] = {}
        self._players: list[tuple[int, int]] = []
        self._players_at: float | None = None
        self._world: WorldView | None = None

    @property
    def bot_id(self) -> str:
        """The map's own bot: the world shown is this bot's."""
        return self.bot_ids[0]

    @classmethod
    async def create(cls, fleet: Fleet, bot_ids: list[str]) -> MinimapSource:
        return cls(fleet, list(bot_ids), await fleet.block_infos())

    def block_name(self, block_id: int) -> str:
        return self.names.get(block_id, f"block {block_id}")

    async def frame(self) -> Frame | None:
        """The current picture, or ``None`` when the map's bot is outside a world."""
        world = self._world = await self.fleet.world(self.bot_id)
        if world is None:
            return None
        snapshots = [await self.fleet.get_bot(bot_id) for bot_id in self.bot_ids]
        here = [
            _tile(s.get("player_position")) if s.get("current_world") == world.name else None
            for s in snapshots
        ]
        bots = [
            BotMarker(tile, _remaining(self.routes.get(bot_id, []), tile))
            for bot_id, tile in zip(self.bot_ids, here, strict=True)
        ]
        own_users = {s.get("user_id") for s in snapshots}
        large = world.width * world.height > LARGE_WORLD_TILES
        players = await self._other_players(own_users, large)
        markers = Markers(bots, players, *await self._drops_and_enemies())
        png = render_png(world.width, world.height, world.foreground, self._palette, markers)
        scale = scale_for(world.width)
        legend = legend_for(self._blocks_shown(world), self.bot_ids, [bool(bot.path) for bot in bots])
        places = [
            self._where(bot_id, snapshot, tile)
            for bot_id, snapshot, tile in zip(self.bot_ids, snapshots, here, strict=True)
        ]
        caption = f"Minimap of {world.name} ({world.width}x{world.height}): " + ", ".join(places)
        size = (world.width, world.height)
        return Frame(png, world.width * scale, world.height * scale, caption, scale, size, legend)

    @staticmethod
    def _where(bot_id: str, snapshot: dict[str, Any], tile: tuple[int, int] | None) -> str:
        if tile:
            return f"{bot_id} at {tile}"
        if snapshot.get("current_world"):
            return f"{bot_id} in {snapshot['current_world']}"
        return f"{bot_id} not in a world"

    def _blocks_shown(self, world: WorldView) -> list[tuple[int, str]]:
        """The blocks of the foreground, the spawn's named so (the bot starts on it)."""
        counts = np.bincount(np.asarray(world.foreground, dtype=np.uint16))
        spawn = int(world.foreground[world.spawn[1] * world.width + world.spawn[0]])
        return [
            (int(i), self.block_name(int(i)) + (" (spawn)" if i == spawn else ""))
            for i in np.flatnonzero(counts)
            if int(i) in self.names
        ]

    async def _other_players(self, own_users: set[Any], large: bool) -> list[tuple[int, int]]:
        now = asyncio.get_running_loop().time()
        if not large or self._players_at is None or now - self._players_at >= LARGE_WORLD_PLAYERS_S:
            self._players_at = now
            try:
                minimap = await self.fleet.minimap(self.bot_id)
            except SeraphError:
                minimap = {}
            rows = [p for p in minimap.get("other_players", []) if p.get("user_id") not in own_users]
            self._players = [tile for tile in (_tile(p.get("position")) for p in rows) if tile]
        return list(self._players)

    async def _drops_and_enemies(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        drops = [_drop_tile(c) for c in await self.fleet.collectables(self.bot_id)]
        enemies = [(int(e["x"]), int(e["y"])) for e in await self.fleet.enemies(self.bot_id)]
        return drops, enemies

    async def tile_info(self, x: int, y: int) -> dict[str, Any]:
        """What a hover shows: the tile's block and background, its coordinates, the drops
        lying there, and the enemies and bots on it; ``text`` says it in one line. The tiles are
        the picture's (the last frame's world)."""
        world = self._world or await self.fleet.world(self.bot_id)
        info: dict[str, Any] = {"x": x, "y": y}
        if world is None or not (0 <= x < world.width and 0 <= y < world.height):
            return {**info, "text": f"({x}, {y}): outside the world"}
        block_id = int(world.foreground[y * world.width + x])
        background_id = int(world.background[y * world.width + x])
        drops = [
            {"name": self._drop_name(c), "amount": int(c.get("amount", 1)), "id": c.get("id")}
            for c in await self.fleet.collectables(self.bot_id)
            if _drop_tile(c) == (x, y)
        ]
        enemies = [
            str(e.get("ai_kind")) for e in await self.fleet.enemies(self.bot_id) if (e["x"], e["y"]) == (x, y)
        ]
        bots = [
            bot_id
            for bot_id in self.bot_ids
            if _tile((await self.fleet.get_bot(bot_id)).get("player_position")) == (x, y)
        ]
        info.update(
            block=self.block_name(block_id),
            block_id=block_id,
            background=self.block_name(background_id) if background_id else None,
            drops=drops,
            enemies=enemies,
            bots=bots,
            spawn=(x, y) == tuple(world.spawn),
        )
        parts = [f"({x}, {y}) {info['block']}"]
        if info["spawn"]:
            parts.append("spawn")
        if drops:
            parts.append("drops: " + ", ".join(f"{d['name']} x{d['amount']}" for d in drops))
        parts += [f"enemy: {kind}" for kind in enemies] + [f"bot: {bot_id}" for bot_id in bots]
        info["text"] = "; ".join(parts)
        return info

    def _drop_name(self, collectable: dict[str, Any]) -> str:
        if collectable.get("is_gem"):
            return "gems"
        return self.block_name(int(collectable.get("block_type", 0)))


def _frame_state(frame: Frame | None, bot_id: str) -> dict[str, Any]:
    """The widget's traits showing ``frame`` (only the caption outside a world)."""
    if frame is None:
        return {"caption": f"{bot_id}: not in a world"}
    width, height = frame.world_size
    return {
        "value": frame.png,
        "width_px": frame.width_px,
        "height_px": frame.height_px,
        "scale": frame.scale,
        "world_width": width,
        "world_height": height,
        "caption": frame.caption,
        "legend": frame.legend,
    }


def _bot_event(bot_ids: list[str]) -> Any:
    def wants(event: FleetEvent) -> bool:
        return event.kind == "bot" and event.client_id in bot_ids

    return wants


class MinimapWidget(SeraphWidgetMixin, anywidget.AnyWidget):
    """A map of one or several bots' world; the first frame travels with the widget's state."""

    _esm = STATIC / "minimap.js"
    _css = STATIC / "minimap.css"
    value = traitlets.Bytes(b"").tag(sync=True)
    width_px = traitlets.Int(0).tag(sync=True)
    height_px = traitlets.Int(0).tag(sync=True)
    scale = traitlets.Int(1).tag(sync=True)
    world_width = traitlets.Int(0).tag(sync=True)
    world_height = traitlets.Int(0).tag(sync=True)
    legend = traitlets.List(traitlets.Dict()).tag(sync=True)
    bots = traitlets.List(traitlets.Unicode()).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    hover = traitlets.Dict().tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    def __init__(self, source: MinimapSource, frame: Frame | None, **kwargs: Any) -> None:
        kwargs.update(_frame_state(frame, source.bot_id), bots=list(source.bot_ids))
        super().__init__(**kwargs)
        self.source = source
        self._tasks: set[asyncio.Future[Any]] = set()
        self._walks: dict[str, int] = {}
        self._drawing = asyncio.Lock()
        self.on_msg(self._on_message)

    @property
    def bot_id(self) -> str:
        return self.source.bot_id

    @classmethod
    async def create(cls, fleet: Fleet, bot_ids: str | list[str], live: bool = False) -> MinimapWidget:
        """A map of ``bot_ids`` (the first one's world); ``live`` keeps it moving."""
        ids = [bot_ids] if isinstance(bot_ids, str) else list(dict.fromkeys(bot_ids))
        source = await MinimapSource.create(fleet, ids)
        widget = cls(source, await source.frame())
        if live:
            client_id = ids[0] if len(ids) == 1 else None
            updates = LiveUpdates(fleet, client_id, widget.refresh, _bot_event(ids), MAX_FPS, POLL_S)
            widget.start_live(updates)
        return widget

    async def refresh(self) -> None:
        """Render the current world; a changed picture is one comm message. One frame at a
        time: a slower frame begun before a walk ended must not be shown after the newer one."""
        async with self._drawing:
            self._show(await self.source.frame())

    def _show(self, frame: Frame | None) -> None:
        state = _frame_state(frame, self.bot_id)
        if frame is not None and frame.png == self.value:
            state = {"caption": frame.caption, "legend": frame.legend}
        with self.hold_sync():
            for name, value in state.items():
                setattr(self, name, value)

    async def hover_tile(self, x: int, y: int) -> dict[str, Any]:
        """Describe a tile in the ``hover`` trait (the front end shows its ``text``)."""
        self.hover = await self.source.tile_info(x, y)
        return self.hover

    async def walk_to(self, bot_id: str, x: int, y: int) -> str | None:
        """Walk ``bot_id`` (one of the map's bots) to a tile, drawing its path meanwhile, as
        ``%walk_to`` does; ``status`` says how it went, with the error code's meaning."""
        if bot_id not in self.source.bot_ids:
            self.status = f"{bot_id} is not on this map"
            return "OTHER"
        walk = self._walks[bot_id] = self._walks.get(bot_id, 0) + 1
        fleet = self.source.fleet
        self.source.routes[bot_id] = await fleet.get_path(bot_id, x, y)
        self.status = f"{bot_id} walking to ({x}, {y}): {len(self.source.routes[bot_id])} tiles"
        await self.refresh()
        try:
            code = await fleet.walk_to(bot_id, x, y)
        finally:
            if self._walks.get(bot_id) == walk:
                self.source.routes.pop(bot_id, None)
        if self._walks.get(bot_id) != walk:
            return code  # a newer click replaced this walk: its status is the one to show
        await self.refresh()  # the picture without the path first, then the line that says so
        if code:
            self.status = f"walk_to {x} {y} ({bot_id}): {action_error(code)}"
        else:
            self.status = (
                f"{bot_id} is at {position_text((await fleet.get_bot(bot_id)).get('player_position'))}"
            )
        return code

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        """Messages from the front end; anything malformed is ignored (it is not trusted)."""
        if not isinstance(content, dict):
            return
        x, y = content.get("x"), content.get("y")
        if type(x) is not int or type(y) is not int:
            return
        if content.get("type") == "hover":
            self._spawn(self.hover_tile(x, y))
        elif content.get("type") == "click":
            bot = content.get("bot")
            self._spawn(self.walk_to(bot if isinstance(bot, str) else self.bot_id, x, y))

    def _spawn(self, work: Any) -> None:
        """Run a message's work beside the kernel's. Closing the map does not stop a walk it
        started (the bot finishes it); a closed widget's trait changes go nowhere."""
        task = asyncio.ensure_future(self._quietly(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _quietly(self, work: Any) -> None:
        try:
            await work
        except SeraphError as err:
            self.status = str(err)

    def plain_text(self) -> str:
        return self.caption
