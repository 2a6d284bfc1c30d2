"""Python forms of the Lua value types modules exchange (``Vector2``, ``Vector2i``).

``from_lua`` turns a Lua vector into one of these and ``to_lua`` turns them back, so Python
bindings take and return points without knowing the Lua side.
"""

from __future__ import annotations

from typing import NamedTuple


class Vec2i(NamedTuple):
    """A tile point (``Vector2i`` in Lua)."""

    x: int
    y: int


class Vec2(NamedTuple):
    """A world position (``Vector2`` in Lua)."""

    x: float
    y: float


VALUE_TYPES: dict[str, type] = {"Vector2i": Vec2i, "Vector2": Vec2}
