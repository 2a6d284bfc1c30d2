-- What translated Luau code needs from its first line, apart from Luau's library
-- (stdlib.lua): numbers printed as Luau prints them (tostring, string.format, print), the
-- `__luau_iter` and `__luau_tostring` helpers the translator writes, and the error and
-- argument helpers the library shares with it (`typeof` knows the library's buffers and
-- proxies). Small on purpose: a VM that compiles a Luau chunk needs this at once, and the
-- library (~50 KB of Lua) only when its script uses it (docs/runtime.md, issue 14).
--
-- Trusted code, run once per environment, before stdlib.lua: `...` is (G, env, opts) as for
-- stdlib.lua. opts.into: the new globals go to into.globals instead of env. opts.luau_numbers:
-- env's tostring/print/warn/string.format (and the string methods' format) print numbers as
-- Luau does. Returns the helpers, which stdlib.lua takes as opts.core and returns too:
-- {tostring, format, print, iter, typeof, raise, argerror, checknumber, num2str,
-- base_tostring, buffers, proxies}.

local G, env, opts = ...
local type, select, error, tonumber, tostring = G.type, G.select, G.error, G.tonumber, G.tostring
local rawget, rawset, next, setmetatable = G.rawget, G.rawset, G.next, G.setmetatable
local raw_getmetatable = (G.debug and G.debug.getmetatable) or G.getmetatable
local string, table, math = G.string, G.table, G.math
local sformat, ssub, srep, sfind, smatch, sgsub = string.format, string.sub, string.rep, string.find,
  string.match, string.gsub
local floor, ceil, huge, mtype = math.floor, math.ceil, math.huge, math.type
local tconcat, tunpack = table.concat, table.unpack

local into = opts.into
if not into then
  env.string = env.string or {}
end
local base_tostring = opts.tostring or env.tostring or tostring

