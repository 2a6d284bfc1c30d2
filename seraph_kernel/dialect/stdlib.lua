-- Luau's standard library on top of a Lua 5.4 sandbox.
--
-- Trusted code, run once per environment, after luau_core.lua: `...` is (G, env, opts) where
-- G is the runtime's own globals, env the sandbox environment (whose string/table/math are its
-- own copies) and opts {max_items = n, core = what luau_core.lua returned}. Every primitive is
-- captured here, so user code that rewrites its globals cannot change what these functions do.
-- Nothing here hands user code a trusted function (load, debug, io, os) or loops in C on a
-- size it chose without a bound. Returns luau_core.lua's helper table.
--
-- opts.into (a host that installs the library lazily, see the engine's loader.lua): the new
-- fields go to the tables {globals, string, table, math, methods} it holds instead, and no
-- live table is changed; opts.tostring/move/find are the env's own from before any user code.

local G, env, opts = ...
local type, select, error, tonumber = G.type, G.select, G.error, G.tonumber
local rawget, rawset, rawlen, rawequal, next = G.rawget, G.rawset, G.rawlen, G.rawequal, G.next
local setmetatable, getmetatable, load = G.setmetatable, G.getmetatable, G.load
local raw_getmetatable = (G.debug and G.debug.getmetatable) or getmetatable
local string, table, math = G.string, G.table, G.math
local sformat, sbyte, schar, ssub, srep, sfind, smatch = string.format, string.byte, string.char, string.sub,
  string.rep, string.find, string.match
local spack, sunpack, sgsub = string.pack, string.unpack, string.gsub
local floor, ceil, huge, mtype, tointeger = math.floor, math.ceil, math.huge, math.type, math.tointeger
local tconcat, tunpack = table.concat, table.unpack
local gc = G.collectgarbage

local MAX_ITEMS = opts.max_items or 10000000
local MAX_BUFFER = 1073741824 -- Luau's MAX_BUFFER_SIZE (1 GiB); buffers are lazy, see below

local into = opts.into
if not into then
  env.string = env.string or {}
  env.table = env.table or {}
  env.math = env.math or {}
end
local out = into and into.globals or env
local base_move = opts.move or env.table.move or table.move
-- the host's string.find: a sandbox bounds a plain find of a long needle (C's memcmp loop)
local bounded_find = opts.find or env.string.find or sfind

-- luau_core.lua's: errors in Luau's words at the caller's line, argument checks, numbers
local core = opts.core
local typeof, raise, argerror, checknumber, num2str = core.typeof, core.raise, core.argerror, core.checknumber,
  core.num2str
local base_tostring, buffers, proxies = core.base_tostring, core.buffers, core.proxies

local function checktable(fname, i, v)
  if type(v) ~= "table" then argerror(fname, i, "table expected, got " .. typeof(v)) end
  return v
end

-- luaL_checkinteger: a number truncated towards zero (to an int; out of range saturates)
local function checkint(fname, i, v)
  local n = checknumber(fname, i, v)
  if mtype(n) == "integer" then
    if n > 2147483647 then return 2147483647 elseif n < -2147483648 then return -2147483648 end
    return n
  end
  if n ~= n then return 0 end
  if n >= 2147483647 then return 2147483647 elseif n <= -2147483648 then return -2147483648 end
  return n >= 0 and floor(n) or ceil(n)
end

-- luaL_checkunsigned: (unsigned)(long long)n, i.e. truncation then the low 32 bits
local function checku32(fname, i, v)
  local n = checknumber(fname, i, v)
  if mtype(n) == "float" then
    if n ~= n or n >= 9.2233720368547758e18 or n < -9.2233720368547758e18 then return 0 end
    n = n >= 0 and floor(n) or ceil(n)
  end
  return n & 0xFFFFFFFF
end

local frozen = setmetatable({}, { __mode = "k" }) -- frozen shell -> {backing, original metatable}

---------------------------------------------------------------------------------------------
-- table
---------------------------------------------------------------------------------------------
local function contents(t)
  local f = frozen[t]
  if f then return f[1] end
  return t
end

local function readonly_error()
  raise("attempt to modify a readonly table", 4)
end

local function refuse_write()
  raise("attempt to modify a readonly table", 3)
end

