-- Library functions that can run unbounded in C without allocating, made killable: the hook
-- only fires on Lua instructions, so a C loop that allocates nothing is out of reach of stop,
-- interrupt and the no-yield budget. Each wrapper keeps the cheap case in C and does the
-- rest in bounded C chunks or in Lua, which runs in the script's own (hooked) coroutine.
-- docs/runtime.md, "C library functions and the hook", lists every allowed function and why
-- it is bounded.
--
-- Trusted: loaded as bytecode (sandbox.bytecode) with the real standard library. Called once
-- per VM with the pattern functions of lazy_chunks.lua (and, for tests, other sizes than the
-- defaults below); returns {string, table, os, load}.
local patterns, sizes = ...
sizes = sizes or {}

local type, tostring, tonumber, error, pcall, select = type, tostring, tonumber, error, pcall, select
local rawlen, rawget = rawlen, rawget
local real_getmetatable, getinfo = debug.getmetatable, debug.getinfo
local sbyte, ssub, sfind, sformat, srep = string.byte, string.sub, string.find, string.format, string.rep
local tmove, tinsert, tremove, tsort, concat = table.move, table.insert, table.remove, table.sort, table.concat
local tointeger, mtype, ult, maxinteger = math.tointeger, math.type, math.ult, math.maxinteger
local os_date, os_time = os.date, os.time
local real_load = load

local CHUNK = sizes.chunk or 1 << 16 -- elements one C call may move
local SORT_IN_C = sizes.sort or 1 << 16 -- longest array table.sort compares in C (beyond: a Lua comparator)
local SHORT_STRING = sizes.short or 256 -- longest string element table.sort compares in C
local LOAD_PIECE = sizes.piece or 64 -- bytes the parser gets between two hooked reader calls
local DATE_CHUNK = sizes.date or 4096 -- format bytes one os.date call may expand
local MAX_STRING = 0x7fffffff -- lstrlib's MAXSIZE: string.rep refuses longer results

-- lazy_chunks.lua's: errors without a position get the position of the user's call; must
-- be tail-called by the function the user called.
local rethrow = patterns.rethrow

-- luaL_typeerror's name for a value: its __name, else its type.
local function type_name(v)
  local mt = real_getmetatable(v)
  if type(mt) == "table" then
    local name = rawget(mt, "__name")
    if type(name) == "string" then return name end
  end
  return type(v)
end

-- luaL_checkinteger for argument i of `fname`, raised at the user's call (level 3).
local function check_integer(fname, i, v)
  local n = tointeger(v)
  if n then return n end
  if tonumber(v) then error(sformat("bad argument #%d to '%s' (number has no integer representation)", i, fname), 3) end
  error(sformat("bad argument #%d to '%s' (number expected, got %s)", i, fname, type_name(v)), 3)
end

-- checktab of ltablib.c: a table, or a value whose metatable has the needed fields.
local function indexable(v, read, write, len)
  if type(v) == "table" then return true end
  local mt = real_getmetatable(v)
  return type(mt) == "table"
    and (not read or rawget(mt, "__index") ~= nil)
    and (not write or rawget(mt, "__newindex") ~= nil)
    and (not len or rawget(mt, "__len") ~= nil)
end

-- Get, set and == on v are raw (no metamethod can run, so chunked C moves are unobservable).
local function raw_table(v)
  if type(v) ~= "table" then return false end
  local mt = real_getmetatable(v)
  return mt == nil
    or (rawget(mt, "__index") == nil and rawget(mt, "__newindex") == nil and rawget(mt, "__eq") == nil)
end

local function plain_table(v)
  return type(v) == "table" and real_getmetatable(v) == nil
end

