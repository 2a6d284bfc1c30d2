"""A closed VM gives its memory back at once (issue 16, soak "RSS growth"): its Lua heap is
freed on a worker thread when it closes, not whenever Python's cycle collector gets to the VM,
and wherever the script hid its data."""

from __future__ import annotations

import asyncio
import time

import pytest

from .conftest import finish, new_vm

MIB = 1 << 20

#: Fills the global ``hog`` (made and hidden first: a full VM has no room left to hide it).
FILL_HOG = """
local n = 0
local function big() n = n + 1; hog[n] = string.rep("x", 65536 + n) end
while pcall(big) do end
"""

HIDING_PLACES = {
    "a global": "hog = {}" + FILL_HOG,
    "a library table": "hog = {} string.hog = hog" + FILL_HOG + "hog = nil",
    "a nested table": "hog = {} box = {inner = {hog}}" + FILL_HOG + "hog = nil",
    "a closure's upvalue": "hog = {} local kept = hog function keeper() return kept end"
    + FILL_HOG
    + "hog = nil",
    "a metatable": "hog = {} holder = setmetatable({}, {__index = hog})" + FILL_HOG + "hog = nil",
    "a table key": "hog = {} keys = {[hog] = true}" + FILL_HOG + "hog = nil",
}


async def used_after_close(vm, within_s: float = 10.0) -> int:
    deadline = time.monotonic() + within_s
    while True:
        used = vm.runtime.get_memory_used()
        if used < 2 * MIB or time.monotonic() > deadline:
            return used
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("place", list(HIDING_PLACES))
async def test_closing_a_full_vm_frees_its_memory_wherever_the_script_kept_it(engine, place):
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(HIDING_PLACES[place])))
    assert record.state == "COMPLETE", record.error
    assert vm.runtime.get_memory_used() > 10 * MIB  # the script did fill it
    vm.close()
    assert await used_after_close(vm) < 2 * MIB


async def test_a_vm_closed_while_its_run_is_ending_frees_its_memory_after_the_run(engine, start_lua):
    """close() during the run: the run stops first (its cleanups still see their globals), then
    the memory goes."""
    run, vm = start_lua(
        "hog = {} for i = 1, 100 do hog[i] = string.rep('x', 100000 + i) end"
        " cleanup(function() print(#hog) end) while true do sleep(10) end"
    )
    await asyncio.sleep(0.3)
    vm.close()
    record = await finish(run)
    assert record.state == "CANCELLED"
    assert vm.console.lines()[-1]["text"] == "100"
    assert await used_after_close(vm) < 2 * MIB
