"""Fleet storage (Lua storage / globalStorage): scopes, JSON-only values, clear errors."""

import pytest

from seraph_kernel.errors import InvalidArgument


async def test_values_round_trip_per_scope(fleet):
    await fleet.storage_set("global", "plan", {"worlds": ["MINEWORLD"], "count": 3})
    await fleet.storage_set("bot:bot-1", "plan", "dig")
    assert await fleet.storage_get("global", "plan") == {"worlds": ["MINEWORLD"], "count": 3}
    assert await fleet.storage_get("bot:bot-1", "plan") == "dig"
    assert await fleet.storage_get("bot:bot-2", "plan") is None
    assert await fleet.storage_keys("bot:bot-1") == ["plan"]


async def test_delete_and_clear(fleet):
    await fleet.storage_set("global", "a", 1)
    await fleet.storage_set("global", "b", 2)
    assert await fleet.storage_delete("global", "a") is True
    assert await fleet.storage_delete("global", "a") is False
    await fleet.storage_clear("global")
    assert await fleet.storage_keys("global") == []


async def test_non_json_values_are_refused_and_the_old_value_kept(fleet):
    await fleet.storage_set("global", "k", [1, 2])
    with pytest.raises(InvalidArgument, match=r"^value: not JSON-serialisable"):
        await fleet.storage_set("global", "k", {"when": object()})
    assert await fleet.storage_get("global", "k") == [1, 2]


@pytest.mark.parametrize(
    ("scope", "key", "field"),
    [
        ("bots", "k", "scope"),
        ("bot:", "k", "scope"),
        (None, "k", "scope"),
        ("global", "", "key"),
        ("global", 3, "key"),
    ],
)
async def test_bad_scopes_and_keys_are_refused(fleet, scope, key, field):
    with pytest.raises(InvalidArgument, match=f"^{field}: "):
        await fleet.storage_set(scope, key, 1)
    assert await fleet.storage_keys("global") == []