-- A user metatable that trusted code may attach: never with a __gc (the sandbox allows no
-- finalizers; Lua only honours __gc present when setmetatable runs, so it is dropped here).
local function without_gc(mt)
  if type(mt) ~= "table" or rawget(mt, "__gc") == nil then return mt end
  local copy = {}
  for k, v in next, mt do
    if k ~= "__gc" then copy[k] = v end
  end
  return copy
end

local T = into and into.table or env.table

function T.find(t, value, init)
  checktable("find", 1, t)
  local i = init == nil and 1 or checkint("find", 3, init)
  if i < 1 then argerror("find", 3, "index out of range") end
  local src = contents(t)
  while true do
    local e = rawget(src, i)
    if e == nil then return nil end
    if e == value then return i end
    i = i + 1
  end
end

function T.clear(t)
  checktable("clear", 1, t)
  if frozen[t] then readonly_error() end
  for k in next, t do rawset(t, k, nil) end
end

function T.create(count, value)
  local n = checkint("create", 1, count)
  if n < 0 then argerror("create", 1, "size out of range") end
  if n > MAX_ITEMS then
    raise(sformat("table.create: size %d is larger than the limit (%d)", n, MAX_ITEMS), 3)
  end
  if value == nil or n == 0 then return {} end
  local t, filled = { value }, 1
  while filled < n do
    local c = filled < n - filled and filled or n - filled
    base_move(t, 1, c, filled + 1)
    filled = filled + c
  end
  return t
end

function T.clone(t)
  checktable("clone", 1, t)
  local f = frozen[t]
  local src, mt = t, raw_getmetatable(t)
  if f then
    src, mt = f[1], f[2]
  elseif type(mt) == "table" and rawget(mt, "__metatable") ~= nil then
    argerror("clone", 1, "table has a protected metatable")
  end
  local copy = {}
  for k, v in next, src do copy[k] = v end
  if mt ~= nil then setmetatable(copy, without_gc(mt)) end
  return copy
end

-- table.freeze: the entries move to a hidden table; `t` stays the same object, empty, with
-- a metatable that reads from the hidden table and refuses writes (see docs/luau.md).
function T.freeze(t)
  checktable("freeze", 1, t)
  if frozen[t] then argerror("freeze", 1, "table is already frozen") end
  local mt = raw_getmetatable(t)
  if type(mt) == "table" and rawget(mt, "__metatable") ~= nil then
    argerror("freeze", 1, "table has a protected metatable")
  end
  local backing = {}
  for k, v in next, t do backing[k] = v end
  for k in next, backing do rawset(t, k, nil) end
  if mt ~= nil then setmetatable(backing, without_gc(mt)) end
  local shell = {}
  if type(mt) == "table" then
    for k, v in next, mt do
      if k ~= "__gc" then shell[k] = v end
    end
  end
  shell.__index = backing
  shell.__newindex = refuse_write
  shell.__len = function() return #backing end
  local function step(_, k) return next(backing, k) end
  shell.__pairs = function() return step, t, nil end
  shell.__iter = shell.__pairs
  if mt == nil then shell.__metatable = false else shell.__metatable = mt end
  setmetatable(t, shell)
  frozen[t] = { backing, mt }
  return t
end

function T.isfrozen(t)
  checktable("isfrozen", 1, t)
  return frozen[t] ~= nil
end

function T.getn(t)
  checktable("getn", 1, t)
  return rawlen(contents(t))
end

function T.maxn(t)
  checktable("maxn", 1, t)
  local max = 0
  for k in next, contents(t) do
    if type(k) == "number" and k > max then max = k end
  end
  return max
end

function T.foreach(t, f)
  checktable("foreach", 1, t)
  if type(f) ~= "function" then argerror("foreach", 2, "function expected, got " .. typeof(f)) end
  for k, v in next, contents(t) do
    local r = f(k, v)
    if r ~= nil then return r end
  end
end

function T.foreachi(t, f)
  checktable("foreachi", 1, t)
  if type(f) ~= "function" then argerror("foreachi", 2, "function expected, got " .. typeof(f)) end
  local src = contents(t)
  for i = 1, rawlen(src) do
    local r = f(i, rawget(src, i))
    if r ~= nil then return r end
  end
end

-- table.move loops in C. A host that bounds it already (the engine's c_bounds.lua moves in
-- hooked chunks) keeps Lua's semantics; over the raw C function, bound the elements copied.
if base_move ~= table.move then
  T.move = base_move
