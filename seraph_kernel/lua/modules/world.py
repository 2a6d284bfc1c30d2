"""The world snapshot of ``lua-api.md`` (``client:world()``, ``getWorld()``): ``name``,
``size``, ``entrance``, ``tile``, ``tiles``, ``findTiles``, ``collectables``, ``enemies``,
``players``.

Tile reads are local: each bot's :class:`WorldView` (``fleet.world(id)``) is cached per VM and
read in place, so ``world:tile`` costs one Python call, and ``findTiles`` scans a layer with
the sequence's own C ``index`` instead of a Python loop. A bot's cached view is dropped when
the fleet reports it changed world (or status); the next ``client:world()`` fetches it again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from seraph_kernel.fleet.base import FleetEvent, WorldView
from seraph_kernel.lua.contract import LuaArgumentError, ModuleContext
from seraph_kernel.lua.modules.bot_calls import game_call, require_int
from seraph_kernel.lua.modules.bot_events import BotEvents

#: Views kept for world snapshots a script still holds after its bot moved on.
STALE_VIEWS_KEPT = 16
#: Fleet ``bot`` events after which a bot's cached world may be wrong.
INVALIDATING = frozenset({"world", "status", "connect", "disconnect", "kicked"})

WORLD_LUA = """
local vec, tileAt, allTiles, findTiles, collectables, enemies, players = ...
local World = {__name = "World"}
World.__index = World
local state = setmetatable({}, {__mode = "k"})

local function self_of(name, self)
  local s = state[self]
  if s == nil then
    error(name .. ": expected a world, got " .. vec.typeName(self)
          .. " (call it as world:" .. name .. "())", 3)
  end
  return s
end

local function point_arg(name, p)
  if not vec.is2i(p) then error(name .. ": expected Vector2i, got " .. vec.typeName(p), 3) end
end

function World:size()
  local s = self_of("size", self)
  return vec.new2i(s.width, s.height)
end

function World:entrance()
  local s = self_of("entrance", self)
  return vec.new2i(s.sx, s.sy)
end

function World:tile(p)
  local s = self_of("tile", self)
  point_arg("tile", p)
  local x, y = p.x, p.y
  local f, b, w, r = tileAt(s.handle, x, y)
  return {foreground = f, background = b, water = w, wire = r, point = vec.new2i(x, y)}
end

