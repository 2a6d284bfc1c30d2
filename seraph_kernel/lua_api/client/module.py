"""The bots of ``lua-api.md``: ``getClient()``, ``getClient(id)``, ``getClients()`` and the
``Client`` class (fields ``id``, ``username``; every method of the "Bots" section).

The class is a thin trusted-Lua shell over the coroutines of :mod:`bot_client` (which check
the arguments and take and return ``Vec2i``/``Vec2``); ``client:on`` keeps its handlers in
Lua and runs each as a new task of the script. A client's id is kept in a
private table, so assigning ``client.id`` cannot retarget it.
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands import COMMANDS
from seraph_kernel.engine.contract import ModuleContext
from seraph_kernel.lua_api.client.calls import ClientCalls
from seraph_kernel.lua_api.client.conventions import lua_arity
from seraph_kernel.lua_api.client.event_handlers import COLLECTABLE_FIELDS, LUA_EVENTS
from seraph_kernel.lua_api.client.generated import command_binding
from seraph_kernel.lua_api.client.state import ClientState
from seraph_kernel.lua_api.client.travel import TRAVEL_CALLS, travel_bindings
from seraph_kernel.lua_api.inventory import define_inventory_class
from seraph_kernel.lua_api.world import collectable_row, define_world_class

CLIENT_LUA = """
local env, newWorld, newInventory, collectable, eventNames, api, methodNames, consoleView = ...
local Client = {__name = "Client"}
Client.__index = Client
Client.__tostring = function(c) return "Client(" .. tostring(c.id) .. ")" end
local ids = setmetatable({}, {__mode = "k"})
local EVENTS = {}
for _, name in ipairs(eventNames) do EVENTS[name] = true end

local function id_of(name, self)
  local id = ids[self]
  if id == nil then
    error(name .. ": expected a client, got " .. type(self)
          .. " (call it as client:" .. name .. "(...))", 3)
  end
  return id
end

-- Every call but world/inventory/on: the Python side checks the arguments (tail calls keep
-- the script's line in error messages). The names are the hand-written calls and the Lua
-- methods of the dispatcher's commands.
for _, name in ipairs(methodNames) do
  local call = api[name]
  Client[name] = function(self, ...) return call(id_of(name, self), ...) end
end

function Client:world()
  local id = id_of("world", self)
  local handle, name = api.world(id)
  if handle == nil then return nil end
  return newWorld(id, handle, name)
end

-- Seraph's client:console() / client:logger(): for the script's own bot, the very objects
-- getConsole() / getLogs() answer (captured here: a script may reassign the globals); for
-- another bot, the same kind of handle over the console of that bot's newest script.
local ownConsole, ownLogs = env.getConsole, env.getLogs
local siblings = {}
local function handle(name, self)
  local id = id_of(name, self)
  if id == api.boundId() then
    if name == "console" then return ownConsole() end
    return ownLogs()
  end
  local key = name .. "\0" .. id
  local h = siblings[key]
  if h == nil then
    local read = name == "console" and function() return api.siblingEntries(id) end
      or function() return api.siblingMessages(id) end
    h = consoleView(name == "console" and "Console" or "Logger", read,
      function(text) api.siblingAdd(id, text) end, function() api.siblingClear(id) end)
    siblings[key] = h
  end
  return h
end
function Client:console() return handle("console", self) end
function Client:logger() return handle("logger", self) end

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
  local byEvent = handlers[id] or {}
  handlers[id] = byEvent
  local list = byEvent[event] or {}
  byEvent[event] = list
  list[#list + 1] = fn
  api.on(id, event)
end

-- Started by Python as a new task of the script for each (event, handler); payloads arrive
-- as plain values.
local function dispatch(id, event, index, ...)
  local payload
  if event == "status" then
    payload = ...
  elseif event == "chat" then
    local nick, text = ...
    payload = {nick = nick, text = text}
  elseif event == "kicked" then
    payload = {reason = (...)}
  elseif event == "collectable" then
    payload = collectable(...)
  end
  return handlers[id][event][index](payload)
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
    if id == nil then
      local why = api.unboundReason()
      if why ~= nil then error(why, 2) end
      return nil
    end
  elseif type(id) ~= "string" then
    error("getClient: expected string id, got " .. type(id), 2)
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

return dispatch, Client, id_of
"""

#: Lua name -> (ClientCalls method, runs on the event loop?)
CALLS = {
    "boundId": ("bound_id", False),
    "unboundReason": ("unbound_reason", False),
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
    "pathfinding": ("pathfinding", True),
    "clearPath": ("clear_path", True),
    "movePoint": ("move_point", True),
    "hit": ("hit", True),
    "place": ("place", True),
    "collect": ("collect", True),
    "say": ("say", True),
    "world": ("world", True),
    "inventory": ("inventory", True),
    "on": ("on", True),
    "siblingEntries": ("sibling_entries", True),
    "siblingMessages": ("sibling_messages", True),
    "siblingAdd": ("sibling_add", True),
    "siblingClear": ("sibling_clear", True),
}


#: ``api`` entries that are not ``Client`` methods (or are written out in Lua above).
NOT_METHODS = frozenset(
    {"boundId", "unboundReason", "username", "listBots", "world", "inventory", "on"}
    | {"siblingEntries", "siblingMessages", "siblingAdd", "siblingClear"}
)
#: Commands whose Lua method has no hand-written call: their binding is generated.
GENERATED = tuple(
    c
    for c in COMMANDS.values()
    if c.lua is not None and c.lua.name not in CALLS and c.lua.name not in TRAVEL_CALLS
)


def collectable_from_values(*values: Any) -> dict[str, Any]:
    """The ``collectable`` event's payload, rebuilt from the plain values it crossed as."""
    return collectable_row(dict(zip(COLLECTABLE_FIELDS, values, strict=False)))


def install(ctx: ModuleContext) -> None:
    """``getClient`` and ``getClients``, and the classes behind them."""
    session = ClientState(ctx)
    calls = ClientCalls(session, ctx.services)
    api: dict[str, Any] = {}
    for lua_name, (method, is_async) in CALLS.items():
        wrap = ctx.async_function if is_async else ctx.function
        api[lua_name] = wrap(lua_name, lua_arity(getattr(calls, method)))
    for command in GENERATED:
        assert command.lua is not None
        api[command.lua.name] = ctx.async_function(command.lua.name, command_binding(session, command))
    for lua_name, binding in travel_bindings(session).items():
        api[lua_name] = ctx.async_function(lua_name, lua_arity(binding))
    classes = (
        define_world_class(ctx, session),
        define_inventory_class(ctx),
        ctx.function("collectable", collectable_from_values),
    )
    events = ctx.to_lua(list(LUA_EVENTS))
    names = ctx.to_lua(sorted(set(api) - NOT_METHODS))
    session.dispatch, client_class, id_of = ctx.lua(
        CLIENT_LUA, ctx.env, *classes, events, ctx.to_lua(api), names, ctx.vm.console_view
    )
    # for the modules installed after this one that add Client methods (``client:scripting()``):
    # the class, and ``id_of(name, client)`` (the bot id, or an error naming the method)
    ctx.client_class, ctx.client_id_of = client_class, id_of
