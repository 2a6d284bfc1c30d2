"""``getScripting()`` / ``client:scripting()``: a bot's child-script engine (``docs/lua-api.md``,
"Child scripts").

The engine lives in the fleet (``commands/scripting.py``), so every script asking for the same
bot drives the same engine, from a detached run or a notebook cell, over a LocalFleet or a
RemoteFleet. Here the handle is a read-only Lua object, one per bot id in each VM; its methods
are dispatcher commands. A detached run names itself as the parent of what it starts, which
is how the fleet bounds a family (depth, deadline, stop).
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError, ModuleContext
from seraph_kernel.errors import SeraphError
from seraph_kernel.lua_api.client.conventions import lua_arity, type_name

LUA = r"""
local env, api, boundId, unboundReason, Client, clientIdOf = ...
local type, error, tostring, setmetatable = type, error, tostring, setmetatable

local ids = setmetatable({}, {__mode = "k"})
local methods = {}

local function id_of(name, self)
  local id = ids[self]
  if id == nil then
    error(name .. ": expected a script engine, got " .. type(self)
          .. " (call it as engine:" .. name .. "(...))", 3)
  end
  return id
end

-- tail calls keep the script's line in error messages
function methods.execute(self, source)
  local id = id_of("execute", self)
  if type(source) ~= "string" then error("execute: expected string source, got " .. type(source), 2) end
  return api.execute(id, source)
end
function methods.stop(self) return api.stop(id_of("stop", self)) end
function methods.running(self) return api.running(id_of("running", self)) end
function methods.get(self) return api.get(id_of("get", self)) end
methods["error"] = function(self) return api.error(id_of("error", self)) end

local meta = {
  __index = methods,
  __newindex = function() error("a script engine is read-only", 2) end,
  __tostring = function(self) return "ScriptEngine(" .. tostring(ids[self]) .. ")" end,
  __metatable = "ScriptEngine",
}
local engines = {}
local function engine(id)
  local e = engines[id]
  if e == nil then
    e = setmetatable({}, meta)
    ids[e] = id
    engines[id] = e
  end
  return e
end

env.getScripting = function()
  local id = boundId()
  if id == nil then
    error("getScripting: " .. (unboundReason() or "this script runs without a bot"), 2)
  end
  return engine(id)
end

if Client ~= nil then
  function Client:scripting()
    return engine(clientIdOf("scripting", self))
  end
end
"""


class EngineCalls:
    """The engine's methods, over ``scripting_*`` commands of the fleet the script sees."""

    def __init__(self, services: Any) -> None:
        self._services = services

    def _fleet(self, name: str) -> Any:
        fleet = self._services.fleet
        if fleet is None:
            raise LuaArgumentError(f"{name}: no fleet is attached")
        return fleet

    async def _invoke(self, name: str, cmd: str, args: dict[str, Any]) -> Any:
        try:
            return await self._fleet(name).invoke(cmd, args)
        except SeraphError as err:
            raise LuaArgumentError(f"{name}: {err}") from None

    async def execute(self, client_id: str, source: Any = None) -> None:
        """Start ``source`` on the engine; this run (if detached) is the child's parent."""
        if not isinstance(source, str):
            raise LuaArgumentError(f"execute: expected string source, got {type_name(source)}")
        args = {"client_id": client_id, "source": source}
        script_id = getattr(self._services, "script_id", None)
        parent_bot = self._services.client_id()
        if script_id is not None and parent_bot is not None:
            args.update(parent_client_id=parent_bot, parent_script_id=script_id)
        await self._invoke("execute", "scripting_execute", args)

    async def stop(self, client_id: str) -> None:
        await self._invoke("stop", "scripting_stop", {"client_id": client_id})

    async def _state(self, name: str, client_id: str) -> dict[str, Any]:
        return await self._invoke(name, "scripting_state", {"client_id": client_id})

    async def running(self, client_id: str) -> bool:
        return bool((await self._state("running", client_id))["running"])

    async def get(self, client_id: str) -> str:
        return str((await self._state("get", client_id))["source"])

    async def error(self, client_id: str) -> str | None:
        return (await self._state("error", client_id))["error"]


def install(ctx: ModuleContext) -> None:
    """Add ``getScripting`` and ``Client:scripting`` (when the client module is installed)."""
    calls = EngineCalls(ctx.services)
    api = {
        name: ctx.async_function(name, lua_arity(getattr(calls, name)))
        for name in ("execute", "stop", "running", "get", "error")
    }

    def unbound_reason() -> str | None:
        """The kernel's "no bot in use … run %use <id>", without the name of getClient."""
        reason = getattr(ctx.services, "unbound_reason", None)
        text = reason() if callable(reason) else None
        return None if text is None else text.removeprefix("getClient: ")

    ctx.lua(
        LUA,
        ctx.env,
        ctx.to_lua(api),
        ctx.function("getScripting", ctx.services.client_id),
        ctx.function("getScripting", unbound_reason),
        getattr(ctx, "client_class", None),
        getattr(ctx, "client_id_of", None),
    )
