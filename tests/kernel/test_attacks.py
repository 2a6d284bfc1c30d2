"""A cell cannot freeze or abort the kernel (issue 16): values the kernel pushes into a cell
VM that its last cell filled to the cap become a Lua error of the cell, and the kernel keeps
answering (its own kernel, so a crash cannot hide behind the shared one)."""

from __future__ import annotations

import pytest
from attack_sources import FILL

from .conftest import start_kernel, stop_kernel


@pytest.fixture(scope="module")
def fresh_kernel():
    driver = start_kernel()
    try:
        yield driver
    finally:
        stop_kernel(driver)


def test_json_decode_in_a_full_cell_vm_is_a_cell_error(fresh_kernel):
    fresh_kernel.ok("text = '[' .. string.rep('[1,2],', 300000) .. '1]'")
    fresh_kernel.ok("decode = function() return json.decode(text) end")
    fresh_kernel.ok(FILL)
    # the kernel answers, and once the cell frees its memory the VM is usable again
    result = fresh_kernel.execute("local ok, err = pcall(decode) hog = nil print(ok, err)", timeout=60)
    assert "false" in result.stdout and "not enough memory" in result.stdout, result.outputs
    assert "2" in fresh_kernel.ok("print(1 + 1)").stdout


def test_a_big_python_value_into_a_full_cell_vm_is_refused(fresh_kernel):
    fresh_kernel.ok(FILL)
    result = fresh_kernel.execute("%%python\nlua['big'] = list(range(1_000_000))", timeout=60)
    assert not result.ok
    assert "not enough memory" in str(result.reply) + str(result.error), result.outputs
    fresh_kernel.ok("hog = nil")
    assert "true" in fresh_kernel.ok("print(big == nil)").stdout