---------------------------------------------------------------------------------------------
-- string.rep: an empty string and separator loop n times in C without allocating.
---------------------------------------------------------------------------------------------
-- Fast paths of every wrapper tail-call C only with arguments C cannot fail on (its errors
-- would lack the user's position); anything else goes through pcall and rethrow.
local function rep(...)
  local s, n, sep = ...
  if type(s) == "string" and mtype(n) == "integer" and (sep == nil or type(sep) == "string") then
    local width = #s + (sep and #sep or 0)
    if width == 0 then return "" end
    if n <= 0 or width <= MAX_STRING // n then return srep(...) end
  elseif s == "" and (sep == nil or sep == "") then
    local count = tointeger(n)
    if count and count > 1 then return rethrow(pcall(srep, s, 1, sep)) end
  end
  return rethrow(pcall(srep, ...))
end

---------------------------------------------------------------------------------------------
-- table.move/insert/remove: nil gets and sets over a huge range allocate nothing. A range is
-- moved in CHUNK-element C calls between raw tables, element by element in Lua otherwise
-- (where every get and set may run a metamethod, in the same order as C).
---------------------------------------------------------------------------------------------
-- Move a1[f..e] to dst[t..] (n = e - f + 1 > 0, validated), forward or backward as C does.
local function move_range(a1, f, e, t, dst, a2, backward)
  local n = e - f + 1
  if raw_table(a1) and raw_table(dst) then
    if backward then
      local hi = n
      while hi > 0 do
        local lo = hi > CHUNK and hi - CHUNK or 0
        tmove(a1, f + lo, f + hi - 1, t + lo, a2)
        hi = lo
      end
    else
      local lo = 0
      while lo < n do
        local hi = n - lo > CHUNK and lo + CHUNK or n
        tmove(a1, f + lo, f + hi - 1, t + lo, a2)
        lo = hi
      end
    end
  elseif backward then
    for i = n - 1, 0, -1 do dst[t + i] = a1[f + i] end
  else
    for i = 0, n - 1 do dst[t + i] = a1[f + i] end
  end
end

local function move(...)
  local a1, f, e, t, a2 = ...
  if mtype(f) == "integer" and mtype(e) == "integer" and mtype(t) == "integer"
    and plain_table(a1) and (a2 == nil or plain_table(a2))
    and (e < f or ((f > 0 or e < maxinteger + f) and e - f < CHUNK and t <= maxinteger - (e - f))) then
    return tmove(...)
  end
  local fi, ei, ti = tointeger(f), tointeger(e), tointeger(t)
  -- bad arguments, empty or short ranges, and the ranges C refuses: C itself
  if not (fi and ei and ti) or ei < fi or (fi <= 0 and ei >= maxinteger + fi) then
    return rethrow(pcall(tmove, ...))
  end
  local n = ei - fi + 1
  if n <= CHUNK or ti > maxinteger - n + 1 then return rethrow(pcall(tmove, ...)) end
  local ok, err = pcall(tmove, a1, 1, 0, 1, a2) -- checks the tables, moves nothing
  if not ok then return rethrow(false, err) end
  local dst = a1
  if a2 ~= nil then dst = a2 end
  local backward = not (ti > ei or ti <= fi or (a2 ~= nil and not (a1 == a2)))
  return rethrow(pcall(function()
    move_range(a1, fi, ei, ti, dst, a2, backward)
    return dst
  end))
end

-- luaL_len: #v, which must be an integer.
local function length(v)
  local n = tointeger(#v)
  if n == nil then error("object length is not an integer", 3) end
  return n
end

local function insert(...)
  local t, pos = ...
  local nargs = select("#", ...)
  if plain_table(t) then
    if nargs == 2 then return tinsert(...) end
    if nargs == 3 and mtype(pos) == "integer" then
      local e = rawlen(t) + 1
      if pos >= 1 and pos <= e and e - pos <= CHUNK then return tinsert(...) end
    end
  end
  if nargs ~= 3 or not indexable(t, true, true, true) then return rethrow(pcall(tinsert, ...)) end
  local p = tointeger(pos)
  if p and plain_table(t) and rawlen(t) - p < CHUNK then
    return rethrow(pcall(tinsert, ...))
  end
  local e = length(t) + 1 -- first empty slot (wraps like luaL_intop)
  p = check_integer("table.insert", 2, pos)
  if not ult(p - 1, e) then error("bad argument #2 to 'table.insert' (position out of bounds)", 2) end
  if e > p then move_range(t, p, e - 1, p + 1, t, nil, true) end
  t[p] = select(3, ...)
end

local function remove(...)
  local t, pos = ...
  if plain_table(t) then
    if pos == nil then return tremove(...) end
    if mtype(pos) == "integer" then
      local size = rawlen(t)
      if (pos == size or (pos >= 1 and pos - 1 <= size)) and size - pos <= CHUNK then return tremove(...) end
    end
  end
  if not indexable(t, true, true, true) or pos == nil then return rethrow(pcall(tremove, ...)) end
  local p = tointeger(pos)
  if p and plain_table(t) and rawlen(t) - p < CHUNK then
    return rethrow(pcall(tremove, ...))
  end
  local size = length(t)
  p = check_integer("table.remove", 2, pos)
  if p ~= size and not (ult(p - 1, size) or p - 1 == size) then
    error("bad argument #2 to 'table.remove' (position out of bounds)", 2)
  end
  local result = t[p]
  if p < size then
    move_range(t, p + 1, size, p, t, nil, false)
    p = size
  end
  t[p] = nil
  return result
end

---------------------------------------------------------------------------------------------
-- table.sort without a comparator compares in C (numbers, or strings of any length): n log n
-- comparisons of long strings, or a few million numbers, run for seconds. Plain arrays of up
-- to 65,536 values without long strings stay in C (tens of ms at most); otherwise the
-- comparison is a Lua function (same operator, same metamethods, same errors), so the hook
-- fires between comparisons.
---------------------------------------------------------------------------------------------
local function less(a, b) return a < b end

local function sort(...)
  local t, comp = ...
  if comp ~= nil then return rethrow(pcall(tsort, ...)) end
  if plain_table(t) then
    local n = rawlen(t)
    if n <= SORT_IN_C then
      local short = true
      for i = 1, n do
        local v = rawget(t, i)
        if type(v) == "string" and #v > SHORT_STRING then
          short = false
          break
        end
      end
      if short then return rethrow(pcall(tsort, ...)) end
    end
  end
  return rethrow(pcall(tsort, t, less))
end

---------------------------------------------------------------------------------------------
-- load: the parser is quadratic on long `and`/`or`/`elseif` chains (every jump is appended
-- to a list it walks). Feeding it LOAD_PIECE bytes per call of a Lua reader gives the hook a
-- chance between pieces; a user's reader is split the same way.
---------------------------------------------------------------------------------------------
local function pieces_of_string(text)
  local pos, n = 1, #text
  return function()
    if pos > n then return nil end
    local piece = ssub(text, pos, pos + LOAD_PIECE - 1)
    pos = pos + LOAD_PIECE
    return piece
  end
end

-- `where`: the position of the user's call of load, which C's "reader function must return a
-- string" carries.
local function pieces_of_reader(reader, where)
  local pending, pos = nil, 1
  return function()
    if pending == nil or pos > #pending then
      local piece = reader()
      local t = type(piece)
      if t ~= "string" and t ~= "number" and piece ~= nil then
        error(where .. "reader function must return a string", 0)
      end
      if t ~= "string" or #piece <= LOAD_PIECE then return piece end
      pending, pos = piece, 1
    end
    local piece = ssub(pending, pos, pos + LOAD_PIECE - 1)
    pos = pos + LOAD_PIECE
    return piece
  end
end

-- load(chunk, chunkname, "t", env) of a string or reader chunk, fed piecewise. Must be
-- tail-called by the function the user called (level 2 is the user's code).
local function bounded_load(chunk, chunkname, env)
  if type(chunk) == "string" then
    if #chunk <= LOAD_PIECE then return real_load(chunk, chunkname, "t", env) end
    return real_load(pieces_of_string(chunk), chunkname, "t", env)
  end
  local caller = getinfo(2, "Sl")
  local where = ""
  if caller and caller.currentline > 0 then where = caller.short_src .. ":" .. caller.currentline .. ": " end
  return real_load(pieces_of_reader(chunk, where), chunkname, "t", env)
end

---------------------------------------------------------------------------------------------
-- os.date: one strftime per conversion (a format of a few MB runs for seconds). A long format
-- is expanded DATE_CHUNK bytes at a time, cut between conversions, for one fixed time.
---------------------------------------------------------------------------------------------
-- The last byte of a chunk starting at `from` and reaching at least `target`: a byte that is
-- not '%', 'E' or 'O' always ends a conversion (or is plain text).
local function chunk_end(fmt, from, target)
  local j = sfind(fmt, "[^%%EO]", target)
  if j and j - target < 64 then return j end
  local i = from
  while i <= target do
    if sbyte(fmt, i) == 37 then
      local o = sbyte(fmt, i + 1)
      i = i + ((o == 69 or o == 79) and 3 or 2)
    else
      i = i + 1
    end
  end
  return i - 1
end

local function date(...)
  local fmt, t = ...
  if type(fmt) ~= "string" or #fmt <= DATE_CHUNK then return rethrow(pcall(os_date, ...)) end
  local utc = sbyte(fmt, 1) == 33 -- '!'
  local from = utc and 2 or 1
  if ssub(fmt, from, from + 2) == "*t\0" then return rethrow(pcall(os_date, ...)) end
  local prefix = utc and "!x" or "x" -- 'x': a chunk never starts like "!..." or is "*t"
  local ok, err = pcall(os_date, prefix, t) -- checks the time argument
  if not ok then return rethrow(false, err) end
  if t == nil then t = os_time() end
  local out, n = {}, #fmt
  while from <= n do
    local last = chunk_end(fmt, from, from + DATE_CHUNK)
    local done, piece = pcall(os_date, prefix .. ssub(fmt, from, last), t)
    if not done then -- the message quotes the rest of the whole format, as C's does
      return rethrow(pcall(os_date, (utc and "!" or "") .. ssub(fmt, from), t))
    end
    out[#out + 1] = ssub(piece, 2)
    from = last + 1
  end
  return concat(out)
end

local string_lib = {
  rep = rep,
  find = patterns.find,
  match = patterns.match,
  gmatch = patterns.gmatch,
  gsub = patterns.gsub,
}

return {
  string = string_lib,
  table = { move = move, insert = insert, remove = remove, sort = sort },
  os = { date = date },
  load = bounded_load,
}
