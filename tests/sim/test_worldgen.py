"""World generation: the same seed and name always give the same world, names are checked,
and each kind of world has what players come for."""

from __future__ import annotations

from array import array

import pytest

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.worldgen import WorldNameError, generate, normalize_name


def layers(world):
    return (world.foreground, world.background, world.water, world.wiring)


@pytest.mark.parametrize("name", ["PIXELSTATION", "TUTORIAL2", "MINEWORLD", "MINEWORLD-2", "FOO"])
def test_same_seed_same_world(name):
    a, b = generate(42, name), generate(42, name)
    assert layers(a) == layers(b)
    assert (a.spawn, a.collectables, a.enemies) == (b.spawn, b.collectables, b.enemies)


def test_other_seed_or_name_gives_another_world():
    base = generate(42, "MINEWORLD")
    assert generate(43, "MINEWORLD").foreground != base.foreground
    assert generate(42, "MINEWORLD-2").foreground != base.foreground


def test_layers_are_flat_uint16_arrays_of_the_world_size():
    world = generate(42, "FOO")
    assert (world.width, world.height) == (100, 60)
    for layer in layers(world):
        assert isinstance(layer, array) and layer.typecode == "H"
        assert len(layer) == 100 * 60
    assert any(world.water) and any(world.wiring) and any(world.background)


def test_spawn_is_standable_and_the_border_is_bedrock():
    for name in ("PIXELSTATION", "TUTORIAL2", "MINEWORLD", "FOO"):
        world = generate(42, name)
        x, y = world.spawn
        assert c.is_passable(world.foreground[y * world.width + x]), name
        assert set(world.foreground[: world.width]) == {c.BEDROCK}, name


def test_mines_are_rich_in_ores_and_have_enemies():
    world = generate(42, "MINEWORLD-7")
    ores = sum(1 for t in world.foreground if t in (c.COPPER_ORE, c.IRON_ORE, c.GOLD_ORE, c.EMERALD_ORE))
    assert ores > 200
    assert world.enemies and world.flags == ["mine"]


def test_tutorial_has_a_spawn_pod_and_the_hub_no_enemies():
    assert c.SPAWN_POD in generate(42, "TUTORIAL2").foreground
    hub = generate(42, "PIXELSTATION")
    assert hub.enemies == [] and hub.flags == ["hub"]


def test_huge_worlds_are_1000_by_1000():
    world = generate(42, "HUGE1")
    assert (world.width, world.height) == (1000, 1000)
    assert len(world.foreground) == 1_000_000
    assert generate(42, "HUGE1").foreground == world.foreground


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "INVALID_WORLD"),
        ("-X", "INVALID_WORLD"),
        ("A B", "INVALID_WORLD"),
        ("X" * 25, "INVALID_WORLD"),
        ("NOTFOUND", "WORLD_NOT_FOUND"),
        ("notfound-7", "WORLD_NOT_FOUND"),
    ],
)
def test_bad_names(name, code):
    with pytest.raises(WorldNameError) as err:
        normalize_name(name)
    assert err.value.code == code


def test_names_are_upper_cased():
    assert normalize_name(" mineworld-2 ") == "MINEWORLD-2"
