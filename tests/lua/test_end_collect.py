"""``Limits.end_collect_above``: a run's end skips its full GCs for a VM far below its cap
(the kernel's cells), and collects as always near the cap or by default (scripts)."""

from __future__ import annotations

from seraph_kernel.engine.engine import LuaEngine

from .conftest import make_limits, new_vm

GARBAGE = "local t = {} for i = 1, 20000 do t[i] = {i, tostring(i)} end return #t"
"""About 2 MB live while the chunk runs, all of it garbage once it returned."""
GARBAGE_BYTES = 1 << 20
LEFT_OVER_BYTES = 256 << 10


async def used_after_garbage(limits_overrides: dict, keep: str | None = None) -> tuple[int, int]:
    """Lua bytes in use before and after a run that leaves ~2 MB of garbage."""
    engine = LuaEngine(make_limits(**limits_overrides))
    await engine.start()
    try:
        vm = new_vm(engine)
        if keep is not None:
            await engine.run(vm, vm.compile(keep)).wait()
        before = vm.runtime.get_memory_used()
        record = await engine.run(vm, vm.compile(GARBAGE)).wait()
        assert record.state == "COMPLETE" and record.results == [20000]
        return before, vm.runtime.get_memory_used()
    finally:
        await engine.close()


async def test_a_run_end_collects_by_default():
    before, after = await used_after_garbage({})
    assert after - before < LEFT_OVER_BYTES


async def test_a_small_vm_keeps_its_garbage_for_lua_s_own_collector():
    before, after = await used_after_garbage({"end_collect_above": 0.5})
    assert after - before > GARBAGE_BYTES


async def test_a_vm_near_its_cap_still_collects_at_the_end():
    keep = "keep = {} for i = 1, 30000 do keep[i] = {i, tostring(i)} end"  # ~3 MB of 16 MB
    before, after = await used_after_garbage({"end_collect_above": 0.1}, keep=keep)
    assert after - before < LEFT_OVER_BYTES
