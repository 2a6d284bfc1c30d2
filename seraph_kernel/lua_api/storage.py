"""``storage`` (scoped to the bound bot, ``bot:<id>``; with no bound bot, Seraph's
``__noparent__`` namespace) and ``globalStorage`` (``global``):
persistent key/value stores kept by the fleet (SQLite for a LocalFleet), so values survive a
restart and are shared by every script and notebook of that fleet.

Keys are strings; values are anything JSON can hold. ``set(k, nil)`` deletes ``k``. A value
JSON cannot hold (a function, a cyclic table, ``NaN``) raises an error naming the call and
stores nothing.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from seraph_kernel.commands.storage import NO_PARENT_SCOPE
from seraph_kernel.engine.contract import LuaArgumentError, ModuleContext
from seraph_kernel.errors import InvalidArgument
from seraph_kernel.lua_api.client.conventions import game_call, lua_arity, require_str

STORAGE_LUA = """
local label, get, set, delete, keys, clear = ...
local Store = {__name = label}
Store.__index = Store
local store = setmetatable({}, Store)
local function check(name, self)
  if self ~= store then
    error(label .. ":" .. name .. ": call it with ':' (" .. label .. ":" .. name .. "(...))", 3)
  end
end
function Store:get(k) check("get", self) return get(k) end
function Store:set(k, v) check("set", self) return set(k, v) end
function Store:delete(k) check("delete", self) return delete(k) end
function Store:keys() check("keys", self) return keys() end
function Store:clear() check("clear", self) return clear() end
Store.__newindex = function() error(label .. ": use " .. label .. ":set(key, value)", 2) end
return store
"""


class ScopedStore:
    """The Python side of one store: ``storage`` (the bound bot's scope) or ``globalStorage``."""

    def __init__(self, services: Any, label: str) -> None:
        self._services = services
        self.label = label

    def _fleet_and_scope(self, call: str) -> tuple[Any, str]:
        name = f"{self.label}:{call}"
        fleet = self._services.fleet
        if fleet is None:
            raise LuaArgumentError(f"{name}: no fleet is attached")
        if self.label == "globalStorage":
            return fleet, "global"
        client_id = self._services.client_id()
        if client_id is None:  # a global executor, a notebook before %use: Seraph's namespace
            return fleet, NO_PARENT_SCOPE
        return fleet, f"bot:{client_id}"

    def _value(self, name: str, value: Any) -> None:
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise LuaArgumentError(f"{name}: value is not JSON-serialisable ({err})") from None

    async def get(self, key: Any = None) -> Any:
        require_str(f"{self.label}:get", "key", key)
        fleet, scope = self._fleet_and_scope("get")
        return await game_call(f"{self.label}:get", fleet.storage_get(scope, key))

    async def set(self, key: Any = None, value: Any = None) -> None:
        name = f"{self.label}:set"
        require_str(name, "key", key)
        fleet, scope = self._fleet_and_scope("set")
        if value is None:
            await game_call(name, fleet.storage_delete(scope, key))
            return
        self._value(name, value)
        await game_call(name, fleet.storage_set(scope, key, value))

    async def delete(self, key: Any = None) -> bool:
        require_str(f"{self.label}:delete", "key", key)
        fleet, scope = self._fleet_and_scope("delete")
        return bool(await game_call(f"{self.label}:delete", fleet.storage_delete(scope, key)))

    async def keys(self) -> list[str]:
        fleet, scope = self._fleet_and_scope("keys")
        return sorted(await game_call(f"{self.label}:keys", fleet.storage_keys(scope)))

    async def clear(self) -> None:
        fleet, scope = self._fleet_and_scope("clear")
        await game_call(f"{self.label}:clear", fleet.storage_clear(scope))


class DirectScopedStore(ScopedStore):
    """The same store called on the fleet's store thread, when the fleet keeps it in this
    process (``Fleet.direct_storage``): no event-loop turn per call, and one thread writes."""

    def __init__(self, services: Any, label: str, direct: Any) -> None:
        super().__init__(services, label)
        self._direct = direct

    def _call(self, call: str, *args: Any, as_call: str | None = None) -> Any:
        """``call`` on the store; errors name ``as_call`` (what the script called)."""
        name = as_call or call
        _, scope = self._fleet_and_scope(name)
        try:
            return getattr(self._direct, call)(scope, *args)
        except InvalidArgument as err:
            raise LuaArgumentError(f"{self.label}:{name}: {err}") from None

    def get(self, key: Any = None) -> Any:  # type: ignore[override]
        return self._call("get", require_str(f"{self.label}:get", "key", key))

    def set(self, key: Any = None, value: Any = None) -> None:  # type: ignore[override]
        name = f"{self.label}:set"
        require_str(name, "key", key)
        if value is None:
            self._call("delete", key, as_call="set")
            return
        try:  # the store encodes the value once: a second json.dumps to check it costs as much
            self._direct.set(self._fleet_and_scope("set")[1], key, value)
        except InvalidArgument as err:
            if err.field == "value":
                raise LuaArgumentError(f"{name}: value is {err.args[0].split(': ', 1)[1]}") from None
            raise LuaArgumentError(f"{name}: {err}") from None

    def delete(self, key: Any = None) -> bool:  # type: ignore[override]
        return self._call("delete", require_str(f"{self.label}:delete", "key", key))

    def keys(self) -> list[str]:  # type: ignore[override]
        return sorted(self._call("keys"))

    def clear(self) -> None:  # type: ignore[override]
        self._call("clear")


def install(ctx: ModuleContext) -> None:
    fleet = getattr(ctx.services, "fleet", None)
    direct = fleet.direct_storage() if fleet is not None and hasattr(fleet, "direct_storage") else None
    for label in ("storage", "globalStorage"):
        if direct is not None:
            store: ScopedStore = DirectScopedStore(ctx.services, label, direct)
            bind = partial(ctx.threaded_function, executor=direct.executor)
        else:
            store = ScopedStore(ctx.services, label)
            bind = ctx.async_function
        calls = [
            bind(f"{label}:{call}", lua_arity(getattr(store, call)))
            for call in ("get", "set", "delete", "keys", "clear")
        ]
        ctx.env[label] = ctx.lua(STORAGE_LUA, label, *calls)
