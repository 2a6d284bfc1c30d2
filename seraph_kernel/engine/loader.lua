-- The privileged scope of one VM. It runs once, with the real standard library, and returns
-- the table of internal functions Python drives the VM with. User code never sees this scope:
-- it gets `env`, a new table built from an allow-list, and every Python callable stays an
-- upvalue of a closure built here (unreachable without `debug`).
local HOOK_COUNT, MAX_ERROR_BYTES, BOUNDED, ASYNC_ARM, register, forget, TAG, CEILING = ...

local type, select, error, pcall, tostring, tonumber = type, select, error, pcall, tostring, tonumber
local rawget, rawset, rawequal, rawlen, next, pairs, ipairs = rawget, rawset, rawequal, rawlen, next, pairs, ipairs
local setmetatable, getmetatable, xpcall, assert, load = setmetatable, getmetatable, xpcall, assert, load
local real_getmetatable = debug.getmetatable
local sethook, gethook = debug.sethook, debug.gethook
local create, resume, yield, costatus = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status
local running, isyieldable, coclose = coroutine.running, coroutine.isyieldable, coroutine.close
local pack, unpack, concat = table.pack, table.unpack, table.concat
local sfind, smatch, sgsub, sgmatch, ssub, srep, sformat, sbyte, schar =
  string.find, string.match, string.gsub, string.gmatch, string.sub, string.rep, string.format, string.byte, string.char
local utf8len = utf8.len
local floor, huge = math.floor, math.huge
local collectgarbage = collectgarbage

-- TAG (a random integer from Python, kept only here): a yield whose first value is TAG is a
-- request to the scheduler. User code never sees it, so it cannot forge one.
local SLEEP, CALL, TICK, DONE, FAILED = 1, 2, 3, 4, 5

local P = {}

-- A binding that failed hands back its message, or NO_ROOM (lua_memory.NO_ROOM, a number so
-- that Python pushes nothing that allocates) when the message itself did not fit.
local NO_ROOM, NO_ROOM_MESSAGE = 0, "not enough memory"

-- Whenever control passes to Python (a binding call, a request to the scheduler), lupa turns
-- Lua values into Python objects and back, allocating outside any protected call. So the
-- script must leave CEILING (the cap less lua_memory.RESERVE) free first: over it, after one
-- full collection, the script gets "not enough memory" here, where pcall can catch it.
local function room_check()
  if CEILING and collectgarbage("count") * 1024 > CEILING then
    collectgarbage("collect")
    if collectgarbage("count") * 1024 > CEILING then error(NO_ROOM_MESSAGE, 3) end
  end
end
P.room_check = room_check