else
  function T.move(a1, f, e, t, a2)
    local first, last = checknumber("move", 2, f), checknumber("move", 3, e)
    if last >= first and last - first >= MAX_ITEMS then
      raise(sformat("table.move: too many elements to move (more than %d)", MAX_ITEMS), 3)
    end
    return base_move(a1, f, e, t, a2)
  end
end

if rawget(env, "unpack") == nil then out.unpack = rawget(T, "unpack") or tunpack end

---------------------------------------------------------------------------------------------
-- string
---------------------------------------------------------------------------------------------
local function checkstring(fname, i, v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return num2str(v) end
  argerror(fname, i, "string expected, got " .. typeof(v))
end

local function split(s, sep)
  s = checkstring("split", 1, s)
  sep = sep == nil and "," or checkstring("split", 2, sep)
  local out, len = {}, #s
  if sep == "" then
    if len > MAX_ITEMS then raise(sformat("string.split: more than %d pieces", MAX_ITEMS), 3) end
    for i = 1, len do out[i] = ssub(s, i, i) end
    return out
  end
  local n, pos = 0, 1
  while true do
    local a, b = bounded_find(s, sep, pos, true)
    if not a then break end
    n = n + 1
    if n >= MAX_ITEMS then raise(sformat("string.split: more than %d pieces", MAX_ITEMS), 3) end
    out[n] = ssub(s, pos, a - 1)
    pos = b + 1
  end
  out[n + 1] = ssub(s, pos)
  return out
end
local S = into and into.string or env.string
S.split = split

local string_mt = raw_getmetatable("")
local string_methods = type(string_mt) == "table" and rawget(string_mt, "__index") or nil
if into then
  into.methods.split = split
elseif type(string_methods) == "table" and rawget(string_methods, "split") == nil then
  rawset(string_methods, "split", split)
end

---------------------------------------------------------------------------------------------
-- math
---------------------------------------------------------------------------------------------
local M = into and into.math or env.math

function M.clamp(v, lo, hi)
  v, lo, hi = checknumber("clamp", 1, v), checknumber("clamp", 2, lo), checknumber("clamp", 3, hi)
  if not (lo <= hi) then argerror("clamp", 3, "max must be greater than or equal to min") end
  if v < lo then v = lo end
  if v > hi then v = hi end
  return v
end

function M.sign(v)
  v = checknumber("sign", 1, v)
  if v > 0 then return 1 elseif v < 0 then return -1 end
  return 0
end

-- C's round(): halves away from zero (floor(x + 0.5) is wrong for 0.49999999999999994)
function M.round(v)
  v = checknumber("round", 1, v)
  if mtype(v) == "integer" or v ~= v or v == huge or v == -huge then return v end
  local a = v < 0 and -v or v
  local r = floor(a)
  if a - r >= 0.5 then r = r + 1 end
  if v < 0 then return -r end
  return r
end

-- math.noise: Luau's Perlin noise (Ken Perlin's improved noise, float32 arithmetic).
-- fround rounds a double to float32 (Veltkamp split: exact for these magnitudes).
local function fround(x)
  local c = x * 536870913.0
  return c - (c - x)
end

