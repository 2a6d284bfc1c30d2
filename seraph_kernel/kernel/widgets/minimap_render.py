"""Drawing a world as a palette PNG: no per-pixel Python.

The foreground layer (``array('H')`` or any sequence of tile ids) becomes palette indexes with
one ``bytes.translate`` over the low bytes (every catalog id of a world layer is below 232;
other ids are painted with the "unknown" colour through a mask), then
``Image.frombytes('P', ...)``. The PNG uses zlib's RLE strategy, which suits tile maps: a
1000×1000 world encodes in ~6 ms.

Palette indexes 232..255 are markers: one colour per bot (up to 8, then they repeat) and a
lighter one for its path, then drops, enemies, players and outlines. :func:`legend_for` names
every colour the picture uses, so the legend and the pixels cannot disagree.
"""

from __future__ import annotations

import io
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw

TARGET_WIDTH_PX = 640
MAX_SCALE = 8
AIR = 0
FIRST_MARKER_INDEX = 232
BOT_COLOURS = (
    (255, 255, 255),
    (255, 140, 0),
    (150, 255, 0),
    (0, 150, 255),
    (255, 255, 110),
    (190, 120, 255),
    (0, 255, 170),
    (255, 100, 140),
)
"""One colour per bot of a map (the first is the ``%use`` bot's); a bot is a square larger
than its tile with a black outline."""
PATH_COLOURS = (
    (190, 190, 255),
    (255, 200, 130),
    (200, 255, 140),
    (140, 200, 255),
    (255, 255, 190),
    (220, 190, 255),
    (150, 255, 215),
    (255, 170, 195),
)
"""A bot's path (the tiles it still has to walk) is small dots of a lighter shade."""
BOT_INDEXES = tuple(range(232, 240))
PATH_INDEXES = tuple(range(240, 248))
UNKNOWN_INDEX = 249
COLLECTABLE_INDEX, ENEMY_INDEX, PLAYER_INDEX, OUTLINE_INDEX = 250, 251, 252, 254
BOT_INDEX = BOT_INDEXES[0]
_NONZERO = bytes([0] + [255] * 255)
MARKER_COLOURS = {
    UNKNOWN_INDEX: (255, 0, 128),
    COLLECTABLE_INDEX: (0, 255, 255),
    ENEMY_INDEX: (255, 30, 30),
    PLAYER_INDEX: (255, 90, 255),
    OUTLINE_INDEX: (0, 0, 0),
    **dict(zip(BOT_INDEXES, BOT_COLOURS, strict=True)),
    **dict(zip(PATH_INDEXES, PATH_COLOURS, strict=True)),
}
"""Markers use colours no block has, each with a black outline, so they stand out of the map."""
_NAMED_COLOURS = (
    ("air", (24, 28, 48)),
    ("bedrock", (20, 20, 20)),
    ("soil", (121, 85, 58)),
    ("dirt", (121, 85, 58)),
    ("granite", (96, 96, 104)),
    ("stone", (128, 128, 136)),
    ("sand", (222, 200, 130)),
    ("ice", (170, 220, 245)),
    ("grass", (80, 170, 70)),
    ("lava", (200, 70, 30)),
    ("platform", (170, 120, 70)),
    ("ladder", (190, 140, 80)),
    ("door", (150, 90, 200)),
    ("entrance", (100, 70, 220)),
    ("spawnpod", (60, 170, 170)),
    ("sign", (200, 170, 110)),
    ("chest", (230, 180, 40)),
    ("copper", (200, 120, 60)),
    ("iron", (180, 170, 160)),
    ("gold", (240, 200, 40)),
    ("emerald", (40, 200, 120)),
    ("water", (40, 90, 200)),
)


@dataclass(frozen=True)
class Palette:
    """``lut`` maps a tile id's low byte to a palette index; ``rgb`` is the 768-byte palette."""

    lut: bytes
    rgb: bytes


@dataclass
class BotMarker:
    """One bot on the map: its tile (``None`` while it loads) and the tiles it still has to walk."""

    tile: tuple[int, int] | None
    path: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Markers:
    """Tile coordinates drawn over the map; ``bots[i]`` gets the ``i``-th bot colour."""

    bots: list[BotMarker] = field(default_factory=list)
    players: list[tuple[int, int]] = field(default_factory=list)
    collectables: list[tuple[int, int]] = field(default_factory=list)
    enemies: list[tuple[int, int]] = field(default_factory=list)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def bot_colour(slot: int) -> tuple[int, int, int]:
    """The marker colour of the ``slot``-th bot of a map."""
    return BOT_COLOURS[slot % len(BOT_COLOURS)]


def legend_for(
    blocks: Iterable[tuple[int, str]], bot_ids: Sequence[str], paths: Sequence[bool] = ()
) -> list[dict[str, str]]:
    """The legend of a picture: ``{"group", "label", "colour"}`` for the blocks shown (``(id,
    name)``; ores get their own group), drops, enemies, players, each bot and each path drawn."""
    entries = []
    for block_id, name in blocks:
        group = "ores" if name.endswith("Ore") or name == "Emerald" else "blocks"
        entries.append({"group": group, "label": name, "colour": hex_colour(block_colour(block_id, name))})
    entries.sort(key=lambda entry: entry["group"] == "ores")
    entries += [
        {"group": "drops", "label": "drop", "colour": hex_colour(MARKER_COLOURS[COLLECTABLE_INDEX])},
        {"group": "enemies", "label": "enemy", "colour": hex_colour(MARKER_COLOURS[ENEMY_INDEX])},
        {"group": "players", "label": "other player", "colour": hex_colour(MARKER_COLOURS[PLAYER_INDEX])},
    ]
    for slot, bot_id in enumerate(bot_ids):
        entries.append({"group": "bots", "label": bot_id, "colour": hex_colour(bot_colour(slot))})
        if slot < len(paths) and paths[slot]:
            colour = MARKER_COLOURS[PATH_INDEXES[slot % len(PATH_INDEXES)]]
            entries.append({"group": "paths", "label": f"{bot_id}'s path", "colour": hex_colour(colour)})
    return entries


