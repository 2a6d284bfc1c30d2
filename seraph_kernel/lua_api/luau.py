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

from functools import cache
from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.dialect import LuauSyntaxError, translate
from seraph_kernel.dialect.stdlib import CORE_LUA, MAX_ITEMS, STDLIB_LUA
from seraph_kernel.engine.sandbox import bytecode

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
local env, P, fetch, fetch_core, names, G, opts, translate, LIMIT = ...
local type, rawget, rawset, next, error = type, rawget, rawset, next, error
local utf8len = utf8.len

local S, T, MATH = rawget(env, "string"), rawget(env, "table"), rawget(env, "math")
local methods = debug.getmetatable("").__index
if methods == string then methods = nil end -- never change the trusted string library
local plain = { tostring = rawget(env, "tostring"), print = rawget(env, "print"), warn = rawget(env, "warn") }
local plain_format = type(S) == "table" and rawget(S, "format") or nil
local plain_method = type(methods) == "table" and rawget(methods, "format") or nil

-- Built on first use (see loader.lua's P.lazy), each with the env's own
-- tostring/table.move/string.find of now, whatever the script does before: luau_core.lua
-- (number printing, __luau_iter/__luau_tostring: every Luau chunk needs it) and the library,
-- stdlib.lua (~50 KB of Lua), only once the script reads one of its names.
opts.tostring, opts.move, opts.find = plain.tostring, rawget(T, "move"), rawget(S, "find")
local function build_core()
  local into = { globals = {} }
  opts.into = into
  return { into.globals }, P.trusted(fetch_core(), "module")(G, env, opts)
end
local settle_core = P.lazy(build_core, { { env, names.core } })

local wrap_loadstring
local function build()
  local into = { globals = {}, string = {}, table = {}, math = {}, methods = {} }
  opts.core = settle_core()
  opts.into = into
  local helpers = P.trusted(fetch(), "module")(G, env, opts)
  local base_loadstring = into.globals.loadstring
  if base_loadstring ~= nil then into.globals.loadstring = wrap_loadstring(base_loadstring) end
  return { into.globals, into.string, into.table, into.math, into.methods }, helpers
end
local targets = { { env, names.globals }, { S, names.string }, { T, names.table }, { MATH, names.math } }
if type(methods) == "table" then targets[5] = { methods, names.methods } end
local settle = P.lazy(build, targets)

-- Number printing: the functions each dialect sees (Luau's: made on the first Luau chunk).
local luau = nil
local function luau_functions()
  if luau == nil then
    local helpers = settle_core()
    local made = { tostring = helpers.tostring, format = helpers.format }
    if plain.print ~= nil then made.print = helpers.print(plain.print) end
    if plain.warn ~= nil then made.warn = helpers.print(plain.warn) end
    luau = made
  end
  return luau
end

-- Replace t[k] only if it still holds what we put there (raw access: no user metamethod
-- runs, and a script's own replacement stays).
local function swap(t, k, from, to)
  if type(t) == "table" and from ~= nil and to ~= nil and rawget(t, k) == from then rawset(t, k, to) end
end

local current = false
local function set_luau_numbers(on)
  if on == current then return end
  local numbers = luau_functions()
  current = on
  local from, to = plain, numbers
  if not on then from, to = numbers, plain end
  for k, v in next, from do
    if k ~= "format" then swap(env, k, v, to[k]) end
  end
  if on then
    swap(S, "format", plain_format, numbers.format)
    swap(methods, "format", plain_method, numbers.format)
  else
    swap(S, "format", numbers.format, plain_format)
    swap(methods, "format", numbers.format, plain_method)
  end
end

-- load / loadstring: text chunks are translated (Luau or Lua 5.4) when small enough and
-- valid UTF-8; anything else goes to the sandbox's own functions unchanged.
local function source_of(chunk, name)
  if #chunk > LIMIT or not utf8len(chunk) then return chunk end
  return translate(chunk, name)
end

local base_load = rawget(env, "load")
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
wrap_loadstring = function(base_loadstring)
  return function(source, chunkname)
    if type(source) == "string" and (chunkname == nil or type(chunkname) == "string") then
      local text, err = source_of(source, chunkname or source)
      if text == nil then return nil, err end
      return base_loadstring(text, chunkname or source)
    end
    return base_loadstring(source, chunkname)
  end
end

return set_luau_numbers, settle, settle_core
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


@cache
def library_names() -> dict[str, list[str]]:
    """The names stdlib.lua adds, per table it adds them to (``globals``, ``string``,
    ``table``, ``math``, ``methods``: the string methods), and ``core``: the globals
    luau_core.lua adds. Found once per process by building both into empty tables: what the
    VM's lazy libraries answer to before they are built."""
    runtime = lupa.LuaRuntime()
    probe = runtime.eval(
        """function(core_source, source, max_items)
  local env = { string = {}, table = {}, math = {} }
  local core_into = { globals = {} }
  local core = assert(load(core_source, "=luau_stdlib", "t"))(_G, env, { into = core_into })
  local into = { globals = {}, string = {}, table = {}, math = {}, methods = {} }
  assert(load(source, "=luau_stdlib", "t"))(_G, env, { into = into, max_items = max_items, core = core })
  into.core = core_into.globals
  local names = {}
  for part, t in pairs(into) do
    local list = {}
    for k in pairs(t) do list[#list + 1] = k end
    names[part] = list
  end
  return names
end"""
    )
    found = probe(CORE_LUA, STDLIB_LUA, MAX_ITEMS)
    return {part: sorted(found[part].values()) for part in found}


def install(ctx: Any) -> None:
    """Add Luau's library to ``ctx.env`` (built on first use: see loader.lua's ``P.lazy``),
    make ``load``/``loadstring`` accept Luau, and follow the dialect of each compiled chunk
    for number printing."""
    code = bytecode(STDLIB_LUA, "module")
    core_code = bytecode(CORE_LUA, "module")
    names = library_names()
    options = ctx.to_lua({"luau_numbers": False, "max_items": MAX_ITEMS, "source": STRIPPED_SOURCE})
    set_luau_numbers, settle, settle_core = ctx.lua(
        LUA,
        ctx.env,
        ctx.vm.privileged.table,
        ctx.function("luau", lambda: code),
        ctx.function("luau_core", lambda: core_code),
        ctx.to_lua({part: {name: True for name in listed} for part, listed in names.items()}),
        ctx.vm.runtime.globals(),
        options,
        ctx.function("load", translate_for_load),
        MAX_LOAD_TRANSLATE_BYTES,
    )
    ctx.vm.dialect_listeners.append(set_luau_numbers)
    ctx.vm.add_lazy_library(names["core"], settle_core)
    ctx.vm.add_lazy_library(names["globals"], settle)
