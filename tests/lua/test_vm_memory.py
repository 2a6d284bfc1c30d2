"""Smaller VMs (issue 14, "RSS per script"): trusted Lua a script may never need is loaded on
its first use, inside the script's run. The load counts against the script's memory cap (a full
VM gets a clean "not enough memory" error) and a load cut short by the hook leaves nothing half
made: the next call loads again."""

from __future__ import annotations

import gc
import tracemalloc

import lupa.lua54 as lupa
import pytest
from attack_sources import FILL

from seraph_kernel.engine.sandbox import Privileged, create_runtime, lazy_functions, pattern_functions
from seraph_kernel.errors import LuaCompileError
from seraph_kernel.lua_api.client.conventions import lua_arity

from .conftest import finish, new_vm


def lua_bytes(vm) -> int:
    """The VM's Lua memory after a full collection."""
    vm.privileged.collect()
    return vm.runtime.get_memory_used()


PATTERN_MODULE_BYTES = 20_000
"""Less than what lua_patterns.lua costs a VM once loaded (about 29 KB)."""


async def test_the_pattern_matcher_is_loaded_on_the_first_pattern_call(engine):
    vm = new_vm(engine, modules=("base",))
    before = lua_bytes(vm)
    source = "return ('a,b'):find(','), string.match('x=1', '%a=(%d)')"
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [2, "1"]
    assert lua_bytes(vm) - before > PATTERN_MODULE_BYTES


async def test_an_expensive_pattern_still_runs_in_the_hooked_port_after_a_lazy_load(engine):
    """The first call of the VM is an expensive one: the port loads and the budget ends it."""
    vm = new_vm(engine, modules=("base",))
    source = "return string.find(string.rep('a', 200000), '(.-)(.-)(.-)b')"
    run = engine.run(vm, vm.compile(source), timeout_ms=300)
    record = await finish(run, timeout=20)
    assert record.state == "FAILED"
    assert record.error["code"] == "DEADLINE_EXCEEDED"


async def test_a_full_vm_gets_not_enough_memory_at_its_first_pattern_call_and_can_retry(engine):
    source = f"""
local s = "hello world"
{FILL}
local ok, err = pcall(string.find, s, "o w")
hog = nil
return ok, err, s:find("o w")
"""
    vm = new_vm(engine, modules=("base",))
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [False, "not enough memory", 5, 7]


def test_a_load_cut_short_by_the_hook_leaves_nothing_half_made():
    """A hook error at every possible instruction of the load: each attempt fails with the
    hook's own error, and the first one that completes gives a working module."""
    runtime = lupa.LuaRuntime(encoding=None)
    load_binary = runtime.eval("function(code) return assert(load(code, '=patterns', 'b')) end")
    patterns = pattern_functions(runtime, load_binary)
    driver = runtime.eval(
        """function(P)
  for n = 1, 100000 do
    local co = coroutine.create(function() return P.find("hello", "l+") end)
    debug.sethook(co, function() error("killed", 0) end, "", n)
    local ok, a, b = coroutine.resume(co)
    if ok then return n, a, b, P.module().port.find("hello", "l+") end
    if a ~= "killed" then return n, a end
  end
end"""
    )
    attempts, *found = driver(patterns)
    assert found == [3, 4, 3, 4]
    assert attempts > 50  # the load itself was cut at each of its instructions first


BOUNDS_MODULE_BYTES = 8_000
"""Less than what c_bounds.lua costs a VM once loaded (about 12 KB)."""

FILL_WITHOUT_REP = """
hog = {}
local n, big = 0, "x"
for _ = 1, 16 do big = big .. big end
local function huge() n = n + 1; hog[n] = big .. n end
local function small() n = n + 1; hog[n] = tostring(n) .. "." end
while pcall(huge) do end
while pcall(small) do end
"""
"""FILL without string.rep, which would load c_bounds.lua first."""


