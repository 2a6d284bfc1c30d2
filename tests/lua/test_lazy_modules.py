"""Modules installed on first use (``engine/lazy_modules.py``, issue 14 "RSS per script"): a
script that never touches ``getClient``, ``regex`` or ``storage`` does not pay for them, and one
that does sees the same globals as before, installed in its own run under its memory cap."""

from __future__ import annotations

from attack_sources import FILL

from seraph_kernel.engine.values import Vec2i
from seraph_kernel.engine.vm import CORE_MODULES

from .conftest import finish, new_vm

ALL = None
CLIENT_GROUP_BYTES = 30_000
"""Less than what the client module and the modules that add to it cost a VM (about 47 KB)."""
VM_BYTES = 100_000
"""More than a VM with every module costs until first use (about 76 KB past the bare state),
less than with them installed (158 KB) or with the pattern matcher loaded (111 KB)."""
LAZY_NAMES = {"getClient", "getClients", "getWorld", "getInventory", "getInfo", "getScripting"}
LAZY_NAMES |= {"regex", "storage", "globalStorage"}


def lua_bytes(vm) -> int:
    vm.privileged.collect()
    return vm.runtime.get_memory_used()


async def test_a_script_that_touches_no_module_global_does_not_install_the_modules(engine):
    eager_core = new_vm(engine, modules=CORE_MODULES)
    vm = new_vm(engine, modules=ALL)
    assert lua_bytes(vm) - lua_bytes(eager_core) < 5_000  # three small lazy libraries
    assert lua_bytes(vm) < VM_BYTES
    assert vm.builtin_names >= LAZY_NAMES  # known up front: completion, get_globals
    source = "sleep(0) print('tick') return rawget(_ENV, 'getClient'), rawget(_ENV, 'regex'), undefined"
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [None, None, None]
    assert lua_bytes(vm) - lua_bytes(eager_core) < 10_000


async def test_the_first_touch_installs_the_group_with_every_global_of_it(engine):
    vm = new_vm(engine, modules=ALL)
    before = lua_bytes(vm)
    source = """
local seen = { rawget(_ENV, "getWorld") == nil, getmetatable(_ENV) == nil }
seen[3] = type(getClient) == "function"
seen[4] = rawget(_ENV, "getWorld") ~= nil and rawget(_ENV, "getScripting") ~= nil
seen[5] = rawget(_ENV, "regex") == nil -- a group of its own, not touched yet
seen[6] = regex.find("abc", "b") == 2 and rawget(_ENV, "storage") == nil
seen[7] = getmetatable(_ENV) == nil
return seen, type(getClients)
"""
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [[True] * 7, "function"]
    assert lua_bytes(vm) - before > CLIENT_GROUP_BYTES


async def test_pairs_over_the_globals_lists_every_module_global(engine):
    vm = new_vm(engine, modules=ALL)
    source = """
local before = rawget(_ENV, "storage")
local names = {}
for k in pairs(_ENV) do names[#names + 1] = k end
return before, names
"""
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    before, names = record.results
    assert before is None
    assert set(names) >= LAZY_NAMES


async def test_a_global_the_script_set_first_is_kept_and_module_code_sees_it(engine):
    """The script's own ``getClient`` wins over the module's, also for ``getWorld`` (module
    code reads the globals through the env, as when it was installed up front)."""
    vm = new_vm(engine, modules=ALL)
    source = """
local before = rawget(_ENV, "getWorld")
getClient = function() return { world = function() return "mine" end } end
return before, getWorld(), type(getClients)
"""
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [None, "mine", "function"]


async def test_a_full_vm_gets_not_enough_memory_at_the_first_touch_and_can_retry(engine):
    source = f"""
local f = function() return type(getClient) end
{FILL}
local ok, err = pcall(f)
local missing = rawget(_ENV, "getClients") == nil
hog = nil
return ok, err, missing, f(), type(getWorld)
"""
    vm = new_vm(engine, modules=ALL)
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    ok, err, missing, kind, world = record.results
    assert ok is False and "not enough memory" in err
    assert missing is True  # nothing half installed
    assert (kind, world) == ("function", "function")


def test_settling_installs_every_group_at_once_outside_a_run(engine):
    """The kernel's VM: completion reads the env from Python, so every global is there."""
    vm = new_vm(engine, modules=ALL)
    assert not LAZY_NAMES & {k for k in vm.privileged.env if isinstance(k, str)}
    vm.settle_lazy()
    names = {k for k in vm.privileged.env if isinstance(k, str)}
    assert names >= LAZY_NAMES


async def test_vector_enums_and_task_install_on_first_use(engine):
    vm = new_vm(engine, modules=CORE_MODULES)
    source = """
local before = rawget(_ENV, "Vector2") == nil and rawget(_ENV, "task") == nil
before = before and rawget(_ENV, "Errors") == nil
local v = Vector2i.new(1, 2) + Vector2i.new(3, 4)
task.wait(0)
return before, v.x, v.y, Errors.CANCELLED, rawget(_ENV, "Status") ~= nil
"""
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.error
    assert record.results == [True, 4, 6, "CANCELLED", True]


def test_python_handing_a_vector_to_a_vm_installs_vector_first(engine):
    """A binding may return a ``Vec2i`` to a script that never named ``Vector2i``: it still
    arrives as a Lua ``Vector2i``, with its methods."""
    vm = new_vm(engine, modules=CORE_MODULES)
    assert "Vector2i" not in {k for k in vm.privileged.env if isinstance(k, str)}
    vm.set_global("p", Vec2i(3, 4))
    describe = vm.runtime.eval("function(v) return tostring(v), tostring(v + v) end")
    assert describe(vm.privileged.env.p) == ("Vector2i(3, 4)", "Vector2i(6, 8)")