-- Strings handed to Python must be valid UTF-8 (lupa decodes them): invalid bytes become '?'.
local function sanitize(s)
  if utf8len(s) then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local ok, stop = utf8len(s, i)
    if ok then out[#out + 1] = ssub(s, i); break end
    if stop > i then out[#out + 1] = ssub(s, i, stop - 1) end
    out[#out + 1] = "?"
    i = stop + 1
  end
  return concat(out)
end
P.sanitize = sanitize

local function sanitize_args(...)
  local n = select("#", ...)
  local args = pack(...)
  for i = 1, n do
    local v = args[i]
    if type(v) == "string" and not utf8len(v) then args[i] = sanitize(v) end
  end
  return unpack(args, 1, n)
end

local function needs_sanitize(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "string" and not utf8len(v) then return true end
  end
  return false
end

---------------------------------------------------------------------------------------------
-- Console lines. `print`/`warn` append (level, text) to a VM-level buffer instead of calling
-- Python once a line: the lines ride on the task's next scheduler request (a sleep, the end
-- of a task), or go through one `lines_out(level, text, level, text, ...)` call before a
-- synchronous binding or an async call, and when the buffer is full (PENDING_LINES lines or
-- PENDING_BYTES bytes). A run that computes without yielding has its hook armed by the
-- watchdog once its slice is PENDING_AGE s old (engine.LINES_AGE_S), and the hook hands its
-- lines over (without ASYNC_ARM the hook runs anyway: it checks their age with os.clock).
-- Python takes what is left (P.take_lines) wherever a task ends without yielding. The buffer
-- lives in the VM's memory, under its cap.
---------------------------------------------------------------------------------------------
local PENDING_LINES, PENDING_BYTES, PENDING_AGE = 64, 64 * 1024, 0.05
-- pending[1..npending]: the lines; up to pending[stale]: values handed over already, cleared
-- when the next batch starts (one table for every batch: a new one would cost more than a line)
local pending, npending, stale, pending_bytes, pending_since = {}, 0, 0, 0, 0
-- True while add_line or take_lines changes the buffer: the hook (which may fire at any
-- instruction of the coroutine, these functions' too) does not hand lines over then, or a line
-- would go twice. A memory error in add_line may leave it set: the hook then waits for the
-- next print, the yields still carry the lines, and P.reset_tasks clears it.
local in_lines = false
local lines_out = nil
local clock = os.clock

function P.set_lines_out(py) lines_out = py end

-- The pending values (level, text, ...), and an empty buffer.
local function take_lines()
  in_lines = true
  local n = npending
  npending, pending_bytes = 0, 0
  if n > stale then stale = n end
  in_lines = false
  if n == 0 then return end
  return unpack(pending, 1, n)
end
P.take_lines = take_lines

local function drop_stale()
  for i = npending + 1, stale do pending[i] = nil end
  stale = npending
end

local function flush_lines()
  if npending > 0 then lines_out(take_lines()) end
end

-- The pending values for a scheduler request to carry: lupa moves a yield's values onto the
-- main Lua stack without making room (that stack always has 40 slots), so a request carries
-- at most YIELD_VALUES of them; more go through one call first (a call's values are safe).
local YIELD_VALUES = 16
local function yield_lines()
  if npending > YIELD_VALUES then flush_lines() end
  return take_lines()
end

-- One line of `print`/`warn` (its text already formatted and clipped).
function P.add_line(level, text)
  if CEILING and collectgarbage("count") * 1024 > CEILING then room_check() end -- as in P.sleep
  if not utf8len(text) then text = sanitize(text) end
  in_lines = true
  local n = npending
  if n == 0 then
    if stale > 2 then drop_stale() end
    if not ASYNC_ARM then pending_since = clock() end
  end
  pending[n + 1], pending[n + 2] = level, text
  npending = n + 2
  pending_bytes = pending_bytes + #text
  in_lines = false
  if npending >= 2 * PENDING_LINES or pending_bytes >= PENDING_BYTES then flush_lines() end
end

---------------------------------------------------------------------------------------------
-- Hooks: every coroutine of a run carries its group's hook. On a kill the hook re-arms itself
-- to fire on every instruction, so pcall/xpcall cannot swallow the error.
---------------------------------------------------------------------------------------------
-- The hook of every coroutine of the VM, so new coroutines inherit the one of their creator.
local hook_of = setmetatable({}, { __mode = "k" })
-- Hooks that have started killing their coroutines. An error raised inside a hook reaches an
-- xpcall message handler while hooks are still disabled (Lua only re-enables them once the
-- error is caught), so the sandbox's xpcall skips the user's handler for a dying group.
local dying = setmetatable({}, { __mode = "k" })

function P.make_hook(check)
  local hook
  hook = function()
    local message = check()
    if message then
      if message == NO_ROOM then message = NO_ROOM_MESSAGE end
      dying[hook] = true
      sethook(hook, "", 1)
      error(message, 0)
    end
    if npending > 0 and not in_lines and (ASYNC_ARM or clock() - pending_since >= PENDING_AGE) then
      flush_lines()
    end
    if ASYNC_ARM then sethook(hook, "", 0) end -- armed for nothing: back to full speed
  end
  return hook
end

---------------------------------------------------------------------------------------------
-- Arming. A count hook slows every Lua instruction down (about 2x), so with ASYNC_ARM the hook
-- is only *registered* (mask 0) and Python arms it from another thread (lua_sethook, which Lua
-- allows asynchronously) when a run must die. Python therefore knows the lua_State of every
-- coroutine of the run; `live` keeps them alive while Python may arm them.
---------------------------------------------------------------------------------------------
local live, tracked_since_prune = {}, 0

local function prune()
  local dead, n = {}, 0
  for co, p in pairs(live) do
    if costatus(co) == "dead" then n = n + 1; dead[n] = p end
  end
  tracked_since_prune = 0
  if n == 0 then return end
  forget(concat(dead, " ")) -- Python drops them first, so it never arms a freed state
  for co in pairs(live) do
    if costatus(co) == "dead" then live[co] = nil end
  end
end

local function track(co, hook, armed)
  if not ASYNC_ARM then
    sethook(co, hook, "", HOOK_COUNT)
    hook_of[co] = hook
    return
  end
  sethook(co, hook, "", armed and 1 or 0)
  hook_of[co] = hook
  local p = sformat("%p", co)
  live[co] = p
  register(p)
  tracked_since_prune = tracked_since_prune + 1
  if tracked_since_prune >= 256 then prune() end
end

function P.release_coroutines()
  live, tracked_since_prune = {}, 0
end

local function safe_xpcall(f, handler, ...)
  local hook = hook_of[running()]
  return xpcall(f, function(e)
    if hook and dying[hook] then return e end
    return handler(e)
  end, ...)
end

local function hooked_create(f)
  local co = create(f)
  local hook = hook_of[running()]
  if hook then track(co, hook, gethook() ~= nil) end
  return co
end

-- Errors raised by a library function this scope wraps should read as if the user had called
-- it: position of the user's line, the function's own name (not "loader:N: ... to 'f'").
local function rethrow(ok, ...)
  if ok then return ... end
  local e = ...
  if type(e) == "string" then
    local bare = sgsub(e, "^loader:%d+: ", "")
    if not sfind(bare, "^[^:]+:%d+: ") then error(bare, 2) end -- no position: give it the user's
  end
  error(e, 0)
end

local function copy(t, except)
  local c = {}
  for k, v in pairs(t) do
    if not (except and except[k]) then c[k] = v end
  end
  return c
end

-- A copy of `lib` with the bounded versions of BOUNDED[name] (c_bounds.lua: the functions
-- that could loop in C out of reach of the hook).
local function bounded_lib(lib, name, except)
  local c = copy(lib, except)
  for k, f in pairs(BOUNDED[name]) do c[k] = f end
  return c
end

local function make_string_lib()
  return bounded_lib(string, "string", { dump = true })
end

-- The string metatable is shared by every string of the VM: point it at a private copy of the
-- library (so `s:dump()` does not exist and user edits of `string` do not reach trusted code)
-- and lock it (`getmetatable("")` returns a string, not the table).
local string_mt = real_getmetatable("")
string_mt.__index = make_string_lib()
string_mt.__metatable = "locked"

---------------------------------------------------------------------------------------------
-- The user's coroutine library: new coroutines carry the hook; scheduler requests (TAG yields)
-- from inside a user coroutine pass through to the scheduler and never reach user code.
---------------------------------------------------------------------------------------------
local function forward(co, ok, ...)
  if ok and rawequal((...), TAG) and costatus(co) == "suspended" then
    return forward(co, resume(co, yield(...)))
  end
  return ok, ...
end

-- Task coroutines belong to the scheduler: user code may not resume or close them.
local is_task = setmetatable({}, { __mode = "k" })

local function user_resume(co, ...)
  if type(co) ~= "thread" then
    error(sformat("bad argument #1 to 'resume' (coroutine expected, got %s)", type(co)), 2)
  end
  if is_task[co] then return false, "cannot resume a task coroutine (use task.spawn)" end
  return forward(co, resume(co, ...))
end

local function user_close(co)
  if is_task[co] then error("cannot close a task coroutine (use task.cancel)", 2) end
  return coclose(co)
end

local function wrap_result(ok, ...)
  if ok then return ... end
  local e = ...
  if type(e) == "string" then error(e, 2) end
  error(e, 0)
end

-- A yield of a task coroutine itself reaches Python (lupa), which moves the yielded values onto
-- the main Lua stack without making room for them: hundreds of values overflow it and corrupt
-- the host's memory. The scheduler ignores what a task yields itself (it is a tick), so none
-- are passed; a yield inside a user coroutine goes to its resumer, in Lua, as it is.
local function user_yield(...)
  if is_task[running()] then return yield() end
  return yield(...)
end

local function user_wrap(f)
  local co = hooked_create(f)
  return function(...) return wrap_result(forward(co, resume(co, ...))) end
end

local user_coroutine = {
  create = hooked_create,
  resume = user_resume,
  wrap = user_wrap,
  yield = user_yield,
  status = costatus,
  running = running,
  isyieldable = isyieldable,
  close = user_close,
}

---------------------------------------------------------------------------------------------
-- The environment: built from an allow-list.
---------------------------------------------------------------------------------------------
local env = {}

---------------------------------------------------------------------------------------------
-- Lazy libraries: trusted fields of env tables (env itself, `table`, `string`, ...) filled in
-- on first use, so a VM does not pay for a library its script never touches. Until then each
-- target table carries a metatable whose __index knows the library's names: reading one of
-- them (or `pairs` over the table, or `setmetatable` on it) settles the library, in the
-- running coroutine (hooked, under the script's memory cap). Settling is two steps: `build`
-- (trusted) returns the new fields without touching any live table, so a kill or "not enough
-- memory" during it leaves nothing; then the fields are set raw where the script left them
-- nil. Once built, the same fields are kept, so a commit cut short resumes with them.
-- What a script can observe before settling: `rawget`/`next` do not see the fields, and
-- `getmetatable` answers nil for the target tables, as it would after.
---------------------------------------------------------------------------------------------
local lazy_of = setmetatable({}, { __mode = "k" }) -- target table -> its unsettled libraries
local lazy_mts = setmetatable({}, { __mode = "k" }) -- the metatables put on targets

-- Marks the library as building only once inside the protected call: entering pcall can fail
-- in a full VM (no room for its call frame), and a mark set before it would stay, hiding the
-- library's names for good.
local function build_marked(lib)
  lib.building = true -- a name of the library read while it builds is just missing
  return lib.build()
end

local function settle(lib)
  if lib.done then return lib.extra end
  if lib.staged == nil then
    local ok, staged, extra = pcall(build_marked, lib)
    lib.building = false
    if not ok then error(staged, 0) end
    lib.staged, lib.extra = staged, extra
  end
  for i, target in ipairs(lib.targets) do
    for k, v in next, lib.staged[i] do
      if rawget(target, k) == nil then rawset(target, k, v) end
    end
  end
  for _, target in ipairs(lib.targets) do
    local libs = lazy_of[target]
    if libs ~= nil then
      local kept = {}
      for _, other in ipairs(libs) do
        if other ~= lib then kept[#kept + 1] = other end
      end
      if kept[1] == nil then
        if lazy_mts[real_getmetatable(target)] then setmetatable(target, nil) end
        lazy_of[target] = nil
      else
        lazy_of[target] = kept
      end
    end
  end
  lib.done, lib.staged, lib.build = true, nil, nil
  return lib.extra
end

-- Every library of `t` that is not building now (pairs over `t`, setmetatable on it).
local function settle_all(t)
  local libs = lazy_of[t]
  if libs == nil then return end
  for _, lib in ipairs(libs) do
    if not lib.building then settle(lib) end
  end
end

local function lazy_index(t, k)
  local libs = lazy_of[t]
  if libs ~= nil then
    for _, lib in ipairs(libs) do
      if lib.names[t][k] then
        if lib.building then return nil end
        settle(lib)
        return rawget(t, k)
      end
    end
  end
  return nil
end

local function lazy_pairs(t)
  settle_all(t)
  return next, t, nil
end

-- `targets`: an array of {table, {name = true, ...}}; `build()` returns an array (in the same
-- order) of {name = value} tables, and one more value that settling returns. Returns the
-- function that settles the library (for a host that needs it at once). A table may be the
-- target of several libraries: each builds when one of its own names is read.
function P.lazy(build, targets)
  local lib = { build = build, targets = {}, names = {}, building = false }
  local taken = false -- a target with a metatable of its own: no laziness, settle now
  for i, entry in ipairs(targets) do
    local t, names = entry[1], entry[2]
    lib.targets[i], lib.names[t] = t, names
    local libs = lazy_of[t]
    if libs ~= nil then
      libs[#libs + 1] = lib
    elseif real_getmetatable(t) == nil then
      local mt = { __index = lazy_index, __pairs = lazy_pairs }
      lazy_mts[mt] = true
      setmetatable(t, mt)
      lazy_of[t] = { lib }
    else
      taken = true
    end
  end
  if taken then settle(lib) end
  return function() return settle(lib) end
end

local function safe_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc metamethods are not allowed", 2)
  end
  settle_all(t)
  return rethrow(pcall(setmetatable, t, mt))
end

local function safe_getmetatable(...)
  if lazy_of[(...)] ~= nil then return nil end
  return getmetatable(...)
end

local function safe_load(chunk, chunkname, mode, _env)
  if type(chunk) ~= "string" and type(chunk) ~= "function" then
    error("bad argument #1 to 'load' (string expected, got " .. type(chunk) .. ")", 2)
  end
  local name = chunkname
  if type(name) ~= "string" then name = "=load" end
  return BOUNDED.load(chunk, name, env)
end

for _, name in ipairs({
  "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
  "rawset", "select", "tonumber", "tostring", "type", "_VERSION",
}) do
  env[name] = _G[name]
end
env.getmetatable = safe_getmetatable
env.setmetatable = safe_setmetatable
env.xpcall = safe_xpcall
env.load = safe_load
env.string = make_string_lib()
env.table = bounded_lib(table, "table")
env.math = copy(math)
env.utf8 = copy(utf8)
env.coroutine = user_coroutine
env.os = { time = os.time, clock = os.clock, date = BOUNDED.os.date }
env._G = env
P.env = env

---------------------------------------------------------------------------------------------
-- Tasks: the coroutines the scheduler drives, by integer id.
---------------------------------------------------------------------------------------------
local tasks = {}
local next_id = 0
local main_id, main_results = nil, nil
local cleanups = {}

local function error_text(e)
  local t = type(e)
  if t == "string" then
  elseif t == "number" then
    e = tostring(e)
  else
    local mt = real_getmetatable(e)
    local text = nil
    if type(mt) == "table" and rawget(mt, "__tostring") ~= nil then
      -- user code, but we are inside the task's hooked coroutine: a kill still reaches it
      local ok, s = pcall(tostring, e)
      if ok and type(s) == "string" then text = s end
    end
    e = text or ("(error object is a " .. t .. " value)")
  end
  if #e > MAX_ERROR_BYTES then e = ssub(e, 1, MAX_ERROR_BYTES) .. "..." end
  return sanitize(e)
end

-- The body of a task: run fn, then tell the scheduler how it ended with a last request
-- (DONE, or FAILED + message). A kill error is caught by this pcall too, but the armed hook
-- raises it again at the next instruction, so it leaves the coroutine as a Lua error.
local function task_body(id, fn, args)
  return function()
    yield() -- started by new_task, so Python gets a coroutine object (lupa) to send() to
    local r
    if args then r = pack(pcall(fn, unpack(args, 1, args.n))) else r = pack(pcall(fn)) end
    tasks[id] = nil
    if r[1] then
      if id == main_id then main_results = pack(unpack(r, 2, r.n)) end
      yield(TAG, DONE, yield_lines())
      return
    end
    local message = error_text(r[2]) -- may run a __tostring that prints: its lines go first
    yield(TAG, FAILED, message, yield_lines())
  end
end

-- A new task; returns its id and its coroutine (Python resumes it with send()).
function P.new_task(fn, hook, is_main, ...)
  next_id = next_id + 1
  local id = next_id
  local args = nil
  if select("#", ...) > 0 then args = pack(...) end
  local co = create(task_body(id, fn, args))
  track(co, hook, false)
  resume(co)
  is_task[co] = true
  tasks[id] = co
  if is_main then main_id, main_results = id, nil end
  return id, co
end

-- A task created from Lua (task.spawn): inherits the hook of the running coroutine. Python
-- gets its coroutine with P.task_thread(id).
local function spawn_task(fn, ...)
  return (P.new_task(fn, hook_of[running()], false, ...))
end
P.spawn_task = spawn_task

function P.task_thread(id) return tasks[id] end

function P.cancel_task(id)
  local alive = tasks[id] ~= nil
  tasks[id] = nil
  return alive
end

-- The main task's returned values, preceded by their count.
function P.results()
  local r = main_results
  if r == nil then return 0 end
  return r.n, unpack(r, 1, r.n)
end

-- Drop every task: close the suspended coroutines (their __close handlers run hooked) and let
-- go of the dead ones so their stacks can be collected. A coroutine killed by its hook is
-- never closed: Lua would run its __close handlers with hooks disabled.
function P.reset_tasks()
  in_lines = false
  drop_stale()
  for _, co in pairs(tasks) do
    if costatus(co) == "suspended" then pcall(coclose, co) end
  end
  for co in pairs(live) do
    if costatus(co) == "suspended" then pcall(coclose, co) end
  end
  if ASYNC_ARM then prune() end
  tasks = {}
end

function P.start_run()
  P.reset_tasks()
  main_id, main_results, cleanups = nil, nil, {}
end

function P.add_cleanup(fn)
  cleanups[#cleanups + 1] = fn
end

function P.take_cleanup()
  local n = #cleanups
  if n == 0 then return nil end
  local fn = cleanups[n]
  cleanups[n] = nil
  return fn
end

-- Value types (Vector2, json.null): from_lua recognises them by metatable.
local kinds = setmetatable({}, { __mode = "k" })
function P.register_kind(mt, name) kinds[mt] = name end

function P.classify(t)
  local mt = real_getmetatable(t)
  if mt == nil then return nil end
  local kind = kinds[mt]
  if kind == nil then return nil end
  return kind, rawget(t, "x"), rawget(t, "y")
end

function P.collect() collectgarbage("collect") end

-- The VM is being dropped: let go of what the script can reach (its globals, the library
-- tables it may have written into, its tasks) and collect, here on a worker thread without
-- the GIL. Lua's own lua_close would free a full VM with the GIL held, for up to a second.
-- Nothing of the script runs: suspended coroutines are not closed, __gc is not allowed.
function P.wipe()
  tasks, live, cleanups, main_results, tracked_since_prune = {}, {}, {}, nil, 0
  local found, n = {}, 0 -- first list them: one of them is env itself (`_G`)
  for _, v in next, env do
    if type(v) == "table" then n = n + 1; found[n] = v end
  end
  found[n + 1] = env
  for i = 1, n + 1 do
    local t = found[i]
    for k in next, t do rawset(t, k, nil) end
  end
  found = nil
  collectgarbage("collect")
end

---------------------------------------------------------------------------------------------
-- Bindings.
---------------------------------------------------------------------------------------------

local function checked(ok, ...)
  if ok then return ... end
  local e = ...
  if e == NO_ROOM then error(NO_ROOM_MESSAGE, 2) end
  error(e, 2)
end

function P.make_function(py)
  return function(...)
    room_check()
    if npending > 0 then flush_lines() end
    if needs_sanitize(...) then return checked(py(sanitize_args(...))) end
    return checked(py(...))
  end
end

-- The synchronous bindings of ctx.function: one Python dispatcher per VM, each binding a
-- closure over its index (no Python object per binding: smaller VMs).
local dispatch = nil
function P.set_dispatch(py) dispatch = py end

function P.make_indexed(index)
  return function(...)
    room_check()
    if npending > 0 then flush_lines() end
    if needs_sanitize(...) then return checked(dispatch(index, sanitize_args(...))) end
    return checked(dispatch(index, ...))
  end
end

-- An async call's arguments ride on a yield too (see YIELD_VALUES).
local MAX_ASYNC_ARGS = 16

function P.make_async(binding_id)
  return function(...)
    room_check()
    if select("#", ...) > MAX_ASYNC_ARGS then
      error(sformat("too many arguments (over %d)", MAX_ASYNC_ARGS), 2)
    end
    if npending > 0 then flush_lines() end
    if needs_sanitize(...) then return checked(yield(TAG, CALL, binding_id, sanitize_args(...))) end
    return checked(yield(TAG, CALL, binding_id, ...))
  end
end

function P.sleep_ms(ms)
  room_check()
  return yield(TAG, SLEEP, ms, yield_lines())
end

-- The `sleep` global, yielding directly: the hottest path of a sleeping script. It calls no
-- Lua function unless it must (room_check's test is inlined; lines only when there are some):
-- with a thousand VMs, each Lua call touches memory (closure, prototype, upvalues) no cache
-- holds, and a resume cost 7.7 us instead of 3.4 (bench/resume_spread.py).
function P.sleep(ms)
  if type(ms) ~= "number" then
    error("sleep: expected a number of milliseconds, got " .. type(ms), 2)
  end
  if CEILING and collectgarbage("count") * 1024 > CEILING then room_check() end
  if npending > 0 then
    yield(TAG, SLEEP, ms, yield_lines())
  else
    yield(TAG, SLEEP, ms)
  end
end


function P.compile(source, chunkname)
  return load(source, "=" .. chunkname, "t", env)
end

-- Trusted module code: full standard library, never the sandbox env.
local trusted_env = setmetatable({}, { __index = _G })
-- `code` is bytecode the host compiled from trusted source (sandbox.bytecode).
function P.trusted(code, name)
  local fn, err = load(code, "=" .. name, "b", trusted_env)
  if not fn then error(err, 0) end
  return fn
end

_G.python = nil
package.loaded.python = nil

return P
