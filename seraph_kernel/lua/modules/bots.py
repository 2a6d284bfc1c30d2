"""The bots of ``lua-api.md``: ``getClient()``, ``getClient(id)``, ``getClients()`` and the
``Client`` class (fields ``id``, ``username``; every method of the "Bots" section).

The class is trusted Lua (argument checks that name the call, ``Vector2i`` in and out, the
``client:on`` pump) over the coroutines of :mod:`bot_client`. A client's id is kept in a
private table, so assigning ``client.id`` cannot retarget it.
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.lua.contract import ModuleContext
from seraph_kernel.lua.modules.bot_client import BotSession, ClientCalls
from seraph_kernel.lua.modules.bot_events import LUA_EVENTS
from seraph_kernel.lua.modules.bot_vectors import vector_helpers
from seraph_kernel.lua.modules.inventory import define_inventory_class
from seraph_kernel.lua.modules.world import define_world_class

CLIENT_LUA = """
local env, vec, newWorld, collectable, newInventory, eventNames, api = ...
local Client = {__name = "Client"}
Client.__index = Client
Client.__tostring = function(c) return "Client(" .. c.id .. ")" end
local ids = setmetatable({}, {__mode = "k"})
local EVENTS = {}
for _, name in ipairs(eventNames) do EVENTS[name] = true end

local function id_of(name, self)
  local id = ids[self]
  if id == nil then
    error(name .. ": expected a client, got " .. vec.typeName(self)
          .. " (call it as client:" .. name .. "(...))", 3)
  end
  return id
end

local function point_arg(name, p, what)
  if not vec.is2i(p) then
    error(name .. ": expected Vector2i" .. (what or "") .. ", got " .. vec.typeName(p), 3)
  end
  return p.x, p.y
end

local function reader(name, call)
  Client[name] = function(self) return call(id_of(name, self)) end
end
reader("snapshot", api.snapshot)
reader("status", api.status)
reader("connected", api.connected)
reader("isAlive", api.isAlive)
reader("ping", api.ping)
reader("lastError", api.lastError)
reader("connect", api.connect)
reader("disconnect", api.disconnect)
reader("leave", api.leave)
reader("enterTutorial", api.enterTutorial)
reader("pathfinding", api.pathfinding)
reader("clearPath", api.clearPath)

function Client:point()
  local x, y = api.point(id_of("point", self))
  if x == nil then return nil end
  return vec.new2i(x, y)
end

function Client:position()
  local x, y = api.position(id_of("position", self))
  if x == nil then return nil end
  return vec.new2(x, y)
end

function Client:warp(name) return api.warp(id_of("warp", self), name) end
function Client:say(text) return api.say(id_of("say", self), text) end
function Client:collect(cid) return api.collect(id_of("collect", self), cid) end
function Client:recentWorlds(ms) return api.recentWorlds(id_of("recentWorlds", self), ms) end
function Client:activeWorlds(ms) return api.activeWorlds(id_of("activeWorlds", self), ms) end
function Client:worldInfo(name, ms) return api.worldInfo(id_of("worldInfo", self), name, ms) end

function Client:setPoint(p, teleport)
  local id = id_of("setPoint", self)
  local x, y = point_arg("setPoint", p)
  if teleport ~= nil and type(teleport) ~= "boolean" then
    error("setPoint: expected boolean teleport, got " .. type(teleport), 2)
  end
  return api.setPoint(id, x, y, teleport == true)
end

function Client:findPath(p)
  local id = id_of("findPath", self)
  local x, y = point_arg("findPath", p)
  return api.findPath(id, x, y)
end

function Client:getPath(p)
  local id = id_of("getPath", self)
  local x, y = point_arg("getPath", p)
  local flat, route = api.getPath(id, x, y), {}
  for i = 1, #flat, 2 do route[#route + 1] = vec.new2i(flat[i], flat[i + 1]) end
  return route
end

function Client:movePoint(delta)
  local id = id_of("movePoint", self)
  local dx, dy = point_arg("movePoint", delta, " delta")
  return api.movePoint(id, dx, dy)
end

function Client:hit(p)
  local id = id_of("hit", self)
  local x, y = point_arg("hit", p)
  return api.hit(id, x, y)
end

function Client:place(p, blockId)
  local id = id_of("place", self)
  local x, y = point_arg("place", p)
  return api.place(id, x, y, blockId)
end

