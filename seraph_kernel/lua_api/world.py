"""The World object of ``lua-api.md`` (``client:world()``, ``getWorld()``): ``name`` (and
Seraph's ``id``, the same), ``size``, ``entrance``, ``tile``, ``tiles``, ``findTiles``,
``collectables``, ``enemies``, ``players``. A World is live: its reads follow the bot's
current state of that world (see :mod:`seraph_kernel.lua_api.client.views`).

The class is a thin Lua shell (it keeps each snapshot's bot and view handle out of reach).
Tile reads go to the VM's world views (:mod:`~seraph_kernel.lua_api.client.views`) and return plain values the
Lua side builds tables from (``world:tile`` costs one Python call); the live reads
(collectables, enemies, players) ask the fleet and convert rows to the documented fields.
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import ModuleContext
from seraph_kernel.engine.values import Vec2, Vec2i
from seraph_kernel.lua_api.client.conventions import game_call, lua_arity, positional_limit
from seraph_kernel.lua_api.client.travel import TravelCalls
from seraph_kernel.lua_api.client.views import WorldViews
from seraph_kernel.lua_api.trees import define_tree_reader

WORLD_LUA = """
local calls, new2i, tileCalls = ...
local World = {__name = "World"}
local Tile = {__name = "Tile"}
Tile.__index = Tile
local tileWorld = setmetatable({}, {__mode = "k"})
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
for _, name in ipairs({"collectables", "enemies", "players"}) do
  local call = calls[name]
  World[name] = function(self, ...)
    local s = state_of(name, self)
    return call(s.handle, s.client, ...)
  end
end

-- The tile reads: Python returns plain values, `nil, message`, or `false` when the bot's world
-- may have changed (a hit, a warp): then look at it again (async) and read once more, forced.
local tileAt, allTiles, findTiles, refresh = calls.tile, calls.tiles, calls.findTiles, calls.refresh

for _, name in ipairs({"size", "entrance"}) do
  local call = calls[name]
  World[name] = function(self)
    local handle = state_of(name, self).handle
    local v, err = call(handle, false)
    if v == false then
      refresh(handle)
      v, err = call(handle, true)
    end
    if v == nil then error(err, 2) end
    return v
  end
end

-- A Vector2i answers getmetatable() with its class name (the vector module's __metatable);
-- checking that here spares the hot path a conversion round trip through Python.
local function kind(v)
  local mt = getmetatable(v)
  if type(mt) == "string" then return mt end
  return type(v)
end

-- A tile method's world state and point (an error naming the method when misused).
local function tileOf(name, self)
  local s = tileWorld[self]
  if s == nil then
    error(name .. ": expected a tile, got " .. type(self) .. " (call it as tile:" .. name .. "())", 3)
  end
  local p = rawget(self, "point")
  if getmetatable(p) ~= "Vector2i" then
    error(name .. ": the tile's point is no Vector2i but " .. type(p), 3)
  end
  return s, p
end

-- tile:item(): the world item on the tile, asked of the world the tile was read from.
local itemAt = calls.item
function Tile:item()
  local s, p = tileOf("item", self)
  return itemAt(s.client, s.name, p.x, p.y)
end

-- tile:tree(): the growing tree or crop on the tile (nil when none), for the world's bot.
local treeAt = tileCalls.tree
function Tile:tree()
  local s, p = tileOf("tree", self)
  return treeAt(s.client, p)
end

function World:tile(p)
  local s = state_of("tile", self)
  if getmetatable(p) ~= "Vector2i" then error("tile: expected Vector2i, got " .. kind(p), 2) end
  local x, y = p.x, p.y
  local handle = s.handle
  local f, b, w, r = tileAt(handle, false, x, y)
  if f == false then
    refresh(handle)
    f, b, w, r = tileAt(handle, true, x, y)
  end
  if f == nil then error(b, 2) end
  local t = setmetatable({foreground = f, background = b, water = w, wire = r, point = new2i(x, y)}, Tile)
  tileWorld[t] = s
  return t
end

function World:tiles()
  local s = state_of("tiles", self)
  local handle = s.handle
  local width, fg, bg, wa, wi = allTiles(handle, false)
  if width == false then
    refresh(handle)
    width, fg, bg, wa, wi = allTiles(handle, true)
  end
  if width == nil then error(fg, 2) end
  local out = {}
  for i = 1, #fg do
    local n = i - 1
    local t = setmetatable({foreground = fg[i], background = bg[i], water = wa[i], wire = wi[i],
                            point = new2i(n % width, n // width)}, Tile)
    tileWorld[t] = s
    out[i] = t
  end
  return out
end

function World:findTiles(blockId)
  local handle = state_of("findTiles", self).handle
  local width, found = findTiles(handle, false, blockId)
  if width == false then
    refresh(handle)
    width, found = findTiles(handle, true, blockId)
  end
  if width == nil then error(found, 2) end
  local out = {}
  for i = 1, #found do
    local n = found[i]
    out[i] = new2i(n % width, n // width)
  end
  return out
end

return function(client, handle, name)
  local w = setmetatable({name = name, id = name}, World)
  state[w] = {client = client, handle = handle, name = name}
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

    ``session`` is the VM's :class:`~seraph_kernel.lua_api.client.state.ClientState`; a world
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

    async def refresh(handle: int) -> None:
        await session.views.refresh(handle)

    def read(name: str, method: str) -> Any:
        """A binding reading through the session's current views (made on first world())."""
        limit = (positional_limit(getattr(WorldViews, method)) or 0) - 1  # less ``self``

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
        "item": ctx.async_function("item", lua_arity(TravelCalls(session).tile_item)),
        "refresh": ctx.async_function("world", lua_arity(refresh)),
    }
    tile_calls = {"tree": define_tree_reader(ctx, session)}
    return ctx.lua(WORLD_LUA, ctx.to_lua(calls), ctx.env.Vector2i.new, ctx.to_lua(tile_calls))


def install(ctx: ModuleContext) -> None:
    """``getWorld()``: the shorthand for ``getClient():world()``."""
    ctx.env.getWorld = ctx.lua(GET_WORLD_LUA, ctx.env)
