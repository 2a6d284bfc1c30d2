"""Smaller VMs (issue 14, "RSS per script"): trusted Lua a script may never need is loaded on
its first use, inside the script's run. The load counts against the script's memory cap (a full
VM gets a clean "not enough memory" error) and a load cut short by the hook leaves nothing half
made: the next call loads again."""

from __future__ import annotations

import lupa.lua54 as lupa
from attack_sources import FILL

from seraph_kernel.engine.sandbox import pattern_functions

from .conftest import finish, new_vm

PATTERN_MODULE_BYTES = 20_000
"""Less than what lua_patterns.lua costs a VM once loaded (about 29 KB)."""


async def test_the_pattern_matcher_is_loaded_on_the_first_pattern_call(engine):
    vm = new_vm(engine, modules=("base",))
    vm.privileged.collect()
    before = vm.runtime.get_memory_used()
    source = "return ('a,b'):find(','), string.match('x=1', '%a=(%d)')"
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [2, "1"]
    vm.privileged.collect()
    assert vm.runtime.get_memory_used() - before > PATTERN_MODULE_BYTES


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