async def test_the_bounded_library_functions_load_on_their_first_call(engine):
    vm = new_vm(engine, modules=("base",))
    before = lua_bytes(vm)
    plain = "local t = {} for i = 1, 10 do t[#t + 1] = i end return #t"
    record = await finish(engine.run(vm, vm.compile(plain)))
    assert record.results == [10]
    assert lua_bytes(vm) - before < BOUNDS_MODULE_BYTES
    source = "local t = {3, 1, 2} table.insert(t, 4) table.sort(t) return t[1], t[4], ('ab'):rep(2)"
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [1, 4, "abab"]
    assert lua_bytes(vm) - before > BOUNDS_MODULE_BYTES


async def test_a_bounded_function_loaded_lazily_still_blames_the_users_line(engine):
    vm = new_vm(engine, modules=("base",))
    source = "local ok, e = pcall(function()\n  table.insert(nil, 1)\nend)\nreturn e"
    record = await finish(engine.run(vm, vm.compile(source, "cell")))
    assert record.results == ["cell:2: bad argument #1 to 'table.insert' (table expected, got nil)"]


async def test_a_full_vm_gets_not_enough_memory_at_its_first_bounded_call_and_can_retry(engine):
    source = f"""
local t = {{}}
{FILL_WITHOUT_REP}
local ok, err = pcall(table.insert, t, 1)
hog = nil
table.insert(t, 7)
return ok, err, t[1]
"""
    vm = new_vm(engine, modules=("base",))
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [False, "not enough memory", 7]


def test_a_bounded_load_cut_short_by_the_hook_leaves_nothing_half_made():
    runtime = lupa.LuaRuntime(encoding=None)
    load_binary = runtime.eval("function(code) return assert(load(code, '=lazy', 'b')) end")
    _patterns, bounded = lazy_functions(runtime, load_binary)
    driver = runtime.eval(
        """function(B)
  for n = 1, 100000 do
    local t = {1, 2}
    local co = coroutine.create(function() B.table.insert(t, 1, 0) return t[1], #t end)
    debug.sethook(co, function() error("killed", 0) end, "", n)
    local ok, a, b = coroutine.resume(co)
    if ok then return n, a, b end
    if a ~= "killed" then return n, a end
  end
end"""
    )
    attempts, *found = driver(bounded)
    assert found == [0, 3]
    assert attempts > 50  # the load itself was cut at each of its instructions first


def test_every_function_of_c_bounds_has_its_stub():
    """The stubs are listed by hand in lazy_chunks.lua: none of c_bounds.lua's is missing."""
    runtime = lupa.LuaRuntime()
    load_binary = runtime.eval("function(code) return assert(load(code, '=lazy', 'b')) end")
    _patterns, bounded = lazy_functions(runtime, load_binary)
    missing = runtime.eval(
        """function(B)
  local M, missing = B.module(), {}
  for k, v in pairs(M) do
    if type(v) == "table" then
      for name in pairs(v) do
        if type(B[k]) ~= "table" or type(B[k][name]) ~= "function" then
          missing[#missing + 1] = k .. "." .. name
        end
      end
    elseif type(B[k]) ~= "function" then
      missing[#missing + 1] = k
    end
  end
  table.sort(missing)
  return table.concat(missing, " ")
end"""
    )(bounded)
    assert missing == ""


LUAU_LIBRARY_BYTES = 30_000
"""Less than what Luau's library (dialect/stdlib.lua) costs a VM once built (about 50 KB)."""


async def test_luau_library_is_built_on_first_use_and_looks_the_same_before(engine):
    vm = new_vm(engine)
    before = lua_bytes(vm)
    source = """
local seen = {}
seen[1] = rawget(table, "find") == nil and rawget(_ENV, "typeof") == nil
seen[2] = getmetatable(table) == nil and getmetatable(_ENV) == nil
local listed = false
for k in pairs(table) do if k == "find" then listed = true end end
seen[3] = listed
seen[4] = table.find({5, 6}, 6) == 2 and typeof(1) == "number" and ("a,b"):split(",")[2] == "b"
seen[5] = getmetatable(table) == nil and rawget(table, "clone") ~= nil
return seen
"""
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [[True, True, True, True, True]]
    assert lua_bytes(vm) - before > LUAU_LIBRARY_BYTES
    assert {"typeof", "bit32", "buffer"} <= vm.builtin_names


