"""The worlds a VM reads tiles from: live World objects over each bot's :class:`WorldView`
(``fleet.world(id)``), and the layer scan behind ``world:findTiles``.

A World object (``client:world()``) names a bot and a world, not a snapshot: while the bot is
in that world, every read answers from the bot's current view of it. The VM looks again
(``fleet.world``) whenever the bot's world may have changed: after the fleet reports a world or
status change, and after the script's own ``hit``/``place`` (a RemoteFleet's view is a copy;
a LocalFleet's layers are live arrays, so the look is cheap). A read that finds the bot's world
unknown answers ``False``; the Lua side then calls the async :meth:`WorldViews.refresh` and
reads again, forced.

A RemoteFleet's copy is also kept current by the bot's ``tile`` events (what other players
break or place); a LocalFleet's live arrays are never written here.

Once the bot is in another world (or none), a World of the world it left answers as last
seen; the last-seen layers of at most :data:`LEFT_WORLDS_KEPT` such worlds are kept per VM,
and an older one answers an error naming ``client:world()`` (it reads live again if the bot
returns while the VM still remembers the world's name: :data:`NAMES_KEPT` more). A World is
never refused for its age while its bot is still in that world.
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

#: Worlds their bot has left whose last-seen layers a VM keeps for World objects it still holds.
LEFT_WORLDS_KEPT = 16
#: Worlds beyond those whose names a VM remembers (so a World of one reads live again when its
#: bot comes back); a script warping through ever new worlds cannot grow the VM's state.
NAMES_KEPT = 4096
AGAIN = "call client:world() for the world it is in"
#: Where each layer of a ``tile`` event sits in a handle's layers tuple.
LAYERS = {"foreground": 2, "background": 3, "water": 4, "wiring": 5}
#: Fleet ``bot`` events after which a bot's world may have changed.
INVALIDATING = frozenset({"world", "status", "connect", "disconnect", "kicked"})

Layers = tuple[int, int, Any, Any, Any, Any]


class WorldViews:
    """The bots' worlds by handle: one handle per (bot, world name), read in place."""

    def __init__(self, fleet: Any, events: BotEvents) -> None:
        self._fleet = fleet
        self._events = events
        self._watched: set[str] = set()
        #: the handle of each bot's world as last looked at (``None``: in no world)
        self._current: dict[str, int | None] = {}
        #: bots whose ``_current`` is up to date (else a read looks again first)
        self._known: set[str] = set()
        self._handle_of: dict[tuple[str, str], int] = {}
        self._world_of: dict[int, tuple[str, str]] = {}
        self._layers: dict[int, Layers] = {}
        self._spawn: dict[int, tuple[int, int]] = {}
        #: handles of worlds their bot left, oldest first (their layers are as last seen)
        self._left: OrderedDict[int, None] = OrderedDict()
        #: handles whose layers were dropped, oldest first (only their names are kept)
        self._dropped: OrderedDict[int, None] = OrderedDict()
        self._next_handle = 1
        #: handles whose layers are the backend's live arrays (never written here)
        self._live: set[int] = set()

    async def current(self, client_id: str) -> tuple[int, str] | None:
        """``(handle, name)`` of the bot's world, or None outside a world."""
        if client_id not in self._watched:
            self._watched.add(client_id)
            self._events.watch(client_id, lambda event: self._on_event(client_id, event))
        if client_id not in self._known:
            await self._look(client_id)
        handle = self._current.get(client_id)
        return None if handle is None else (handle, self._world_of[handle][1])

    async def refresh(self, handle: int) -> None:
        """Look at the world of the handle's bot again (a read found it unknown)."""
        world = self._world_of.get(handle)
        if world is not None and world[0] not in self._known:
            await self._look(world[0])

    def forget(self, client_id: str) -> None:
        """The bot's world may have changed (it warped, left, hit a block): look again."""
        self._known.discard(client_id)

    def size(self, handle: int, force: bool = False) -> Any:
        layers = self._read(handle, force, "size")
        if type(layers) is not tuple:
            return unread(layers)
        return Vec2i(layers[0], layers[1])

    def entrance(self, handle: int, force: bool = False) -> Any:
        layers = self._read(handle, force, "entrance")
        if type(layers) is not tuple:
            return unread(layers)
        x, y = self._spawn[handle]
        return Vec2i(int(x), int(y))

    def tile(self, handle: int, force: bool = False, x: Any = None, y: Any = None) -> tuple[Any, ...]:
        """The four layers at ``(x, y)`` (0 outside the world), ``(None, message)``, or ``False``
        (look again first)."""
        layers = self._read(handle, force, "tile")
        if type(layers) is not tuple:
            return unread(layers)
        if type(x) is not int or type(y) is not int:
            return None, f"tile: expected Vector2i, got ({x!r}, {y!r})"
        width, height, fg, bg, wa, wi = layers
        if 0 <= x < width and 0 <= y < height:
            i = y * width + x
            return fg[i], bg[i], wa[i], wi[i]
        return 0, 0, 0, 0

    def tiles(self, handle: int, force: bool = False) -> tuple[Any, ...]:
        """``(width, foreground, background, water, wiring)``, each flat and row-major."""
        layers = self._read(handle, force, "tiles")
        if type(layers) is not tuple:
            return unread(layers)
        width, _, fg, bg, wa, wi = layers
        return width, list(fg), list(bg), list(wa), list(wi)

    def find(self, handle: int, force: bool = False, block_id: Any = None) -> tuple[Any, ...]:
        """``(width, flat indices)`` of every foreground equal to ``block_id``."""
        try:
            value = require_int("findTiles", "blockId", block_id)
        except LuaArgumentError as err:
            return None, str(err)
        layers = self._read(handle, force, "findTiles")
        if type(layers) is not tuple:
            return unread(layers)
        return layers[0], find_indices(layers[2], value)

    def _read(self, handle: int, force: bool, name: str) -> Layers | bool | str:
        """The layers a read of ``handle`` answers from; ``False`` when the bot's world must be
        looked at first (never when ``force``); the error message when there are none."""
        world = self._world_of.get(handle)
        if world is None:
            return f"{name}: the bot left this world long ago; {AGAIN}"
        client_id, world_name = world
        if not force and client_id not in self._known:
            return False
        layers = self._layers.get(handle)
        if layers is None:
            return f"{name}: {client_id} is no longer in {world_name}; {AGAIN}"
        return layers

    async def _look(self, client_id: str) -> None:
        """Ask the fleet for the bot's world and make it the bot's current one."""
        view = await game_call("world", self._fleet.world(client_id))
        before = self._current.get(client_id)
        handle = self._remember(client_id, view) if isinstance(view, WorldView) else None
        self._current[client_id] = handle
        self._known.add(client_id)
        if before is not None and before != handle:
            self._left_behind(before)

    def _remember(self, client_id: str, view: WorldView) -> int:
        key = (client_id, view.name)
        handle = self._handle_of.get(key)
        if handle is None:
            handle = self._next_handle
            self._next_handle += 1
            self._handle_of[key] = handle
            self._world_of[handle] = key
        self._left.pop(handle, None)
        self._dropped.pop(handle, None)
        self._layers[handle] = (
            view.width,
            view.height,
            view.foreground,
            view.background,
            view.water,
            view.wiring,
        )
        self._spawn[handle] = view.spawn
        if view.live:
            self._live.add(handle)
        else:
            self._live.discard(handle)
        return handle

    def _left_behind(self, handle: int) -> None:
        """The bot left this world: keep its layers as last seen, within the bound."""
        self._left[handle] = None
        self._left.move_to_end(handle)
        while len(self._left) > LEFT_WORLDS_KEPT:
            oldest, _ = self._left.popitem(last=False)
            self._layers.pop(oldest, None)
            self._spawn.pop(oldest, None)
            self._dropped[oldest] = None
        while len(self._dropped) > NAMES_KEPT:
            oldest, _ = self._dropped.popitem(last=False)
            del self._handle_of[self._world_of.pop(oldest)]

    def _on_event(self, client_id: str, event: FleetEvent) -> None:
        kind = event.data.get("type") if event.kind == "bot" else None
        if kind == "tile":
            self._apply_tile(client_id, event.data)
        elif event.kind == "session" or kind in INVALIDATING:
            self.forget(client_id)

    def _apply_tile(self, client_id: str, data: dict[str, Any]) -> None:
        """A tile of the bot's world changed: write it into a copied view (a RemoteFleet's), so
        the World sees what other players break or place. Live views are the backend's own."""
        handle = self._current.get(client_id)
        layers = None if handle is None or handle in self._live else self._layers.get(handle)
        layer = LAYERS.get(data.get("layer", "foreground"))
        if layers is None or layer is None:
            return
        width, height = layers[0], layers[1]
        x, y, value = data.get("x"), data.get("y"), data.get("id")
        if type(x) is int and type(y) is int and type(value) is int and 0 <= x < width and 0 <= y < height:
            try:
                layers[layer][y * width + x] = value
            except (TypeError, ValueError, OverflowError):  # a copy that cannot be written: fetch again
                self.forget(client_id)


def unread(why: bool | str) -> tuple[Any, ...]:
    """What a read answers Lua instead of a value: ``false`` (look again, then read forced) or
    ``nil, message``."""
    return (False,) if why is False else (None, why)


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