local PERM = {
  151, 160, 137, 91, 90, 15, 131, 13, 201, 95, 96, 53, 194, 233, 7, 225, 140, 36, 103, 30, 69, 142, 8, 99,
  37, 240, 21, 10, 23, 190, 6, 148, 247, 120, 234, 75, 0, 26, 197, 62, 94, 252, 219, 203, 117, 35, 11, 32, 57, 177,
  33, 88, 237, 149, 56, 87, 174, 20, 125, 136, 171, 168, 68, 175, 74, 165, 71, 134, 139, 48, 27, 166, 77, 146,
  158, 231, 83, 111, 229, 122, 60, 211, 133, 230, 220, 105, 92, 41, 55, 46, 245, 40, 244, 102, 143, 54, 65, 25,
  63, 161, 1, 216, 80, 73, 209, 76, 132, 187, 208, 89, 18, 169, 200, 196, 135, 130, 116, 188, 159, 86, 164, 100,
  109, 198, 173, 186, 3, 64, 52, 217, 226, 250, 124, 123, 5, 202, 38, 147, 118, 126, 255, 82, 85, 212, 207, 206,
  59, 227, 47, 16, 58, 17, 182, 189, 28, 42, 223, 183, 170, 213, 119, 248, 152, 2, 44, 154, 163, 70, 221, 153,
  101, 155, 167, 43, 172, 9, 129, 22, 39, 253, 19, 98, 108, 110, 79, 113, 224, 232, 178, 185, 112, 104, 218, 246,
  97, 228, 251, 34, 242, 193, 238, 210, 144, 12, 191, 179, 162, 241, 81, 51, 145, 235, 249, 14, 239, 107, 49, 192,
  214, 31, 181, 199, 106, 157, 184, 84, 204, 176, 115, 121, 50, 45, 127, 4, 150, 254, 138, 236, 205, 93, 222, 114,
  67, 29, 24, 72, 243, 141, 128, 195, 78, 66, 215, 61, 156, 180, 151,
}
local GRAD = {
  { 1, 1, 0 }, { -1, 1, 0 }, { 1, -1, 0 }, { -1, -1, 0 }, { 1, 0, 1 }, { -1, 0, 1 }, { 1, 0, -1 }, { -1, 0, -1 },
  { 0, 1, 1 }, { 0, -1, 1 }, { 0, 1, -1 }, { 0, -1, -1 }, { 1, 1, 0 }, { 0, -1, 1 }, { -1, 1, 0 }, { 0, -1, -1 },
}

local function fade(t)
  return fround(fround(fround(t * t) * t) * fround(fround(t * fround(fround(t * 6) - 15)) + 10))
end

local function lerp(t, a, b)
  return fround(a + fround(t * fround(b - a)))
end

local function grad(hash, x, y, z)
  local g = GRAD[(hash & 15) + 1]
  return fround(fround(g[1] * x + g[2] * y) + g[3] * z)
end

local function cell(f)
  local i = tointeger(f)
  return i and (i & 255) or 0
end

local function perlin(x, y, z)
  local xflr, yflr, zflr = floor(x) + 0.0, floor(y) + 0.0, floor(z) + 0.0
  local xi, yi, zi = cell(xflr), cell(yflr), cell(zflr)
  local xf, yf, zf = fround(x - xflr), fround(y - yflr), fround(z - zflr)
  local u, v, w = fade(xf), fade(yf), fade(zf)
  local p = PERM
  local a = (p[xi + 1] + yi) & 255
  local aa = (p[a + 1] + zi) & 255
  local ab = (p[a + 2] + zi) & 255
  local b = (p[xi + 2] + yi) & 255
  local ba = (p[b + 1] + zi) & 255
  local bb = (p[b + 2] + zi) & 255
  local xm, ym, zm = fround(xf - 1), fround(yf - 1), fround(zf - 1)
  local la = lerp(u, grad(p[aa + 1], xf, yf, zf), grad(p[ba + 1], xm, yf, zf))
  local lb = lerp(u, grad(p[ab + 1], xf, ym, zf), grad(p[bb + 1], xm, ym, zf))
  local la1 = lerp(u, grad(p[aa + 2], xf, yf, zm), grad(p[ba + 2], xm, yf, zm))
  local lb1 = lerp(u, grad(p[ab + 2], xf, ym, zm), grad(p[bb + 2], xm, ym, zm))
  return lerp(w, lerp(v, la, lb), lerp(v, la1, lb1))
end

local function noisearg(i, v)
  local n = v
  if type(n) ~= "number" then n = type(n) == "string" and tonumber(n) or nil end
  if n == nil then
    if i > 1 and v == nil then return 0.0 end
    argerror("noise", i, "number expected, got " .. typeof(v))
  end
  if n ~= n or n == huge or n == -huge then return n end
  if n > 1e29 or n < -1e29 then return n + 0.0 end
  return fround(n + 0.0)
end

function M.noise(x, y, z)
  x, y, z = noisearg(1, x), noisearg(2, y), noisearg(3, z)
  if x ~= x or y ~= y or z ~= z or x == huge or x == -huge or y == huge or y == -huge or z == huge or z == -huge then
    return 0 / 0
  end
  return perlin(x, y, z)
end

---------------------------------------------------------------------------------------------
-- bit32: unsigned 32-bit, as Luau's lbitlib.
---------------------------------------------------------------------------------------------
local bit32 = {}

local function shift(r, i)
  if i < 0 then
    i = -i
    if i >= 32 then return 0 end
    return r >> i
  end
  if i >= 32 then return 0 end
  return (r << i) & 0xFFFFFFFF