function Client:world()
  local id = id_of("world", self)
  local handle, name, width, height, sx, sy = api.world(id)
  if handle == nil then return nil end
  return newWorld(id, handle, name, width, height, sx, sy)
end

function Client:inventory()
  local raw = api.inventory(id_of("inventory", self))
  if raw == nil then return nil end
  return newInventory(raw)
end

local handlers = {}
function Client:on(event, fn)
  local id = id_of("on", self)
  if type(event) ~= "string" or not EVENTS[event] then
    error("on: unknown event " .. tostring(event)
          .. " (expected one of " .. table.concat(eventNames, ", ") .. ")", 2)
  end
  if type(fn) ~= "function" then error("on: expected function, got " .. type(fn), 2) end
  local byEvent = handlers[id]
  if byEvent == nil then
    byEvent = {}
    handlers[id] = byEvent
    api.spawn(function()
      while true do
        local name, payload = api.nextEvent(id)
        if name == "collectable" then payload = collectable(payload) end
        for _, handler in ipairs(byEvent[name] or {}) do api.spawn(handler, payload) end
      end
    end)
  end
  byEvent[event] = byEvent[event] or {}
  table.insert(byEvent[event], fn)
end

local cache = setmetatable({}, {__mode = "v"})
local function client(id, username)
  local c = cache[id]
  if c == nil then
    c = setmetatable({id = id, username = username}, Client)
    ids[c] = id
    cache[id] = c
  end
  return c
end

env.getClient = function(id)
  if id == nil then
    id = api.boundId()
    if id == nil then return nil end
  elseif type(id) ~= "string" then
    error("getClient: expected string id, got " .. vec.typeName(id), 2)
  end
  local username = api.username(id)
  if username == nil then return nil end
  return client(id, username)
end

env.getClients = function()
  local flat, out = api.listBots(), {}
  for i = 1, #flat, 2 do out[#out + 1] = client(flat[i], flat[i + 1]) end
  return out
end
"""

TABLE_OF_PAIRS_LUA = """
local t = {}
for i = 1, select("#", ...), 2 do t[select(i, ...)] = select(i + 1, ...) end
return t
"""

#: Lua name -> (ClientCalls method, runs on the event loop?)
CALLS = {
    "boundId": ("bound_id", False),
    "username": ("username", True),
    "listBots": ("list_bots", True),
    "point": ("point", True),
    "position": ("position", True),
    "snapshot": ("snapshot", True),
    "status": ("status", True),
    "connected": ("connected", True),
    "isAlive": ("is_alive", True),
    "ping": ("ping", True),
    "lastError": ("last_error", True),
    "connect": ("connect", True),
    "disconnect": ("disconnect", True),
    "warp": ("warp", True),
    "leave": ("leave", True),
    "recentWorlds": ("recent_worlds", True),
    "activeWorlds": ("active_worlds", True),
    "worldInfo": ("world_info", True),
    "enterTutorial": ("enter_tutorial", True),
    "setPoint": ("set_point", True),
    "getPath": ("get_path", True),
    "findPath": ("find_path", True),
    "pathfinding": ("pathfinding", False),
    "clearPath": ("clear_path", False),
    "movePoint": ("move_point", True),
    "hit": ("hit", True),
    "place": ("place", True),
    "collect": ("collect", True),
    "say": ("say", True),
    "world": ("world", True),
    "inventory": ("inventory", True),
    "nextEvent": ("next_event", True),
}


def install(ctx: ModuleContext) -> None:
    """``getClient`` and ``getClients``, and the classes behind them."""
    session = BotSession(ctx)
    calls = ClientCalls(session, ctx.services)
    api: dict[str, Any] = {}
    for lua_name, (method, is_async) in CALLS.items():
        wrap = ctx.async_function if is_async else ctx.function
        api[lua_name] = wrap(lua_name, getattr(calls, method))
    api["spawn"] = ctx.lua("local env = ... return function(...) return env.task.spawn(...) end", ctx.env)
    vec = vector_helpers(ctx)
    new_world, collectable = define_world_class(ctx, vec, session)
    new_inventory = define_inventory_class(ctx)
    api_table = ctx.lua(TABLE_OF_PAIRS_LUA, *[item for pair in api.items() for item in pair])
    events = ctx.to_lua(list(LUA_EVENTS))
    ctx.lua(CLIENT_LUA, ctx.env, vec, new_world, collectable, new_inventory, events, api_table)