async def test_a_plain_script_does_not_build_the_luau_library(engine):
    vm = new_vm(engine)
    before = lua_bytes(vm)
    source = "local t = {} for i = 1, 100 do t[i] = tostring(i) end x = nil return #t, undefined_global"
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.results == [100, None]
    assert lua_bytes(vm) - before < LUAU_LIBRARY_BYTES


async def test_a_script_metatable_on_its_globals_keeps_the_luau_library(engine):
    source = """
setmetatable(_ENV, {__index = function(_, k) error("undefined global " .. k, 2) end})
local ok, err = pcall(function() return not_defined end)
return typeof(1), table.find({1}, 1), ok, err
"""
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results[:3] == ["number", 1, False]
    assert "undefined global not_defined" in record.results[3]


async def test_a_luau_chunk_builds_the_library_when_compiled(engine):
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile("local n: number = 10 / 2\nprint(n)\nreturn `{n}`")))
    assert record.state == "COMPLETE", record.error
    assert vm.console.lines()[-1]["text"] == "5"


async def test_a_full_vm_gets_not_enough_memory_at_first_use_of_the_luau_library(engine):
    source = f"""
local f = function() return typeof(1) end
{FILL}
local ok, err = pcall(f)
hog = nil
return ok, err, typeof(1)
"""
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    ok, err, kind = record.results
    assert ok is False and "not enough memory" in err
    assert kind == "number"


def test_a_lazy_library_cut_short_while_built_leaves_nothing_and_builds_once_after():
    """P.lazy (loader.lua) with a build that dies half way the first time (as a kill or a
    memory error would): no field appears, and the next use builds it whole."""
    runtime, privileged = create_runtime(16 << 20, lambda _: None, lambda _: None)
    driver = runtime.eval(
        """function(P, env)
  local t, calls = {}, 0
  local settle = P.lazy(function()
    calls = calls + 1
    if calls == 1 then error("killed", 0) end
    return { { a = 1, b = 2 } }, "extra"
  end, { { t, { a = true, b = true } } })
  local ok, err = pcall(function() return t.a end)
  local untouched = rawget(t, "a") == nil and rawget(t, "b") == nil
  local b = t.b
  return ok, err, untouched, b, rawget(t, "a"), calls, settle(), calls, getmetatable(t) == nil
end"""
    )
    found = list(driver(privileged.table, privileged.env))
    assert found == [False, "killed", True, 2, 1, 2, "extra", 2, True]


async def test_the_first_luau_chunk_of_a_full_vm_is_a_compile_error(engine):
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(FILL + "\nreturn #hog")))
    assert record.state == "COMPLETE", record.error
    with pytest.raises(LuaCompileError, match=r"^lua compile: not enough memory$"):
        vm.compile("local n: number = 10 / 2\nreturn n")
    record = await finish(engine.run(vm, vm.compile("hog = nil")))
    assert record.state == "COMPLETE", record.error
    record = await finish(engine.run(vm, vm.compile("local n: number = 10 / 2\nreturn tostring(n)")))
    assert record.results == ["5"]


async def test_synchronous_bindings_share_one_python_dispatcher_per_vm(engine):
    """A binding made by ``ctx.function`` costs Python little more than its list entry (one
    closure, cells and bound methods each would be ~500 bytes), and still works as before."""
    vm = new_vm(engine, modules=("base",))
    functions = [lambda i=i: i for i in range(200)]  # made first: only the bindings are measured
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i, fn in enumerate(functions):
            vm.context.env[f"f{i}"] = vm.context.function(f"f{i}", fn)
        gc.collect()
        per_binding = (tracemalloc.get_traced_memory()[0] - before) / len(functions)
    finally:
        tracemalloc.stop()
    assert per_binding < 250
    record = await finish(engine.run(vm, vm.compile("return f0(), f199(), pcall(f7)")))
    assert record.results == [0, 199, True, 7]


