-- Trusted chunks a script may never need, loaded on the first call that needs them:
-- lua_patterns.lua (string.find/match/gmatch/gsub beyond the cheap case: the cost model and the
-- hooked Lua port of lstrlib's matcher, about 29 KB of Lua per VM) and c_bounds.lua (the killable
-- string.rep, table.move/insert/remove/sort, os.date and load: about 15 KB). Until then the
-- sandbox holds small stubs that load the chunk and tail-call its function.
--
-- Trusted: loaded as bytecode (sandbox.bytecode) with the real standard library. Called once
-- per VM with `fetch_patterns` and `fetch_bounds` (Python functions returning the bytecode of
-- lua_patterns.lua / c_bounds.lua, or nil when it would not fit under the VM's memory cap) and
-- the pattern cost limit. Returns `patterns` ({find, match, gmatch, gsub, rethrow, module}: what
-- c_bounds.lua takes) and `bounded` (c_bounds.lua's {string, table, os, load}, each function a
-- stub, and `module`). `module()` loads and returns the chunk's own table (tests, benchmarks).
--
-- A load runs in the caller's coroutine, so it counts against the script's memory and its hook
-- fires in it. Neither can leave a broken state: a chunk is kept only once it has returned, so a
-- load ended half way (a kill, "not enough memory") leaves nothing, and the next call loads again.
local fetch_patterns, fetch_bounds, LIMIT = ...

local type, error, pcall, load, collectgarbage, select = type, error, pcall, load, collectgarbage, select
local unpack = table.unpack
local sfind, sgsub = string.find, string.gsub

-- Errors raised by the C library have no position (the pcall that calls them is C) and neither
-- do the port's: give them the position of the user's call, as Lua does. `rethrow` must be
-- tail-called by the function the user called (so level 2 is the user's code). Shared with
-- lua_patterns.lua and c_bounds.lua.
local function rethrow(ok, ...)
  if ok then return ... end
  local e = ...
  if type(e) == "string" then
    local bare = sgsub(e, "^%?:%-?%d+: ", "")
    if not sfind(bare, "^[^:]+:%d+: ") then error(bare, 2) end
  end
  error(e, 0)
end

-- `module` loads the chunk `fetch` returns and calls it with `...`, once it has succeeded;
-- `stub(lib, name)` is a function that tail-calls the chunk's `lib[name]` (or `lib`, without a
-- name), so the function the user called is the chunk's own (see `rethrow`). Lua's own memory
-- errors carry no position, so neither do these. `fetch` counts garbage as used: one full
-- collection before giving up (as loader.lua's room_check does).
local function on_first_call(fetch, chunkname, ...)
  local n, args = select("#", ...), { ... }
  local M = nil
  local function module()
    if M ~= nil then return M end
    local code = fetch()
    if code == nil then
      collectgarbage("collect")
      code = fetch()
      if code == nil then error("not enough memory", 0) end
    end
    local chunk, err = load(code, chunkname, "b")
    if chunk == nil then error(err, 0) end
    local ok, loaded = pcall(chunk, unpack(args, 1, n))
    if not ok then error(loaded, 0) end
    M = loaded
    return M
  end
  local function stub(lib, name)
    if name == nil then return function(...) return (M or module())[lib](...) end end
    return function(...) return (M or module())[lib][name](...) end
  end
  return module, stub
end

local patterns_module, pattern = on_first_call(fetch_patterns, "=lua_patterns", LIMIT, rethrow)
local patterns = {
  find = pattern("find"),
  match = pattern("match"),
  gmatch = pattern("gmatch"),
  gsub = pattern("gsub"),
  rethrow = rethrow,
  module = patterns_module,
}

local bounds_module, bound = on_first_call(fetch_bounds, "=c_bounds", patterns)
local bounded = {
  string = {
    rep = bound("string", "rep"),
    find = patterns.find,
    match = patterns.match,
    gmatch = patterns.gmatch,
    gsub = patterns.gsub,
  },
  table = {
    move = bound("table", "move"),
    insert = bound("table", "insert"),
    remove = bound("table", "remove"),
    sort = bound("table", "sort"),
  },
  os = { date = bound("os", "date") },
  load = bound("load"),
  module = bounds_module,
}

return patterns, bounded
