"""The world snapshot of ``lua-api.md`` (``client:world()``, ``getWorld()``): ``name``,
``size``, ``entrance``, ``tile``, ``tiles``, ``findTiles``, ``collectables``, ``enemies``,
``players``.

The class is a thin Lua shell (it keeps each snapshot's bot and view handle out of reach)
over Python calls that take and return ``Vec2i``/``Vec2`` (the vector module's converters).
Tile reads are local: each bot's :class:`WorldView` (``fleet.world(id)``) is cached per VM and
read in place, so ``world:tile`` costs one Python call, and ``findTiles`` scans a layer with
the sequence's own C ``index`` instead of a Python loop. A bot's cached view is dropped when
the fleet reports it changed world (or status); the next ``client:world()`` fetches it again.
"""

from __future__ import annotations

import inspect
import sys
from collections import OrderedDict
from typing import Any

from seraph_kernel.fleet.base import FleetEvent, WorldView
from seraph_kernel.lua.contract import LuaArgumentError, ModuleContext
from seraph_kernel.lua.modules.bot_calls import game_call, lua_arity, require_int
from seraph_kernel.lua.modules.bot_events import BotEvents
from seraph_kernel.lua.values import Vec2, Vec2i

#: Views kept for world snapshots a script still holds after its bot moved on.
STALE_VIEWS_KEPT = 16
TOO_OLD = "this world snapshot is too old; call client:world() again"
#: Fleet ``bot`` events after which a bot's cached world may be wrong.
INVALIDATING = frozenset({"world", "status", "connect", "disconnect", "kicked"})

WORLD_LUA = """
local calls, new2i = ...
local World = {__name = "World"}
World.__index = World
World.__tostring = function(w) return "World(" .. tostring(w.name) .. ")" end
local state = setmetatable({}, {__mode = "k"})

local function state_of(name, self)
  local s = state[self]
  if s == nil then
    error(name .. ": expected a world, got " .. type(self) .. " (call it as world:" .. name .. "(...))", 3)
  end
  return s
end

-- Calls that Python answers in full (tail calls keep the script's line in error messages).
for _, name in ipairs({"size", "entrance", "collectables", "enemies", "players"}) do
  local call = calls[name]
  World[name] = function(self, ...)
    local s = state_of(name, self)
    return call(s.handle, s.client, ...)
  end
end

-- The hot reads build their tables here; Python returns plain values, or nil and a message.
local tileAt, allTiles, findTiles = calls.tile, calls.tiles, calls.findTiles

-- A Vector2i answers getmetatable() with its class name (the vector module's __metatable);
-- checking that here spares the hot path a conversion round trip through Python.
local function kind(v)
  local mt = getmetatable(v)
  if type(mt) == "string" then return mt end
  return type(v)
end

function World:tile(p)
  local handle = state_of("tile", self).handle
  if getmetatable(p) ~= "Vector2i" then error("tile: expected Vector2i, got " .. kind(p), 2) end
  local x, y = p.x, p.y
  local f, b, w, r = tileAt(handle, x, y)
  if f == nil then error(b, 2) end
  return {foreground = f, background = b, water = w, wire = r, point = new2i(x, y)}
end

function World:tiles()
  local width, fg, bg, wa, wi = allTiles(state_of("tiles", self).handle)
  local out = {}
  for i = 1, #fg do
    local n = i - 1
    out[i] = {foreground = fg[i], background = bg[i], water = wa[i], wire = wi[i],
              point = new2i(n % width, n // width)}
  end
  return out
end

function World:findTiles(blockId)
  local width, found = findTiles(state_of("findTiles", self).handle, blockId)
  if width == nil then error(found, 2) end
  local out = {}
  for i = 1, #found do
    local n = found[i]
    out[i] = new2i(n % width, n // width)
  end
  return out
end

return function(client, handle, name)
  local w = setmetatable({name = name}, World)
  state[w] = {client = client, handle = handle}
  return w
end
"""

GET_WORLD_LUA = """
local env = ...
return function()
  local client = env.getClient()
  if client == nil then error("getWorld: no bot is bound to this script", 2) end
  return client:world()
end
"""


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


def collectable_row(row: dict[str, Any]) -> dict[str, Any]:
    """A fleet collectable as Lua sees it: ``{id, blockType, amount, inventoryType, position,
    isGem}``, ``position`` a ``Vector2`` in world units."""
    return {
        "id": row["id"],
        "blockType": row["block_type"],
        "amount": row["amount"],
        "inventoryType": row["inventory_type"],
        "position": Vec2(float(row["pos_x"]), float(row["pos_y"])),
        "isGem": bool(row["is_gem"]),
    }


def enemy_row(row: dict[str, Any]) -> dict[str, Any]:
    """``{id, kind, point, hp, maxHp}``."""
    return {
        "id": row["ai_id"],
        "kind": row["ai_kind"],
        "point": Vec2i(int(row["x"]), int(row["y"])),
        "hp": row["hp"],
        "maxHp": row["max_hp"],
    }


def player_row(row: dict[str, Any]) -> dict[str, Any]:
    """``{userId, nick, position}``, ``position`` a ``Vector2`` in world units."""
    pos = row.get("position") or {}
    return {
        "userId": row["user_id"],
        "nick": row["nick"],
        "position": Vec2(float(pos.get("world_x", 0.0)), float(pos.get("world_y", 0.0))),
    }


def define_world_class(ctx: ModuleContext, session: Any) -> Any:
    """The Lua constructor ``new(client_id, handle, name)`` of world snapshots.

    ``session`` is the VM's :class:`~seraph_kernel.lua.modules.bot_client.BotSession`; a world
    snapshot exists only after ``client:world()`` attached it, so ``session.views`` is set."""

    async def rows(name: str, fetch: Any, convert: Any) -> Any:
        got = await game_call(name, fetch)
        return [convert(row) for row in got] if isinstance(got, list) else got

    async def collectables(_handle: int, client_id: str) -> Any:
        return await rows("collectables", session.fleet.collectables(client_id), collectable_row)

    async def enemies(_handle: int, client_id: str) -> Any:
        return await rows("enemies", session.fleet.enemies(client_id), enemy_row)

    async def players(_handle: int, client_id: str) -> Any:
        minimap = await game_call("players", session.fleet.minimap(client_id))
        if not isinstance(minimap, dict):
            return minimap
        return [player_row(row) for row in minimap.get("other_players", [])]

    def read(name: str, method: str) -> Any:
        """A binding reading through the session's current views (made on first world())."""
        limit = len(inspect.signature(getattr(WorldViews, method)).parameters) - 1

        def call(*args: Any) -> Any:
            return getattr(session.views, method)(*args[:limit])

        return ctx.function(name, call)

    calls = {
        "size": read("size", "size"),
        "entrance": read("entrance", "entrance"),
        "tile": read("tile", "tile"),
        "tiles": read("tiles", "tiles"),
        "findTiles": read("findTiles", "find"),
        "collectables": ctx.async_function("collectables", lua_arity(collectables)),
        "enemies": ctx.async_function("enemies", lua_arity(enemies)),
        "players": ctx.async_function("players", lua_arity(players)),
    }
    return ctx.lua(WORLD_LUA, ctx.to_lua(calls), ctx.env.Vector2i.new)


def install(ctx: ModuleContext) -> None:
    """``getWorld()``: the shorthand for ``getClient():world()``."""
    ctx.env.getWorld = ctx.lua(GET_WORLD_LUA, ctx.env)