def test_a_module_running_the_same_lua_twice_loads_it_once(engine):
    """``ctx.lua`` keeps each chunk it loaded while modules install (storage runs its chunk
    for ``storage`` and ``globalStorage``): the second run makes closures, not the code again."""
    source = "local t = ...\n" + "\n".join(f"t.f{i} = function(x) return x + {i} end" for i in range(100))
    vm = new_vm(engine, modules=("base",))
    vm.context.env.a = vm.context.to_lua({})
    vm.context.env.b = vm.context.to_lua({})
    start = lua_bytes(vm)
    vm.context.lua(source, vm.context.env.a)
    first = lua_bytes(vm) - start
    vm.context.lua(source, vm.context.env.b)
    second = lua_bytes(vm) - start - first
    assert second < first / 2


def test_a_lua_arity_wrapper_is_small_and_drops_extra_arguments():
    """Every VM wraps dozens of binding methods in ``lua_arity``."""

    class Calls:
        def add(self, a: int, b: int) -> int:
            return a + b

    methods = [Calls().add for _ in range(500)]  # bound methods, as the modules pass them
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        wrapped = [lua_arity(m) for m in methods]
        per_wrapper = (tracemalloc.get_traced_memory()[0] - before) / len(methods)
    finally:
        tracemalloc.stop()
    assert per_wrapper < 100
    assert wrapped[0](1, 2, "extra") == 3


def test_a_lazy_library_reading_its_own_names_while_it_builds_finds_them_missing():
    runtime, privileged = create_runtime(16 << 20, lambda _: None, lambda _: None)
    driver = runtime.eval(
        """function(P)
  local t, seen = {}, "unset"
  P.lazy(function()
    seen = t.a -- no recursion into the build: the name is simply not there yet
    for _ in pairs(t) do end
    return { { a = 1 } }
  end, { { t, { a = true } } })
  return t.a, seen
end"""
    )
    assert list(driver(privileged.table)) == [1, None]


async def test_a_full_vm_gets_not_enough_memory_at_sleep_and_print_and_goes_on_once_freed(engine):
    """``sleep`` and ``print`` test the room left inline (no Lua call on their hot path): a
    VM over its ceiling still gets the error ``pcall`` catches, not a crash in lupa."""
    source = f"""
{FILL}
local slept, sleep_err = pcall(sleep, 10)
local printed, print_err = pcall(print, "while full")
hog = nil
sleep(10)
print("after")
return slept, sleep_err, printed, print_err
"""
    vm = new_vm(engine, modules=("base", "console"))
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [False, "not enough memory", False, "not enough memory"]
    assert [line["text"] for line in vm.console.lines()] == ["after"]


def test_privileged_holds_only_the_functions_python_calls_in_slots():
    """``Privileged`` keeps the loader.lua functions Python calls in slots (no dict per VM,
    no lupa wrapper for a function only trusted Lua calls); each is one of loader.lua's."""
    _runtime, privileged = create_runtime(None, lambda _s: None, lambda _s: None)
    fields = set(privileged.table)
    assert set(Privileged.FROM_LUA) <= fields
    assert {"sleep", "add_line"} <= fields - set(Privileged.FROM_LUA)
    assert not hasattr(privileged, "__dict__")


async def test_a_luau_chunk_prints_numbers_as_luau_without_building_the_library(engine):
    """Every Luau chunk needs Luau's number printing and the translator's helpers
    (luau_core.lua, ~12 KB); the library (stdlib.lua, ~45 KB more) waits for one of its names."""
    vm = new_vm(engine)
    before = lua_bytes(vm)
    source = (
        "local x: number = 10 / 2\nprint(x)\nlocal n = 0\nfor _, v in {4, 5} do n += v end\n"
        "return `{x} {n}`"
    )
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == ["5 9"]
    assert [line["text"] for line in vm.console.lines()] == ["5"]
    assert lua_bytes(vm) - before < LUAU_LIBRARY_BYTES
    assert {"__luau_iter", "__luau_tostring", "typeof"} <= vm.builtin_names
    library = "local t: {number} = {5, 6}\nreturn typeof(t), table.find(t, 6)"
    record = await finish(engine.run(vm, vm.compile(library)))
    assert record.results == ["table", 2]
    assert lua_bytes(vm) - before > LUAU_LIBRARY_BYTES
