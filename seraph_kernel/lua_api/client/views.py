"""The world views a VM reads tiles from: each bot's :class:`WorldView` (``fleet.world(id)``)
cached per VM and read in place, and the layer scan behind ``world:findTiles``.

A bot's cached view is dropped when the fleet reports it changed world or status, and after
its own ``hit``/``place`` (a RemoteFleet's view is a copy); the next ``client:world()``
fetches it again. World snapshots hold a handle to their view, so an old snapshot keeps
reading the world it was taken in (a LocalFleet's layers are live arrays).
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError
from seraph_kernel.engine.values import Vec2i
from seraph_kernel.fleet.base import FleetEvent, WorldView
from seraph_kernel.lua_api.client.conventions import game_call, require_int
from seraph_kernel.lua_api.client.event_handlers import BotEvents

#: Views kept for world snapshots a script still holds after its bot moved on.
STALE_VIEWS_KEPT = 16
TOO_OLD = "this world snapshot is too old; call client:world() again"
#: Fleet ``bot`` events after which a bot's cached world may be wrong.
INVALIDATING = frozenset({"world", "status", "connect", "disconnect", "kicked"})


class WorldViews:
    """Cached world views by bot, and the handles Lua world snapshots read them through."""

    def __init__(self, fleet: Any, events: BotEvents) -> None:
        self._fleet = fleet
        self._events = events
        self._current: dict[str, int] = {}
        self._watched: set[str] = set()
        self._views: OrderedDict[int, WorldView] = OrderedDict()
        self._layers: dict[int, tuple[int, int, Any, Any, Any, Any]] = {}
        self._handle_of: dict[int, int] = {}
        self._next_handle = 1

    async def current(self, client_id: str) -> tuple[int, str] | None:
        """``(handle, name)`` of the bot's world, or None outside a world."""
        if client_id not in self._watched:
            self._watched.add(client_id)
            self._events.watch(client_id, lambda event: self._on_event(client_id, event))
        handle = self._current.get(client_id)
        if handle is None:
            view = await game_call("world", self._fleet.world(client_id))
            if not isinstance(view, WorldView):
                return None
            handle = self._remember(view)
            self._current[client_id] = handle
        return handle, self._views[handle].name

    def forget(self, client_id: str) -> None:
        """Drop the bot's cached world (it warped, left or disconnected)."""
        self._current.pop(client_id, None)

    def size(self, handle: int, _client: str) -> Vec2i:
        width, height, *_ = self._get(handle, "size")
        return Vec2i(width, height)

    def entrance(self, handle: int, _client: str) -> Vec2i:
        self._get(handle, "entrance")
        x, y = self._views[handle].spawn
        return Vec2i(int(x), int(y))

    def tile(self, handle: int, x: Any = None, y: Any = None) -> tuple[Any, ...]:
        """The four layers at ``(x, y)`` (0 outside the world), or ``(None, message)``."""
        layers = self._layers.get(handle)
        if layers is None:
            return None, f"tile: {TOO_OLD}"
        if type(x) is not int or type(y) is not int:
            return None, f"tile: expected Vector2i, got ({x!r}, {y!r})"
        width, height, fg, bg, wa, wi = layers
        if 0 <= x < width and 0 <= y < height:
            i = y * width + x
            return fg[i], bg[i], wa[i], wi[i]
        return 0, 0, 0, 0

    def tiles(self, handle: int) -> tuple[int, list[int], list[int], list[int], list[int]]:
        """``(width, foreground, background, water, wiring)``, each flat and row-major."""
        width, _, fg, bg, wa, wi = self._get(handle, "tiles")
        return width, list(fg), list(bg), list(wa), list(wi)

    def find(self, handle: int, block_id: Any = None) -> tuple[Any, Any]:
        """``(width, flat indices)`` of every foreground equal to ``block_id``, or
        ``(None, message)``."""
        try:
            value = require_int("findTiles", "blockId", block_id)
            width, _, fg, _, _, _ = self._get(handle, "findTiles")
        except LuaArgumentError as err:
            return None, str(err)
        return width, find_indices(fg, value)

    def _remember(self, view: WorldView) -> int:
        handle = self._handle_of.get(id(view))
        if handle is None:
            handle = self._next_handle
            self._next_handle += 1
            self._handle_of[id(view)] = handle
        self._views[handle] = view
        self._views.move_to_end(handle)
        self._layers[handle] = (
            view.width,
            view.height,
            view.foreground,
            view.background,
            view.water,
            view.wiring,
        )
        self._evict()
        return handle

    def _evict(self) -> None:
        live = set(self._current.values())
        stale = [handle for handle in self._views if handle not in live]
        for handle in stale[: max(0, len(stale) - STALE_VIEWS_KEPT)]:
            view = self._views.pop(handle)
            del self._layers[handle]
            del self._handle_of[id(view)]

    def _get(self, handle: int, name: str) -> tuple[int, int, Any, Any, Any, Any]:
        layers = self._layers.get(handle)
        if layers is None:
            raise LuaArgumentError(f"{name}: {TOO_OLD}")
        return layers

    def _on_event(self, client_id: str, event: FleetEvent) -> None:
        if event.kind == "session" or (event.kind == "bot" and event.data.get("type") in INVALIDATING):
            self.forget(client_id)


def find_indices(layer: Any, value: int) -> list[int]:
    """Every index of ``value`` in a flat layer of tile ids, without a Python loop per tile.

    Integer ``array.array`` / ``bytes`` / ``bytearray`` layers are searched as raw memory with
    ``bytes.find`` (matches at a position that is not a multiple of the item size are skipped);
    lists and tuples with their C ``index``; anything else is copied into a list first."""
    itemsize = getattr(layer, "itemsize", 1 if isinstance(layer, (bytes, bytearray)) else None)
    typecode = getattr(layer, "typecode", "B")
    if itemsize is not None and typecode in "bBhHiIlLqQ":
        return _find_in_memory(memoryview(layer).cast("B").tobytes(), itemsize, typecode, value)
    if not isinstance(layer, (list, tuple)):
        layer = list(layer)
    found: list[int] = []
    index, append, at = layer.index, found.append, -1
    try:
        while True:
            at = index(value, at + 1)
            append(at)
    except ValueError:  # no more matches
        return found


def _find_in_memory(data: bytes, itemsize: int, typecode: str, value: int) -> list[int]:
    """Scan for one byte of the id with ``bytes.find`` (memchr), then check the whole item:
    the anchor is the id's first non-zero byte, so small ids in wide layers do not stop at
    every zero high byte."""
    try:
        pattern = value.to_bytes(itemsize, sys.byteorder, signed=typecode.islower())
    except OverflowError:  # the layer cannot hold this id
        return []
    anchor = next((i for i, byte in enumerate(pattern) if byte), 0)
    byte = pattern[anchor]
    found: list[int] = []
    find, append = data.find, found.append
    at = find(byte, anchor)
    while at >= 0:
        start = at - anchor
        if start % itemsize == 0 and data[start : start + itemsize] == pattern:
            append(start // itemsize)
            at = find(byte, start + itemsize + anchor)
        else:
            at = find(byte, at + 1)
    return found
