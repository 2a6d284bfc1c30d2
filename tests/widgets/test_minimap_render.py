"""The minimap picture: tiles in their palette colours, markers on top, no per-pixel Python."""

from __future__ import annotations

import io
from array import array

import pytest
from PIL import Image

from seraph_kernel.kernel.widgets.minimap_render import (
    BOT_COLOURS,
    BOT_INDEX,
    COLLECTABLE_INDEX,
    ENEMY_INDEX,
    MARKER_COLOURS,
    PATH_INDEXES,
    PLAYER_INDEX,
    UNKNOWN_INDEX,
    BotMarker,
    Markers,
    block_colour,
    hex_colour,
    legend_for,
    palette_for,
    render_png,
    scale_for,
)

BLOCKS = [
    (0, "Air"),
    (2, "SoilBlock"),
    (3, "StoneBlock"),
    (13, "EntrancePortal"),
    (14, "SpawnPod"),
    (22, "GoldOre"),
]


def decode(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_tiles_take_their_block_colour():
    palette = palette_for(BLOCKS)
    foreground = array("H", [0, 2, 3, 22, 2, 0])  # 3 x 2
    image = decode(render_png(3, 2, foreground, palette, Markers(), scale=1))
    assert image.size == (3, 2)
    assert image.getpixel((1, 0)) == block_colour(2, "SoilBlock")
    assert image.getpixel((0, 1)) == block_colour(22, "GoldOre") == (240, 200, 40)
    assert image.getpixel((2, 1)) == block_colour(0, "Air")


def test_markers_are_drawn_over_the_tiles():
    palette = palette_for(BLOCKS)
    foreground = [2] * (20 * 10)
    png = render_png(20, 10, foreground, palette, Markers([BotMarker((5, 5))], enemies=[(15, 2)]), scale=4)
    image = decode(png)
    assert image.size == (80, 40)
    assert image.getpixel((5 * 4 + 2, 5 * 4 + 2)) == MARKER_COLOURS[BOT_INDEX]
    assert image.getpixel((15 * 4 + 2, 2 * 4 + 2)) == MARKER_COLOURS[ENEMY_INDEX]
    assert image.getpixel((1, 1)) == block_colour(2, "SoilBlock")


def test_ids_outside_the_palette_are_marked_not_wrapped():
    palette = palette_for(BLOCKS)
    image = decode(render_png(2, 1, array("H", [2 + 256, 2]), palette, Markers(), scale=1))
    assert image.getpixel((0, 0)) == MARKER_COLOURS[UNKNOWN_INDEX]
    assert image.getpixel((1, 0)) == block_colour(2, "SoilBlock")


def test_a_layer_of_the_wrong_size_is_refused():
    with pytest.raises(ValueError, match="expected 6"):
        render_png(3, 2, [0] * 5, palette_for(BLOCKS), Markers())


def test_small_worlds_are_scaled_up_and_large_ones_kept():
    assert scale_for(100) == 6
    assert scale_for(1000) == 1
    assert scale_for(10) == 8


def distance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


def test_the_spawn_tile_does_not_look_like_a_bot():
    """The bot starts on the spawn: the spawn is a plain tile of a colour far from every bot's,
    and a bot is a square larger than its tile with a black outline."""
    spawn = block_colour(13, "EntrancePortal")  # the sim's spawn tile
    for colour in BOT_COLOURS:
        assert distance(spawn, colour) > 100 and distance(block_colour(14, "SpawnPod"), colour) > 100
    foreground = [2] * (10 * 10)
    foreground[5 * 10 + 5] = 13
    palette = palette_for(BLOCKS)
    alone = decode(render_png(10, 10, foreground, palette, Markers(), scale=6))
    assert alone.getpixel((5 * 6, 5 * 6)) == spawn and alone.getpixel((5 * 6 - 1, 5 * 6)) != spawn
    bot = decode(render_png(10, 10, foreground, palette, Markers([BotMarker((5, 5))]), scale=6))
    assert bot.getpixel((5 * 6 + 3, 5 * 6 + 3)) == MARKER_COLOURS[BOT_INDEX]
    assert bot.getpixel((5 * 6 - 1, 5 * 6 - 1)) == (0, 0, 0)  # the outline, outside the tile


def test_each_bot_and_its_path_get_their_own_colour():
    palette = palette_for(BLOCKS)
    bots = [BotMarker((2, 2), path=[(3, 2), (4, 2)]), BotMarker((8, 8), path=[(8, 7)])]
    image = decode(render_png(12, 12, [0] * 144, palette, Markers(bots), scale=8))
    centre = lambda x, y: image.getpixel((x * 8 + 4, y * 8 + 4))  # noqa: E731
    assert centre(2, 2) == BOT_COLOURS[0] and centre(8, 8) == BOT_COLOURS[1]
    assert centre(3, 2) == centre(4, 2) == MARKER_COLOURS[PATH_INDEXES[0]]
    assert centre(8, 7) == MARKER_COLOURS[PATH_INDEXES[1]]
    assert len({BOT_COLOURS[0], BOT_COLOURS[1], centre(3, 2), centre(8, 7)}) == 4


def test_the_legend_names_every_colour_the_picture_uses():
    legend = legend_for(
        [(2, "SoilBlock"), (22, "GoldOre"), (13, "EntrancePortal")], ["bot-1", "bot-2"], [True]
    )
    by_label = {entry["label"]: entry for entry in legend}
    assert by_label["SoilBlock"] == {"group": "blocks", "label": "SoilBlock", "colour": "#79553a"}
    assert by_label["GoldOre"]["group"] == "ores"
    assert by_label["EntrancePortal"]["colour"] == hex_colour(block_colour(13, "EntrancePortal"))
    assert by_label["drop"]["colour"] == hex_colour(MARKER_COLOURS[COLLECTABLE_INDEX])
    assert by_label["enemy"]["colour"] == hex_colour(MARKER_COLOURS[ENEMY_INDEX])
    assert by_label["other player"]["colour"] == hex_colour(MARKER_COLOURS[PLAYER_INDEX])
    assert by_label["bot-1"]["colour"] == hex_colour(BOT_COLOURS[0])
    assert by_label["bot-2"]["colour"] == hex_colour(BOT_COLOURS[1])
    assert by_label["bot-1's path"]["colour"] == hex_colour(MARKER_COLOURS[PATH_INDEXES[0]])
    assert "bot-2's path" not in by_label  # only paths being walked are shown
    groups = list(dict.fromkeys(entry["group"] for entry in legend))
    assert groups == ["blocks", "ores", "drops", "enemies", "players", "bots", "paths"]
