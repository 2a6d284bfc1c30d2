"""The vector helpers the bot modules' trusted Lua uses: make and recognise ``Vector2`` /
``Vector2i`` (from the ``vector`` module) and name a value's type in error messages."""

from __future__ import annotations

from typing import Any

from seraph_kernel.lua.contract import ModuleContext

VECTORS_LUA = """
local env = ...
local V2, V2i = env.Vector2, env.Vector2i
local mt2, mt2i = getmetatable(V2.new(0, 0)), getmetatable(V2i.new(0, 0))
local function is2i(v) return getmetatable(v) == mt2i end
local function is2(v) return getmetatable(v) == mt2 end
return {
  new2 = V2.new,
  new2i = V2i.new,
  is2 = is2,
  is2i = is2i,
  typeName = function(v)
    if is2i(v) then return "Vector2i" end
    if is2(v) then return "Vector2" end
    return type(v)
  end,
}
"""


def vector_helpers(ctx: ModuleContext) -> Any:
    """A Lua table ``{new2, new2i, is2, is2i, typeName}``."""
    return ctx.lua(VECTORS_LUA, ctx.env)
