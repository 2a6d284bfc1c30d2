"""``Vector2`` / ``Vector2i``: world positions and tile points.

One tile is 0.32 world units: ``Vector2i(42, 18):position()`` is ``Vector2(13.44, 5.76)`` and
``Vector2(13.44, 5.76):point()`` is ``Vector2i(42, 18)`` (rounded to the nearest tile). Both
take an optional size: a number (the tile size) or, as in Seraph, a ``Vector2`` (an entity's
size: the position is its top-left corner, its tile the one under its centre).
``v:equals(o)`` compares coordinates.
Python sees them as :class:`~seraph_kernel.engine.values.Vec2i` / ``Vec2`` (``from_lua``) and
makes them with :func:`make_vector2i` / :func:`make_vector2` or ``to_lua(Vec2i(x, y))``.
"""

from __future__ import annotations

from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.engine.values import Vec2, Vec2i

TILE_SIZE = 0.32

LUA = r"""
local env, TILE = ...
local type, error, setmetatable, rawget, floor, tointeger, format =
  type, error, setmetatable, rawget, math.floor, math.tointeger, string.format

local classes = {}

local function define(name, integer)
  local mt = { __metatable = name }
  local methods = {}
  mt.__index = methods

  local function new(level, x, y)
    if type(x) ~= "number" or type(y) ~= "number" then
      error(format("%s.new: expected two numbers, got %s and %s", name, type(x), type(y)), level)
    end
    if integer then
      x, y = tointeger(x), tointeger(y)
      if x == nil or y == nil then error(name .. ".new: expected integers", level) end
    end
    return setmetatable({ x = x, y = y }, mt)
  end

  local function check(v, what)
    if type(v) ~= "table" or getmetatable(v) ~= name then
      error(format("%s: expected %s, got %s", what, name, type(v)), 3)
    end
  end

  mt.__eq = function(a, b)
    return getmetatable(a) == getmetatable(b)
      and rawget(a, "x") == rawget(b, "x") and rawget(a, "y") == rawget(b, "y")
  end
  mt.__tostring = function(v)
    if integer then return format("Vector2i(%d, %d)", v.x, v.y) end
    return format("Vector2(%.14g, %.14g)", v.x, v.y)
  end
  mt.__add = function(a, b)
    check(a, name .. " +"); check(b, name .. " +")
    return new(2, a.x + b.x, a.y + b.y)
  end
  mt.__sub = function(a, b)
    check(a, name .. " -"); check(b, name .. " -")
    return new(2, a.x - b.x, a.y - b.y)
  end

  local class = setmetatable({ new = function(x, y) return new(3, x, y) end }, {
    __call = function(_, x, y) return new(3, x, y) end,
    __metatable = name,
  })
  classes[name] = { class = class, mt = mt, methods = methods, ctor = function(x, y) return new(2, x, y) end }
  return class
end

local V2, V2i = define("Vector2", false), define("Vector2i", true)

-- A size is a number (the tile size: a tile-sized entity at the position's tile) or, as in
-- Seraph, a Vector2 (the entity's width and height in world units; the position is its
-- top-left corner and its tile the one under its centre). Returns the two half-offsets of
-- the entity's centre from its position, and the tile size.
local function size_arg(size, what)
  if size == nil then return 0, 0, TILE end
  if type(size) == "number" then
    if size <= 0 then error(what .. ": size must be a positive number", 3) end
    return 0, 0, size
  end
  if getmetatable(size) == "Vector2" then
    if size.x < 0 or size.y < 0 then error(what .. ": size must not be negative", 3) end
    return size.x / 2 - TILE / 2, size.y / 2 - TILE / 2, TILE
  end
  error(what .. ": size must be a positive number or a Vector2, got " .. type(size), 3)
end

classes.Vector2.methods.point = function(v, size)
  local dx, dy, tile = size_arg(size, "Vector2:point")
  return classes.Vector2i.ctor(floor((v.x + dx) / tile + 0.5), floor((v.y + dy) / tile + 0.5))
end
classes.Vector2i.methods.position = function(v, size)
  local dx, dy, tile = size_arg(size, "Vector2i:position")
  return classes.Vector2.ctor(v.x * tile - dx, v.y * tile - dy)
end

-- v:equals(o): both coordinates equal (a Vector2 and a Vector2i may be equal); false for
-- anything that is not a vector.
for _, class in pairs(classes) do
  class.methods.equals = function(v, o)
    local kind = getmetatable(o)
    return (kind == "Vector2" or kind == "Vector2i") and v.x == o.x and v.y == o.y
  end
end

env.Vector2, env.Vector2i = V2, V2i
return classes.Vector2.mt, classes.Vector2.ctor, classes.Vector2i.mt, classes.Vector2i.ctor
"""


def install(ctx: Any) -> None:
    """Add ``Vector2`` and ``Vector2i`` to ``ctx.env`` and teach the converters about them."""
    mt2, ctor2, mt2i, ctor2i = ctx.lua(LUA, ctx.env, TILE_SIZE)
    ctx.register_value_type("Vector2", mt2, ctor2)
    ctx.register_value_type("Vector2i", mt2i, ctor2i)


def make_vector2i(ctx: Any, x: int, y: int) -> Any:
    """A Lua ``Vector2i``."""
    return ctx.to_lua(Vec2i(int(x), int(y)))


def make_vector2(ctx: Any, x: float, y: float) -> Any:
    """A Lua ``Vector2``."""
    return ctx.to_lua(Vec2(float(x), float(y)))


def _kind(ctx: Any, value: Any) -> str | None:
    if lupa.lua_type(value) != "table":
        return None
    tag = ctx.vm.privileged.classify(value)
    return tag[0] if isinstance(tag, tuple) else tag


def is_vector2i(ctx: Any, value: Any) -> bool:
    """Is this Lua value (or Python value) a ``Vector2i``?"""
    return isinstance(value, Vec2i) or _kind(ctx, value) == "Vector2i"


def is_vector2(ctx: Any, value: Any) -> bool:
    """Is this Lua value (or Python value) a ``Vector2``?"""
    return isinstance(value, Vec2) or _kind(ctx, value) == "Vector2"


__all__ = [
    "TILE_SIZE",
    "Vec2",
    "Vec2i",
    "install",
    "is_vector2",
    "is_vector2i",
    "make_vector2",
    "make_vector2i",
]