function World:tiles()
  local s = self_of("tiles", self)
  local width, fg, bg, wa, wi = allTiles(s.handle)
  local out, new2i = {}, vec.new2i
  for i = 1, #fg do
    local n = i - 1
    out[i] = {foreground = fg[i], background = bg[i], water = wa[i], wire = wi[i],
              point = new2i(n % width, n // width)}
  end
  return out
end

function World:findTiles(blockId)
  local s = self_of("findTiles", self)
  local width, found = findTiles(s.handle, blockId)
  local out, new2i = {}, vec.new2i
  for i = 1, #found do
    local n = found[i]
    out[i] = new2i(n % width, n // width)
  end
  return out
end

local function rows(name, self, fetch, convert)
  local s = self_of(name, self)
  local got = fetch(s.client)
  if type(got) ~= "table" then return got end
  local out = {}
  for i = 1, #got do out[i] = convert(got[i]) end
  return out
end

local function collectable(c)
  return {id = c.id, blockType = c.block_type, amount = c.amount, inventoryType = c.inventory_type,
          position = vec.new2(c.pos_x, c.pos_y), isGem = c.is_gem}
end

function World:collectables()
  return rows("collectables", self, collectables, collectable)
end

function World:enemies()
  return rows("enemies", self, enemies, function(e)
    return {id = e.ai_id, kind = e.ai_kind, point = vec.new2i(e.x, e.y), hp = e.hp, maxHp = e.max_hp}
  end)
end

function World:players()
  return rows("players", self, players, function(p)
    local pos = p.position or {}
    return {userId = p.user_id, nick = p.nick, position = vec.new2(pos.world_x or 0, pos.world_y or 0)}
  end)
end

local function new(clientId, handle, name, width, height, sx, sy)
  local w = setmetatable({name = name}, World)
  state[w] = {client = clientId, handle = handle, width = width, height = height, sx = sx, sy = sy}
  return w
end
return new, collectable
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

    async def current(self, client_id: str) -> tuple[int, str, int, int, int, int] | None:
        """``(handle, name, width, height, spawn_x, spawn_y)`` of the bot's world, or None."""
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
        view = self._views[handle]
        return handle, view.name, view.width, view.height, int(view.spawn[0]), int(view.spawn[1])

    def forget(self, client_id: str) -> None:
        """Drop the bot's cached world (it warped, left or disconnected)."""
        self._current.pop(client_id, None)

    def tile(self, handle: int, x: Any, y: Any) -> tuple[int, int, int, int]:
        """The four layers at ``(x, y)``; every layer 0 outside the world."""
        width, height, fg, bg, wa, wi = self._get(handle, "tile")
        if 0 <= x < width and 0 <= y < height:
            i = int(y) * width + int(x)
            return fg[i], bg[i], wa[i], wi[i]
        return 0, 0, 0, 0

    def tiles(self, handle: int) -> tuple[int, list[int], list[int], list[int], list[int]]:
        width, _, fg, bg, wa, wi = self._get(handle, "tiles")
        return width, list(fg), list(bg), list(wa), list(wi)

    def find(self, handle: int, block_id: Any) -> tuple[int, list[int]]:
        """``(width, flat indices)`` of every foreground equal to ``block_id``."""
        value = require_int("findTiles", "blockId", block_id)
        width, _, fg, _, _, _ = self._get(handle, "findTiles")
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
            raise LuaArgumentError(f"{name}: this world snapshot is too old; call client:world() again")
        return layers

    def _on_event(self, client_id: str, event: FleetEvent) -> None:
        if event.kind == "session" or (event.kind == "bot" and event.data.get("type") in INVALIDATING):
            self.forget(client_id)


def find_indices(layer: Any, value: int) -> list[int]:
    """Every index of ``value`` in a flat layer, scanned by the sequence's C ``index``.

    Lists, ``array.array``, ``bytes`` and ``bytearray`` scan at C speed; anything else is
    copied into a list first."""
    if not hasattr(layer, "index"):
        layer = list(layer)
    found: list[int] = []
    index = layer.index
    append = found.append
    at = -1
    try:
        while True:
            at = index(value, at + 1)
            append(at)
    except ValueError:  # no more matches (or a value a bytes layer cannot hold)
        return found


def define_world_class(ctx: ModuleContext, vec: Any, session: Any) -> tuple[Any, Any]:
    """The Lua constructor of world snapshots and the collectable converter (``client:on``).

    ``session`` is the VM's :class:`~seraph_kernel.lua.modules.bot_client.BotSession`; a world
    snapshot exists only after ``client:world()`` attached it, so ``session.views`` is set."""

    def tile(handle: int, x: int, y: int) -> tuple[int, int, int, int]:
        return session.views.tile(handle, x, y)

    def tiles(handle: int) -> tuple[int, list[int], list[int], list[int], list[int]]:
        return session.views.tiles(handle)

    def find(handle: int, block_id: Any) -> tuple[int, list[int]]:
        return session.views.find(handle, block_id)

    async def collectables(client_id: str) -> Any:
        return await game_call("collectables", session.fleet.collectables(client_id))

    async def enemies(client_id: str) -> Any:
        return await game_call("enemies", session.fleet.enemies(client_id))

    async def players(client_id: str) -> Any:
        minimap = await game_call("players", session.fleet.minimap(client_id))
        return minimap.get("other_players", []) if isinstance(minimap, dict) else minimap

    new, collectable = ctx.lua(
        WORLD_LUA,
        vec,
        ctx.function("tile", tile),
        ctx.function("tiles", tiles),
        ctx.function("findTiles", find),
        ctx.async_function("collectables", collectables),
        ctx.async_function("enemies", enemies),
        ctx.async_function("players", players),
    )
    return new, collectable


def install(ctx: ModuleContext) -> None:
    """``getWorld()``: the shorthand for ``getClient():world()``."""
    ctx.env.getWorld = ctx.lua(GET_WORLD_LUA, ctx.env)
