"""The minimap picture: tiles in their palette colours, markers on top, no per-pixel Python."""

from __future__ import annotations

import io
from array import array

import pytest
from PIL import Image

from seraph_kernel.kernel.widgets.minimap_render import (
    BOT_INDEX,
    ENEMY_INDEX,
    MARKER_COLOURS,
    UNKNOWN_INDEX,
    Markers,
    block_colour,
    palette_for,
    render_png,
    scale_for,
)

BLOCKS = [(0, "Air"), (2, "SoilBlock"), (3, "StoneBlock"), (22, "GoldOre")]


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
    png = render_png(20, 10, foreground, palette, Markers(bot=(5, 5), enemies=[(15, 2)]), scale=4)
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
