"""The server's farming, backpack, pack, quest and achievement rules: seeded and deterministic
(the same seed gives the same harvests, seed drops and pack rolls), refusals with a reason."""

from __future__ import annotations

import asyncio

import pytest

from seraph_kernel.commands.catalog import CATALOG_TABLES
from seraph_kernel.sim import catalog as c
from seraph_kernel.sim import progress
from seraph_kernel.sim.accounts import Account
from seraph_kernel.sim.backpack import expand
from seraph_kernel.sim.content import EXPAND_GEMS, GROWTH, PACKS, catalog_tables
from seraph_kernel.sim.farming import seed_drop
from seraph_kernel.sim.world import RuleError

from .test_rules import in_world

FARM = "FARMSIM"


async def plant_and_harvest(server, connect, username: str) -> list[tuple[int, int]]:
    """Plant a WheatSeed right of the spawn, harvest it once ready: the yield's (block, amount)."""
    client, reply = await in_world(server, connect, username, FARM)
    server.accounts.get(username).inventory[c.WHEAT_SEED] = 1
    x, y = reply["spawn"]
    assert (await client.req("place", x=x + 1, y=y, block_id=c.WHEAT_SEED))["t"] == "ok"
    assert server.worlds[FARM].fg[y * server.worlds[FARM].width + x + 1] == c.WHEAT_SEED
    early = await client.req("hit", x=x + 1, y=y)
    assert early["code"] == "OTHER" and "is not ready" in early["message"]
    await asyncio.wait_for(ready_push(client), 10)
    harvest = await client.req("hit", x=x + 1, y=y)
    assert (harvest["target"], harvest["broken"]) == ("tree", True)
    assert server.worlds[FARM].fg[y * server.worlds[FARM].width + x + 1] == c.AIR
    await client.wait_push("tree_removed")
    dropped = [f["collectable"] for f in client.pushes("collectable")]
    return [(k["block_type"], k["amount"]) for k in dropped]


async def ready_push(client) -> dict:
    """The ``tree`` push that says the tree is ready (the tick sends it)."""
    while True:
        for push in client.pushes("tree"):
            if push["tree"]["ready"]:
                assert push["tree"]["kind"] == "crop" and push["tree"]["ready_in_ms"] == 0
                return push
        await asyncio.sleep(0.01)


async def test_the_same_seed_gives_the_same_harvest(make_server, connect):
    first, second = await make_server(), await make_server()
    yields = await asyncio.gather(
        plant_and_harvest(first, connect, "Pone"), plant_and_harvest(second, connect, "Pone")
    )
    assert yields[0] == yields[1] and any(block == c.WHEAT for block, _ in yields[0])


async def test_seeds_only_plant_on_empty_tiles_and_mix_by_recipe(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone", FARM)
    server.accounts.get("Pone").inventory.update({c.SOIL_SEED: 1, c.SAND_SEED: 1, c.WHEAT_SEED: 2})
    x, y = reply["spawn"]
    assert (await client.req("place", x=x - 1, y=y, block_id=c.SOIL_SEED))["t"] == "ok"
    no_recipe = await client.req("place", x=x - 1, y=y, block_id=c.WHEAT_SEED)
    assert "cannot mix WheatSeed" in no_recipe["message"]
    assert (await client.req("place", x=x - 1, y=y, block_id=c.SAND_SEED))["t"] == "ok"
    tree = server.worlds[FARM].orchard.at(x - 1, y)
    assert (tree.seed, tree.mixed, tree.growth.block) == (c.GRASS_SEED, True, c.GRASS)
    assert server.accounts.get("Pone").counters["seeds_planted"] == 2
    too_far = await client.req("place", x=x + 3, y=y, block_id=c.WHEAT_SEED)
    assert "not adjacent" in too_far["message"]


async def test_breaking_soil_drops_its_seed_from_its_own_random_stream(make_server, connect):
    server = await make_server()
    client, reply = await in_world(server, connect, "Pone", FARM)
    x, y = reply["spawn"]
    for _ in range(12):  # place and break soil on the same tile again and again
        server.accounts.get("Pone").inventory[c.DIRT] = 1
        assert (await client.req("place", x=x + 1, y=y, block_id=c.DIRT))["t"] == "ok"
        for _ in range(3):
            await client.req("hit", x=x + 1, y=y)
    seeds = sum(f["collectable"]["block_type"] == c.SOIL_SEED for f in client.pushes("collectable"))
    expected = sum(seed_drop(42, FARM, x + 1, y, c.DIRT, n) is not None for n in range(12))
    assert seeds == expected > 0
    account = server.accounts.get("Pone")
    assert account.counters["blocks_broken"] == 12
    assert "BreakBlocks" in account.quests_done and account.inventory[c.SOIL_SEED] == 2  # its reward


def test_pack_rolls_are_seeded_and_paid_once():
    def buy() -> tuple[list, Account]:
        account = Account("Pone", "u1", "Pone", byte_coins=90)
        return progress.buy_pack(42, account, "SeedPack"), account

    (rolled, account), (again, _) = buy(), buy()
    assert rolled == again and len(rolled) == PACKS["SeedPack"]["rolls"]
    assert account.byte_coins == 70 and account.achievements == ["Collector"]
    assert account.quests_done == ["Shopper"] and account.gems == 50
    for bad, reason in (("NoPack", "unknown pack"), ("OrePack", "costs 80 byte coins")):
        with pytest.raises(progress.ShopError, match=reason):
            progress.buy_pack(42, account, bad)


def test_each_expansion_costs_more_gems_up_to_the_largest_backpack():
    account = Account("Pone", "u1", "Pone", gems=EXPAND_GEMS * 100)
    slots = [expand(account) for _ in range(8)]
    assert slots == [40, 48, 56, 64, 72, 80, 88, 96]
    assert account.gems == EXPAND_GEMS * (100 - sum(range(1, 9)))
    with pytest.raises(RuleError, match="at its largest"):
        expand(account)


def test_catalog_tables_describe_what_the_rules_use():
    tables = catalog_tables()
    assert set(tables) == set(CATALOG_TABLES)  # what the catalog_table command says it serves
    assert tables["items"] is tables["item_database"] and tables["packs"] is tables["pack_pool"]
    for seed, growth in GROWTH.items():
        assert tables["items"][c.name_of(seed)]["blockType"] == seed
        assert f"{growth.grow_s:g} s" in tables["items"][c.name_of(seed)]["description"]
    flags = tables["block_flags"]
    assert flags[str(c.SOIL_SEED)] == 0x2 and flags[str(c.DIRT)] == 0x2  # trashable
    assert flags[str(c.PICKAXE_BASIC)] == 0x1 and flags[str(c.WATER)] == 0x1  # untradeable, kept
