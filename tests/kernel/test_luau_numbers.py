"""The kernel shows a Luau cell's numbers exactly as the Luau library's ``tostring`` writes
them (``format_luau_number`` is checked against ``stdlib.lua`` itself)."""

from __future__ import annotations

import random
import struct

import lupa.lua54 as lupa
import pytest

from seraph_kernel.dialect.stdlib import install_luau_stdlib
from seraph_kernel.kernel.display import format_luau_number, format_number, mimebundle

EDGES = [0.1, 0.1 + 0.2, 1e21, 1e20, 1.5e-7, 1e-6, 1e15, 1e16, 5.0, -0.0, 0.0, 2.0**53, 1 / 3, 5e-324]


@pytest.fixture(scope="module")
def luau_tostring():
    runtime = lupa.LuaRuntime(register_eval=False)
    env = runtime.table(string=runtime.table(), table=runtime.table(), math=runtime.table())
    return install_luau_stdlib(runtime, env).tostring


def test_floats_match_the_luau_library(luau_tostring):
    rng = random.Random(12)
    values = [*EDGES, float("inf"), float("-inf"), float("nan"), 1.7976931348623157e308, -2.5]
    for _ in range(3000):
        values.append(struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0])
        values.append(round(rng.uniform(-1e4, 1e4), rng.randint(0, 6)))
    for value in values:
        assert format_luau_number(value) == luau_tostring(value), repr(value)


def test_integers_and_booleans_read_as_lua():
    assert [format_luau_number(v) for v in (3, -7, True)] == ["3", "-7", "true"]
    assert format_number(5.0) == "5.0"


def test_mimebundle_takes_the_number_format():
    values = [{"a": 2.0, "b": [0.5, 10.0]}]
    assert mimebundle(values)["text/plain"] == "{a = 2.0, b = {0.5, 10.0}}"
    assert mimebundle(values, None, format_luau_number)["text/plain"] == "{a = 2, b = {0.5, 10}}"
