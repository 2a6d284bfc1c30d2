"""Luau in every VM: Luau's standard library, ``load``/``loadstring`` that accept Luau, and
Luau's number printing while a Luau chunk runs.

The library is ``seraph_kernel.dialect``'s (``stdlib.lua``), run as trusted module code. The
engine translates every chunk it compiles (``LuaVM.compile``) and tells this module whether
the chunk was Luau: ``print``/``warn``/``tostring``/``string.format`` then print numbers as
Luau does (``print(10/2)`` shows ``5``), and as Lua 5.4 does (``5.0``) for a Lua 5.4 chunk.
The switch only replaces the functions it installed: a script's own ``print`` stays.
See docs/luau.md ("In Seraph").
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.dialect import LuauSyntaxError, translate
from seraph_kernel.dialect.stdlib import MAX_ITEMS, STDLIB_LUA

MAX_LOAD_TRANSLATE_BYTES = 16 * 1024
"""``load``/``loadstring`` translate text chunks up to this size. Translation runs in Python,
where the instruction hook cannot stop it: 16 KB is a few ms of typical code and stays under
the 100 ms stop latency for the densest Luau (interpolated strings on every line, ~50 ms). A
larger chunk is compiled as Lua 5.4 only."""

LUA_IDSIZE = 60
"""Lua's ``LUA_IDSIZE``: the longest chunk id in a message."""

STRIPPED_SOURCE = "=?"
"""``debug.getinfo().source`` of trusted module code (loaded as stripped bytecode): the
library reports argument errors at the first frame that is not trusted code."""

LUA = r"""
local env, helpers, translate, LIMIT = ...
local type, rawget, rawset, next = type, rawget, rawset, next
local utf8len = utf8.len

-- Number printing: the functions each dialect sees.
local S = rawget(env, "string")
local methods = debug.getmetatable("").__index
if methods == string then methods = nil end -- never change the trusted string library
local plain = { tostring = rawget(env, "tostring"), print = rawget(env, "print"), warn = rawget(env, "warn") }
local luau = { tostring = helpers.tostring }
if plain.print ~= nil then luau.print = helpers.print(plain.print) end
if plain.warn ~= nil then luau.warn = helpers.print(plain.warn) end
local plain_format = type(S) == "table" and rawget(S, "format") or nil
local plain_method = type(methods) == "table" and rawget(methods, "format") or nil

-- Replace t[k] only if it still holds what we put there (raw access: no user metamethod
-- runs, and a script's own replacement stays).
local function swap(t, k, from, to)
  if type(t) == "table" and from ~= nil and to ~= nil and rawget(t, k) == from then rawset(t, k, to) end
end

local current = false
local function set_luau_numbers(on)
  if on == current then return end
  current = on
  local from, to = plain, luau
  if not on then from, to = luau, plain end
  for k, v in next, from do swap(env, k, v, to[k]) end
  if on then
    swap(S, "format", plain_format, helpers.format)
    swap(methods, "format", plain_method, helpers.format)
  else
    swap(S, "format", helpers.format, plain_format)
    swap(methods, "format", helpers.format, plain_method)
  end
end

-- load / loadstring: text chunks are translated (Luau or Lua 5.4) when small enough and
-- valid UTF-8; anything else goes to the sandbox's own functions unchanged.
local function source_of(chunk, name)
  if #chunk > LIMIT or not utf8len(chunk) then return chunk end
  return translate(chunk, name)
end

local base_load, base_loadstring = rawget(env, "load"), rawget(env, "loadstring")
if base_load ~= nil then
  env.load = function(chunk, chunkname, mode, e)
    if type(chunk) == "string" then
      local text, err = source_of(chunk, type(chunkname) == "string" and chunkname or "=load")
      if text == nil then return nil, err end
      chunk = text
    end
    return base_load(chunk, chunkname, mode, e)
  end
end
if base_loadstring ~= nil then
  env.loadstring = function(source, chunkname)
    if type(source) == "string" and (chunkname == nil or type(chunkname) == "string") then
      local text, err = source_of(source, chunkname or source)
      if text == nil then return nil, err end
      return base_loadstring(text, chunkname or source)
    end
    return base_loadstring(source, chunkname)
  end
end

return set_luau_numbers
"""


def chunk_id(name: str) -> str:
    """How Lua names a chunk in messages (``luaO_chunkid``): ``=name`` -> ``name``,
    ``@file`` -> ``file``, other text -> ``[string "first line..."]``."""
    raw = name.encode("utf-8", "replace")
    if raw.startswith(b"="):
        out = raw[1:] if len(raw) <= LUA_IDSIZE else raw[1:LUA_IDSIZE]
    elif raw.startswith(b"@"):
        out = raw[1:] if len(raw) <= LUA_IDSIZE else b"..." + raw[len(raw) - (LUA_IDSIZE - 3) + 1 :]
    else:
        room = LUA_IDSIZE - len('[string "..."]') - 1
        newline = raw.find(b"\n")
        if len(raw) < room and newline < 0:
            out = b'[string "' + raw + b'"]'
        else:
            text = raw if newline < 0 else raw[:newline]
            out = b'[string "' + text[:room] + b'..."]'
    return out.decode("utf-8", "replace")


def translate_for_load(source: str, chunkname: str) -> tuple[str | None, str | None]:
    """``(lua_text, None)`` or ``(None, message)``: the message as Lua's ``load`` words it."""
    try:
        return translate(source, "chunk"), None
    except LuauSyntaxError as err:
        return None, f"{chunk_id(chunkname)}:{err.line}: {err.message}"


def install(ctx: Any) -> None:
    """Add Luau's library to ``ctx.env``, make ``load``/``loadstring`` accept Luau, and
    follow the dialect of each compiled chunk for number printing."""
    runtime_globals = ctx.vm.runtime.globals()
    options = ctx.to_lua({"luau_numbers": False, "max_items": MAX_ITEMS, "source": STRIPPED_SOURCE})
    helpers = ctx.lua(STDLIB_LUA, runtime_globals, ctx.env, options)
    set_luau_numbers = ctx.lua(
        LUA, ctx.env, helpers, ctx.function("load", translate_for_load), MAX_LOAD_TRANSLATE_BYTES
    )
    ctx.vm.dialect_listeners.append(set_luau_numbers)
