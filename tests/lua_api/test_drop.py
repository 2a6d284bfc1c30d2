"""``client:drop(blockId, amount)`` (the ``bot_drop`` command): the items leave the backpack and
lie on the bot's tile, where another bot picks them up; misuse names the call; failures are
``Errors.*`` codes."""

import pytest

from seraph_kernel.sim import catalog

from .conftest import bot_in, run_lua

PICKAXE = catalog.PICKAXE_BASIC


async def test_a_dropped_item_is_picked_up_by_another_bot(fleet):
    await bot_in(fleet, "MINEWORLD", "bot-1")
    await bot_in(fleet, "MINEWORLD", "bot-2")
    source = f"""
local c = getClient()
local before = c:inventory():count({PICKAXE})
local result = c:drop({PICKAXE}, 1)
local after = c:inventory():count({PICKAXE})
local here = c:point()
local lying = 0
for _, k in ipairs(getWorld():collectables()) do
  if k.id ~= nil and k.blockType == {PICKAXE} and k.position:point() == here then lying = lying + k.amount end
end
return before, result, after, lying, c:drop({PICKAXE}, 1)
"""
    before, result, after, lying, again = (await run_lua(fleet, source)).ok
    assert (before, result, after, lying) == (1, None, 0, 1)
    assert again == "OTHER"  # nothing left to drop
    assert await fleet.collect("bot-2") >= 1
    items = {row["block_id"]: row["amount"] for row in (await fleet.inventory("bot-2"))["items"]}
    assert items[PICKAXE] == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('c:drop("pickaxe", 1)', "drop: expected integer blockId, got string"),
        (f"c:drop({PICKAXE}, 1.5)", "drop: expected integer amount, got 1.5"),
        (f"c:drop({PICKAXE})", "drop: amount: required"),
        (f"c:drop({PICKAXE}, 0)", "drop: amount: must be at least 1, got 0"),
    ],
)
async def test_drop_misuse_names_the_call(fleet, call, message):
    await bot_in(fleet, "MINEWORLD")
    out = await run_lua(fleet, f"local c = getClient()\nlocal r = {call}")
    assert (out.state, out.error) == ("FAILED", f"executor:2: {message}")


async def test_drop_outside_a_world_is_not_in_world(fleet, bot):
    assert (await run_lua(fleet, f"return getClient():drop({PICKAXE}, 1)")).ok == ["NOT_IN_WORLD"]
    assert (await fleet.inventory(bot))["items"][0]["block_id"] == PICKAXE
