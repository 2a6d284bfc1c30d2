"""The inventory snapshot of ``lua-api.md`` (``client:inventory()``, ``getInventory()``):
``slots``, ``capacity``, ``items`` keyed by ``invKey = (inventoryType << 16) | blockId``,
``getItem`` and ``count``; an item is ``{id, type, amount, name}``.

As in Seraph, ``slots`` is the number of backpack cells in use (one per item row); the
backpack's size is the additive ``capacity`` (the fleet's ``slots``, as the REST snapshot
keeps it)."""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import ModuleContext

INVENTORY_LUA = """
local Inventory = {__name = "Inventory"}
Inventory.__index = Inventory

local function check(name, self)
  if getmetatable(self) ~= Inventory then
    error(name .. ": expected an inventory, got " .. type(self)
          .. " (call it as inventory:" .. name .. "())", 3)
  end
end

local function integer(name, what, v)
  if math.type(v) == "integer" then return v end
  if type(v) == "number" and v == math.floor(v) then return math.tointeger(v) end
  local got = type(v) == "number" and tostring(v) or type(v)
  error(name .. ": expected integer " .. what .. ", got " .. got, 3)
end

function Inventory:getItem(key, inventoryType)
  check("getItem", self)
  key = integer("getItem", "invKey or blockId", key)
  if inventoryType ~= nil then
    key = (integer("getItem", "inventoryType", inventoryType) << 16) | key
  end
  return self.items[key]
end

function Inventory:count(blockId)
  check("count", self)
  blockId = integer("count", "blockId", blockId)
  local total = 0
  for _, item in pairs(self.items) do
    if item.id == blockId then total = total + item.amount end
  end
  return total
end

return function(raw)
  local items, used = {}, 0
  for _, it in ipairs(raw.items or {}) do
    items[(it.inventory_type << 16) | it.block_id] =
      {id = it.block_id, type = it.inventory_type, amount = it.amount, name = it.name}
    used = used + 1
  end
  return setmetatable({slots = used, capacity = raw.slots, items = items}, Inventory)
end
"""

GET_INVENTORY_LUA = """
local env = ...
return function()
  local client = env.getClient()
  if client == nil then error("getInventory: no bot is bound to this script", 2) end
  return client:inventory()
end
"""


def define_inventory_class(ctx: ModuleContext) -> Any:
    """The Lua constructor turning ``fleet.inventory`` data into an inventory snapshot."""
    return ctx.lua(INVENTORY_LUA)


def install(ctx: ModuleContext) -> None:
    """``getInventory()``: the shorthand for ``getClient():inventory()``."""
    ctx.env.getInventory = ctx.lua(GET_INVENTORY_LUA, ctx.env)
