"""``find_indices``, the scan behind ``world:findTiles``: every layer type a WorldView may hold
(``array.array`` of any integer width, ``bytes``, lists), matches only at item boundaries."""

import random
from array import array

import pytest

from seraph_kernel.lua_api.client.views import find_indices

POOL = [0, 0, 0, 2, 3, 5, 20, 256, 300, 1280, 5120, 65535]


@pytest.mark.parametrize("typecode", ["H", "I", "L", "Q", "h", "i", "q"])
def test_wide_layers_match_whole_items_only(typecode):
    rnd = random.Random(typecode)
    limit = (1 << (8 * array(typecode).itemsize - 1)) if typecode.islower() else 1 << 64
    values = [rnd.choice([v for v in POOL if v < limit]) for _ in range(5000)]
    layer = array(typecode, values)
    for wanted in (0, 2, 20, 256, 300, 1280, 5120, 65535, 4, 1 << 20):
        expected = [i for i, v in enumerate(values) if v == wanted]
        assert find_indices(layer, wanted) == expected, wanted
        assert find_indices(values, wanted) == expected


def test_a_misaligned_byte_pattern_is_not_a_match():
    # 0x1400 then 0x0014: the bytes 14 00 | 14 00 straddle items only at odd offsets for 0x0014
    layer = array("H", [0x1400, 0x0014, 0x1414, 0x0014])
    assert find_indices(layer, 0x0014) == [1, 3]
    assert find_indices(layer, 0x1400) == [0]


def test_byte_layers_and_ids_a_layer_cannot_hold():
    assert find_indices(bytes([1, 2, 1]), 1) == [0, 2]
    assert find_indices(bytearray([1, 2, 1]), 300) == []
    assert find_indices(array("B", [7, 7]), -1) == []
    assert find_indices(array("H", [7, 7]), 70000) == []


def test_other_sequences_are_scanned_too():
    assert find_indices(tuple([4, 0, 4]), 4) == [0, 2]
    assert find_indices(range(10), 3) == [3]
    assert find_indices(iter([5, 6, 5]), 5) == [0, 2]
