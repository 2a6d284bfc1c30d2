"""Shortest 4-neighbour paths on a tile grid, for ``walk_to`` / ``get_path``.

The search itself is python-tcod's C A* (``tcod.path.AStar``, cardinal moves only); this module only turns the
grid into the array tcod wants and the answer into ``(x, y)`` tuples. Hand the grid over as a
buffer (``bytes``, ``bytearray``, ``array.array``, a numpy array): that is read without a copy.
A list or a callable works too but is converted first (a callable is asked once per tile).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tcod.path

Point = tuple[int, int]
Passable = Callable[[int, int], object] | Sequence[object] | bytes | bytearray | memoryview


def find_path(passable: Passable, width: int, height: int, start: Point, goal: Point) -> list[Point] | None:
    """The tiles from ``start`` (excluded) to ``goal`` (included), moving only up, down, left
    and right through passable tiles; ``[]`` when ``start == goal``; ``None`` when the goal is
    blocked, outside the grid or cut off. The start tile itself may be blocked (a bot can stand
    in a door). ``passable`` is a callable ``(x, y) -> bool`` or a flat row-major grid
    (index ``y * width + x``) where non-zero means passable."""
    if width <= 0 or height <= 0:
        raise ValueError(f"find_path: grid size must be positive, got {width}x{height}")
    sx, sy = start
    gx, gy = goal
    if not (0 <= sx < width and 0 <= sy < height):
        raise ValueError(f"find_path: start {start} is outside the {width}x{height} grid")
    if (sx, sy) == (gx, gy):
        return []
    if not (0 <= gx < width and 0 <= gy < height):
        return None
    cells = _binary_cells(passable, width, height)
    if not cells[gy * width + gx]:
        return None
    cells[sy * width + sx] = 1  # a fresh copy: the start may be blocked (a bot standing in a door)
    grid = np.frombuffer(cells, dtype=np.int8).reshape(height, width)
    return tcod.path.AStar(grid.T, diagonal=0).get_path(sx, sy, gx, gy) or None


def _binary_cells(passable: Passable, width: int, height: int) -> bytearray | np.ndarray:
    """A fresh, writable flat copy of the grid with 1 for passable and 0 for blocked."""
    if callable(passable):
        cells: bytearray | np.ndarray = bytearray(
            1 if passable(x, y) else 0 for y in range(height) for x in range(width)
        )
    elif isinstance(passable, (bytes, bytearray)):
        cells = bytearray(passable.translate(_NONZERO_TO_ONE))
    else:
        try:
            cells = np.asarray(memoryview(passable)).reshape(-1) != 0
        except TypeError:
            cells = np.array(passable, dtype=bool)
        cells = cells.view(np.int8)
    if len(cells) != width * height:
        raise ValueError(f"find_path: grid has {len(cells)} cells, expected {width}x{height}")
    return cells


_NONZERO_TO_ONE = bytes([0] + [1] * 255)
