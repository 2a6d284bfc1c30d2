-- The pattern functions of the sandbox (string.find/match/gmatch/gsub), with lua_patterns.lua
-- loaded on the first call that needs it: the module (the cost model and the hooked Lua port of
-- lstrlib's matcher) is about 37 KB of Lua per VM, and most scripts never match a pattern.
--
-- Trusted: loaded as bytecode (sandbox.bytecode) with the real standard library. Called once
-- per VM with `fetch` (a Python function returning lua_patterns.lua's bytecode, or nil when it
-- would not fit under the VM's memory cap) and the cost limit; returns {find, match, gmatch,
-- gsub, rethrow, module}: what c_bounds.lua takes as `patterns`, and `module()`, the loaded
-- module itself (for tests and benchmarks).
--
-- The load runs in the caller's coroutine, so it counts against the script's memory and its
-- hook fires in it. Neither can leave a broken state: the module is kept only once its chunk
-- has returned, so a load ended half way (a kill, "not enough memory") leaves nothing, and the
-- next call loads again.
local fetch, LIMIT = ...

local type, error, pcall, load, collectgarbage = type, error, pcall, load, collectgarbage
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

local M = nil

-- Lua's own memory errors carry no position, so neither do these. `fetch` counts garbage as
-- used: one full collection before giving up (as loader.lua's room_check does).
local function module()
  if M ~= nil then return M end
  local code = fetch()
  if code == nil then
    collectgarbage("collect")
    code = fetch()
    if code == nil then error("not enough memory", 0) end
  end
  local chunk, err = load(code, "=lua_patterns", "b")
  if chunk == nil then error(err, 0) end
  local ok, loaded = pcall(chunk, LIMIT, rethrow)
  if not ok then error(loaded, 0) end
  M = loaded
  return M
end

-- Tail calls: the function the user called is lua_patterns.lua's own (see `rethrow`).
return {
  find = function(...) return (M or module()).find(...) end,
  match = function(...) return (M or module()).match(...) end,
  gmatch = function(...) return (M or module()).gmatch(...) end,
  gsub = function(...) return (M or module()).gsub(...) end,
  rethrow = rethrow,
  module = module,
}