end

-- (varargs are packed once: select(i, ...) in a loop would be quadratic in C)
local function fold(fname, r, op, ...)
  local args, n = { ... }, select("#", ...)
  for i = 1, n do r = op(r, checku32(fname, i, args[i])) end
  return r
end

local function band2(a, b) return a & b end
local function bor2(a, b) return a | b end
local function bxor2(a, b) return a ~ b end

function bit32.band(...) return fold("band", 0xFFFFFFFF, band2, ...) end
function bit32.btest(...) return fold("btest", 0xFFFFFFFF, band2, ...) ~= 0 end
function bit32.bor(...) return fold("bor", 0, bor2, ...) end
function bit32.bxor(...) return fold("bxor", 0, bxor2, ...) end

function bit32.bnot(x)
  return ~checku32("bnot", 1, x) & 0xFFFFFFFF
end

function bit32.lshift(x, disp)
  return shift(checku32("lshift", 1, x), checkint("lshift", 2, disp))
end

function bit32.rshift(x, disp)
  return shift(checku32("rshift", 1, x), -checkint("rshift", 2, disp))
end

function bit32.arshift(x, disp)
  local r, i = checku32("arshift", 1, x), checkint("arshift", 2, disp)
  if i < 0 or r & 0x80000000 == 0 then return shift(r, -i) end
  if i >= 32 then return 0xFFFFFFFF end
  return ((r >> i) | ~(0xFFFFFFFF >> i)) & 0xFFFFFFFF
end

local function rotate(r, i)
  i = i & 31
  if i == 0 then return r end
  return ((r << i) | (r >> (32 - i))) & 0xFFFFFFFF
end

function bit32.lrotate(x, disp)
  return rotate(checku32("lrotate", 1, x), checkint("lrotate", 2, disp))
end

function bit32.rrotate(x, disp)
  return rotate(checku32("rrotate", 1, x), -checkint("rrotate", 2, disp))
end

local function fieldargs(fname, fi, f, w)
  local field = checkint(fname, fi, f)
  local width = w == nil and 1 or checkint(fname, fi + 1, w)
  if field < 0 then argerror(fname, fi, "field cannot be negative") end
  if width <= 0 then argerror(fname, fi + 1, "width must be positive") end
  if field + width > 32 then raise("trying to access non-existent bits", 4) end
  return field, (1 << width) - 1
end

function bit32.extract(n, field, width)
  local r = checku32("extract", 1, n)
  local f, m = fieldargs("extract", 2, field, width)
  return (r >> f) & m
end

function bit32.replace(n, v, field, width)
  local r, x = checku32("replace", 1, n), checku32("replace", 2, v)
  local f, m = fieldargs("replace", 3, field, width)
  return ((r & ~(m << f)) | ((x & m) << f)) & 0xFFFFFFFF
end

function bit32.countlz(n)
  local v = checku32("countlz", 1, n)
  for i = 0, 31 do
    if v & (1 << (31 - i)) ~= 0 then return i end
  end
  return 32
end

function bit32.countrz(n)
  local v = checku32("countrz", 1, n)
  for i = 0, 31 do
    if v & (1 << i) ~= 0 then return i end
  end
  return 32
end

out.bit32 = bit32

---------------------------------------------------------------------------------------------
-- buffer: fixed-size mutable bytes. Stored as 256-byte string chunks created on first
-- write (absent chunks read as zeros), so buffer.create is O(1) and memory follows use.
---------------------------------------------------------------------------------------------
local CHUNK = 256
local ZERO = srep("\0", CHUNK)
local buffer_mt = {
  __index = function(_, k) raise("attempt to index buffer with '" .. base_tostring(k) .. "'", 3) end,
  __newindex = function(_, k) raise("attempt to index buffer with '" .. base_tostring(k) .. "'", 3) end,
  __len = function() raise("attempt to get length of a buffer value", 3) end,
  __tostring = function(b) return "buffer: " .. sformat("%p", b) end,
  __metatable = "The metatable is locked",
}

local function newbuffer(len)
  local b = setmetatable({}, buffer_mt)
  buffers[b] = { len = len, chunks = {} }
  return b
end

local function getbuffer(fname, i, b)
  local st = buffers[b]
  if st == nil then argerror(fname, i, "buffer expected, got " .. typeof(b)) end
  return st