local weak = { __mode = "k" }
local buffers = setmetatable({}, weak) -- buffer object -> {len = n, chunks = {...}} (stdlib.lua's buffer)
local proxies = setmetatable({}, weak) -- newproxy() objects

---------------------------------------------------------------------------------------------
-- Errors, in Luau's words, at the caller's line.
---------------------------------------------------------------------------------------------
local function typeof(v)
  local t = type(v)
  if t == "table" then
    if buffers[v] then return "buffer" end
    if proxies[v] then return "userdata" end
  elseif t == "userdata" then
    local mt = raw_getmetatable(v)
    if type(mt) == "table" then
      local name = rawget(mt, "__type")
      if type(name) == "string" then return name end
    end
  end
  return t
end

-- Raise at the user's line: the first stack frame outside this library (a C caller such as
-- pcall gets no position, as for Lua's own library). Without `debug`, at `fallback`.
local getinfo = G.debug and G.debug.getinfo
local SOURCE = opts.source

local function raise(msg, fallback)
  if getinfo then
    local level = 2
    while true do
      local info = getinfo(level, "S")
      if info == nil or info.what == "C" then error(msg, 0) end
      if info.source ~= SOURCE then error(msg, level) end
      level = level + 1
    end
  end
  error(msg, fallback or 3)
end

local function argerror(fname, i, msg)
  raise(sformat("invalid argument #%d to '%s' (%s)", i, fname, msg), 4)
end

local function checknumber(fname, i, v)
  if type(v) == "number" then return v end
  local n = type(v) == "string" and tonumber(v) or nil
  if n == nil then argerror(fname, i, "number expected, got " .. typeof(v)) end
  return n
end

---------------------------------------------------------------------------------------------
-- Numbers as Luau prints them: shortest round-trip digits, integral values without ".0",
-- fixed notation for 1e-6 <= |x| < 1e21, else d.ddde+XX.
---------------------------------------------------------------------------------------------
local EFORMATS = {}
for k = 1, 17 do EFORMATS[k] = "%." .. (k - 1) .. "e" end

local function num2str(n)
  if n ~= n then return "nan" end
  if n == huge then return "inf" elseif n == -huge then return "-inf" end
  if n == 0 then return 1 / n < 0 and "-0" or "0" end
  if n == floor(n) and n > -1e15 and n < 1e15 then return sformat("%d", n) end
  -- the shortest digits: a correctly rounded 15-digit string round-trips whenever the
  -- shortest one has at most 15 digits (DBL_DIG); subnormals have fewer digits, so they
  -- search from 1 digit up
  local s
  local first = (n < 2.2250738585072014e-308 and n > -2.2250738585072014e-308) and 1 or 15
  for k = first, 17 do
    s = sformat(EFORMATS[k], n)
    if tonumber(s) == n then break end
  end
  local sign, first, rest, exp = smatch(s, "^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = sgsub(first .. rest, "0+$", "")
  local len, dot = #digits, tonumber(exp) + 1
  if dot >= -5 and dot <= 21 then
    if dot <= 0 then return sign .. "0." .. srep("0", -dot) .. digits end
    if dot >= len then return sign .. digits .. srep("0", dot - len) end
    return sign .. ssub(digits, 1, dot) .. "." .. ssub(digits, dot + 1)
  end
  local e = dot - 1
  local mantissa = len > 1 and (ssub(digits, 1, 1) .. "." .. ssub(digits, 2)) or digits
  return sign .. mantissa .. (e < 0 and "e-" or "e+") .. sformat("%02d", e < 0 and -e or e)
end

local function luau_tostring(v)
  if mtype(v) == "float" then return num2str(v) end
  return base_tostring(v)
end

local function truncate(fname, i, v)
  local n = checknumber(fname, i, v)
  if mtype(n) == "integer" then return n end
  if n ~= n or n >= 9.2233720368547758e18 or n < -9.2233720368547758e18 then return math.mininteger end
  return n >= 0 and floor(n) or ceil(n)
end

-- string.format as Luau: %d/%i/%c truncate floats, %o/%u/%x/%X take them modulo 2^64,
-- %s, %q and %* print numbers as Luau does (%* takes any value, like tostring).
local function luau_format(fmt, ...)
  if type(fmt) == "number" then fmt = num2str(fmt) end
  if type(fmt) ~= "string" then argerror("format", 1, "string expected, got " .. typeof(fmt)) end
  local n = select("#", ...)
  local args = { ... }
  local pieces, pos, argi = {}, 1, 0
  while true do
    local s, e, spec, conv = sfind(fmt, "%%([-+ #0]*%d*%.?%d*)(.?)", pos)
    if not s then break end
    if conv == "%" and spec == "" then
      pieces[#pieces + 1] = ssub(fmt, pos, e)
      pos = e + 1
    else
      argi = argi + 1
      if argi > n then raise(sformat("missing argument #%d", argi + 1), 3) end
      local a = args[argi]
      if conv == "*" then
        if spec ~= "" then raise("'%*' does not take a form", 3) end
        pieces[#pieces + 1] = ssub(fmt, pos, s - 1) .. "%s"
        args[argi] = luau_tostring(a)
        pos = e + 1
      else
        if conv == "d" or conv == "i" or conv == "c" then
          args[argi] = truncate("format", argi + 1, a)
        elseif conv == "o" or conv == "u" or conv == "x" or conv == "X" then
          local v = checknumber("format", argi + 1, a)
          if mtype(v) == "float" then
            if v >= 9.2233720368547758e18 and v < 1.8446744073709552e19 then v = v - 1.8446744073709552e19 end
            v = truncate("format", argi + 1, v)
          end
          args[argi] = v
        elseif (conv == "s" or conv == "q") and type(a) == "number" then
          args[argi] = luau_tostring(a)
        end
        pieces[#pieces + 1] = ssub(fmt, pos, e)
        pos = e + 1
      end
    end
  end
  if pieces[1] == nil then return sformat(fmt, ...) end
  pieces[#pieces + 1] = ssub(fmt, pos)
  return sformat(tconcat(pieces), tunpack(args, 1, n))
end

local function print_with(print_fn)
  return function(...)
    local n = select("#", ...)
    local args = { ... }
    for i = 1, n do
      if mtype(args[i]) == "float" then args[i] = num2str(args[i]) end
    end
    return print_fn(tunpack(args, 1, n))
  end
end

---------------------------------------------------------------------------------------------
-- Generalized iteration: `for k, v in x do` (the translator writes __luau_iter(x)).
---------------------------------------------------------------------------------------------
local function luau_iter(x, ...)
  if type(x) == "function" then return x, ... end
  local mt = raw_getmetatable(x)
  if type(mt) == "table" then
    local iter = rawget(mt, "__iter")
    if iter ~= nil then
      local f, s, c = iter(x)
      return f, s, c
    end
    if rawget(mt, "__call") ~= nil then return x, ... end
  end
  if type(x) == "table" then return next, x, nil end
  raise("attempt to iterate over a " .. typeof(x) .. " value", 3)
end

local out = into and into.globals or env
out.__luau_iter = luau_iter
out.__luau_tostring = luau_tostring

if opts.luau_numbers then
  local string_mt = raw_getmetatable("")
  local string_methods = type(string_mt) == "table" and rawget(string_mt, "__index") or nil
  env.tostring = luau_tostring
  if env.print ~= nil then env.print = print_with(env.print) end
  if env.warn ~= nil then env.warn = print_with(env.warn) end
  env.string.format = luau_format
  -- s:format(...) too, unless the string methods are the runtime's own `string` table
  -- (then trusted code would get this format as well)
  if type(string_methods) == "table" and string_methods ~= string then
    rawset(string_methods, "format", luau_format)
  end
end

return {
  tostring = luau_tostring,
  format = luau_format,
  print = print_with,
  iter = luau_iter,
  typeof = typeof,
  raise = raise,
  argerror = argerror,
  checknumber = checknumber,
  num2str = num2str,
  base_tostring = base_tostring,
  buffers = buffers,
  proxies = proxies,
}