def block_colour(block_id: int, name: str) -> tuple[int, int, int]:
    """A colour by block name (``IronOre`` -> iron), else a stable one from the id."""
    lowered = name.lower()
    for word, colour in _NAMED_COLOURS:
        if word in lowered:
            return colour
    return ((block_id * 67) % 200 + 40, (block_id * 131) % 200 + 40, (block_id * 29) % 200 + 40)


def palette_for(blocks: Iterable[tuple[int, str]]) -> Palette:
    """The palette of a block catalog (``(id, name)`` pairs, as ``block_infos`` gives)."""
    rgb = bytearray(768)
    lut = bytearray(range(256))
    named = {block_id: name for block_id, name in blocks}
    named.setdefault(AIR, "Air")
    for index in range(FIRST_MARKER_INDEX):
        colour = block_colour(index, named[index]) if index in named else block_colour(index, "")
        rgb[index * 3 : index * 3 + 3] = bytes(colour)
    for tile_id in range(FIRST_MARKER_INDEX, 256):
        lut[tile_id] = UNKNOWN_INDEX
    for index, colour in MARKER_COLOURS.items():
        rgb[index * 3 : index * 3 + 3] = bytes(colour)
    return Palette(bytes(lut), bytes(rgb))


def scale_for(width: int) -> int:
    """Pixels per tile so small worlds are readable and large ones stay 1:1."""
    return max(1, min(MAX_SCALE, TARGET_WIDTH_PX // max(1, width)))


def render_png(
    width: int, height: int, foreground: Any, palette: Palette, markers: Markers, scale: int | None = None
) -> bytes:
    """The PNG of a world: foreground tiles coloured by ``palette``, markers on top."""
    return encode_png(render_image(width, height, foreground, palette, markers, scale))


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes with zlib's RLE strategy (fast, and small for tile maps)."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return out.getvalue()


def render_image(
    width: int, height: int, foreground: Any, palette: Palette, markers: Markers, scale: int | None = None
) -> Image.Image:
    """The palette image of a world (before encoding)."""
    scale = scale_for(width) if scale is None else scale
    indexes, high = _palette_indexes(foreground, width * height, palette.lut)
    image = Image.frombytes("P", (width, height), indexes)
    image.putpalette(palette.rgb)
    if high is not None:
        mask = Image.frombytes("L", (width, height), high.translate(_NONZERO))
        image.paste(UNKNOWN_INDEX, mask=mask)
    if scale > 1:
        image = image.resize((width * scale, height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(image)
    radius = max(1, scale // 2)
    for slot, bot in enumerate(markers.bots):
        index = PATH_INDEXES[slot % len(PATH_INDEXES)]
        for x, y in bot.path:
            _dot(draw, x, y, scale, max(0, scale // 4), index)
    for points, index in (
        (markers.collectables, COLLECTABLE_INDEX),
        (markers.enemies, ENEMY_INDEX),
        (markers.players, PLAYER_INDEX),
    ):
        for x, y in points:
            _dot(draw, x, y, scale, radius, index, outline=OUTLINE_INDEX if scale > 2 else None)
    for slot, bot in enumerate(markers.bots):
        if bot.tile is not None:
            index = BOT_INDEXES[slot % len(BOT_INDEXES)]
            _dot(draw, bot.tile[0], bot.tile[1], scale, radius + 1, index, outline=OUTLINE_INDEX)
    return image


def _palette_indexes(foreground: Any, size: int, lut: bytes) -> tuple[bytes, bytes | None]:
    """Palette indexes of the low bytes, and the high bytes when any tile id is >= 256."""
    data = _uint16_bytes(foreground, size)
    low, high = (data[0::2], data[1::2]) if sys.byteorder == "little" else (data[1::2], data[0::2])
    # a compare with zeros is a memcmp: a tenth of bytes.count(0)'s time on a 1000x1000 world
    return low.translate(lut), (high if high != bytes(len(high)) else None)


def _uint16_bytes(foreground: Any, size: int) -> bytes:
    if isinstance(foreground, array) and foreground.typecode == "H":
        data = foreground.tobytes()
    else:
        data = array("H", _as_sequence(foreground)).tobytes()
    if len(data) != size * 2:
        raise ValueError(f"foreground has {len(data) // 2} tiles, expected {size}")
    return data


def _as_sequence(values: Any) -> Sequence[int]:
    return values if isinstance(values, list | tuple | array) else list(values)


def _dot(
    draw: ImageDraw.ImageDraw, x: int, y: int, scale: int, radius: int, index: int, outline: int | None = None
) -> None:
    cx, cy = x * scale + scale // 2, y * scale + scale // 2
    draw.rectangle((cx - radius, cy - radius, cx + radius, cy + radius), fill=index, outline=outline)