end

local function bounds(st, offset, size)
  if offset < 0 or offset + size > st.len then raise("buffer access out of bounds", 4) end
end

local function readbytes(st, offset, size)
  local chunks = st.chunks
  local ci, co = offset // CHUNK + 1, offset % CHUNK
  if co + size <= CHUNK then
    return ssub(chunks[ci] or ZERO, co + 1, co + size)
  end
  local parts, left = {}, size
  while left > 0 do
    local take = CHUNK - co
    if take > left then take = left end
    parts[#parts + 1] = ssub(chunks[ci] or ZERO, co + 1, co + take)
    left, ci, co = left - take, ci + 1, 0
  end
  return tconcat(parts)
end

local function writebytes(st, offset, data)
  local chunks = st.chunks
  local left, di = #data, 1
  local ci, co = offset // CHUNK + 1, offset % CHUNK
  while left > 0 do
    local take = CHUNK - co
    if take > left then take = left end
    if take == CHUNK then
      chunks[ci] = ssub(data, di, di + CHUNK - 1)
    else
      local c = chunks[ci] or ZERO
      chunks[ci] = ssub(c, 1, co) .. ssub(data, di, di + take - 1) .. ssub(c, co + take + 1)
    end
    left, di, ci, co = left - take, di + take, ci + 1, 0
  end
end

local buffer = {}

function buffer.create(size)
  local n = checkint("create", 1, size)
  if n < 0 then argerror("create", 1, "size") end
  if n > MAX_BUFFER then raise("memory allocation error: block too big", 3) end
  return newbuffer(n)
end

function buffer.fromstring(s)
  s = checkstring("fromstring", 1, s)
  if #s > MAX_BUFFER then raise("memory allocation error: block too big", 3) end
  local b = newbuffer(#s)
  writebytes(buffers[b], 0, s)
  return b
end

function buffer.tostring(b)
  local st = getbuffer("tostring", 1, b)
  if st.len == 0 then return "" end
  return readbytes(st, 0, st.len)
end

function buffer.len(b)
  return getbuffer("len", 1, b).len
end

local function reader(fname, fmt, size)
  return function(b, offset)
    local st = getbuffer(fname, 1, b)
    local o = checkint(fname, 2, offset)
    bounds(st, o, size)
    return (sunpack(fmt, readbytes(st, o, size)))
  end
end

local function writer(fname, fmt, size, mask)
  return function(b, offset, value)
    local st = getbuffer(fname, 1, b)
    local o = checkint(fname, 2, offset)
    local v
    if mask then v = checku32(fname, 3, value) & mask else v = checknumber(fname, 3, value) + 0.0 end
    bounds(st, o, size)
    writebytes(st, o, spack(fmt, v))
  end
end

buffer.readi8, buffer.readu8 = reader("readi8", "<i1", 1), reader("readu8", "<I1", 1)
buffer.readi16, buffer.readu16 = reader("readi16", "<i2", 2), reader("readu16", "<I2", 2)
buffer.readi32, buffer.readu32 = reader("readi32", "<i4", 4), reader("readu32", "<I4", 4)
buffer.readf32, buffer.readf64 = reader("readf32", "<f", 4), reader("readf64", "<d", 8)
buffer.writei8, buffer.writeu8 = writer("writei8", "<I1", 1, 0xFF), writer("writeu8", "<I1", 1, 0xFF)
buffer.writei16, buffer.writeu16 = writer("writei16", "<I2", 2, 0xFFFF), writer("writeu16", "<I2", 2, 0xFFFF)
buffer.writei32 = writer("writei32", "<I4", 4, 0xFFFFFFFF)
buffer.writeu32 = writer("writeu32", "<I4", 4, 0xFFFFFFFF)
buffer.writef32, buffer.writef64 = writer("writef32", "<f", 4, nil), writer("writef64", "<d", 8, nil)

function buffer.readstring(b, offset, count)
  local st = getbuffer("readstring", 1, b)
  local o, n = checkint("readstring", 2, offset), checkint("readstring", 3, count)
  if n < 0 then argerror("readstring", 3, "size") end
  bounds(st, o, n)
  if n == 0 then return "" end
  return readbytes(st, o, n)
end

function buffer.writestring(b, offset, s, count)
  local st = getbuffer("writestring", 1, b)
  local o = checkint("writestring", 2, offset)
  s = checkstring("writestring", 3, s)
  local n = count == nil and #s or checkint("writestring", 4, count)
  if n < 0 then argerror("writestring", 4, "count") end
  if n > #s then raise("string length overflow", 3) end
  bounds(st, o, n)
  writebytes(st, o, n == #s and s or ssub(s, 1, n))
end

function buffer.copy(target, toffset, source, soffset, count)
  local tst = getbuffer("copy", 1, target)
  local to = checkint("copy", 2, toffset)
  local sst = getbuffer("copy", 3, source)
  local so = soffset == nil and 0 or checkint("copy", 4, soffset)
  local n = count == nil and sst.len - so or checkint("copy", 5, count)
  if n < 0 then raise("buffer access out of bounds", 3) end
  bounds(sst, so, n)
  bounds(tst, to, n)
  if n > 0 then writebytes(tst, to, readbytes(sst, so, n)) end
end

function buffer.fill(b, offset, value, count)
  local st = getbuffer("fill", 1, b)
  local o = checkint("fill", 2, offset)
  local v = checku32("fill", 3, value) & 0xFF
  local n = count == nil and st.len - o or checkint("fill", 4, count)
  if n < 0 then raise("buffer access out of bounds", 3) end
  bounds(st, o, n)
  local byte = schar(v)
  local head = (CHUNK - o % CHUNK) % CHUNK
  if head > n then head = n end
  if head > 0 then writebytes(st, o, srep(byte, head)) end
  local pos, left = o + head, n - head
  if left >= CHUNK then
    local full, chunks = srep(byte, CHUNK), st.chunks
    local ci = pos // CHUNK + 1
    while left >= CHUNK do
      chunks[ci] = full
      ci, pos, left = ci + 1, pos + CHUNK, left - CHUNK
    end
  end
  if left > 0 then writebytes(st, pos, srep(byte, left)) end
end

out.buffer = buffer

---------------------------------------------------------------------------------------------
-- Base functions.
---------------------------------------------------------------------------------------------
out.typeof = typeof

function out.newproxy(addmeta)
  if addmeta ~= nil and type(addmeta) ~= "boolean" then
    argerror("newproxy", 1, "boolean expected, got " .. typeof(addmeta))
  end
  local p = {}
  proxies[p] = true
  if addmeta then setmetatable(p, {}) end
  return p
end

-- Text chunks only, compiled as Lua 5.4, with the script's environment.
function out.loadstring(source, chunkname)
  if type(source) == "number" then source = num2str(source) end
  if type(source) ~= "string" then argerror("loadstring", 1, "string expected, got " .. typeof(source)) end
  if chunkname ~= nil and type(chunkname) ~= "string" then
    argerror("loadstring", 2, "string expected, got " .. typeof(chunkname))
  end
  return load(source, chunkname or source, "t", env)
end

-- Every function of the script shares `env`, so getfenv answers `env` for the script's
-- levels and functions; setfenv cannot re-point a compiled Lua 5.4 function's _ENV safely.
function out.getfenv(target)
  if target == nil or type(target) == "function" then return env end
  local level = checkint("getfenv", 1, target)
  if level < 0 then argerror("getfenv", 1, "level must be non-negative") end
  return env
end

function out.setfenv(target, t)
  if rawequal(t, env) then return target end
  raise("setfenv is not supported here: a Lua 5.4 function keeps the environment it was loaded with", 3)
end

if rawget(env, "collectgarbage") == nil then
  function out.collectgarbage(option)
    if option == nil or option == "collect" then return 0 end
    if option == "count" then return gc and gc("count") or 0 end
    raise(sformat("collectgarbage must be called with 'count' or 'collect' (got '%s')", base_tostring(option)), 3)
  end
end

if rawget(env, "utf8") == nil and G.utf8 then
  local u = {}
  for k, v in next, G.utf8 do u[k] = v end
  local char = G.utf8.char
  u.charpattern = "[\0-\x7F\xC2-\xF4][\x80-\xBF]*"
  u.char = function(...)
    local codes = { ... }
    for i = 1, select("#", ...) do
      local c = checkint("char", i, codes[i])
      if c < 0 or c > 0x10FFFF then argerror("char", i, "value out of range") end
    end
    return char(...)
  end
  out.utf8 = u
end

return core
