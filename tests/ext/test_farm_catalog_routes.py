"""The catalog tables (``GET /api/catalog/<name>`` and their aliases) and the backpack and farm
routes on a real Jupyter server: answers, game-level failures (``code``) and bad input."""

from __future__ import annotations

import pytest

from seraph_kernel.sim import catalog as c

ALIASES = {
    "items": "item_database",
    "packs": "pack_pool",
    "quests": "quest_definitions",
    "achievements": "achievement_definitions",
}


@pytest.mark.parametrize("name", [*ALIASES, "block_flags", "quest_pool"])
async def test_each_catalog_table_answers_as_it_is_with_its_alias(api, name):
    response = await api.get(f"api/catalog/{name}")
    assert response.status_code == 200
    table = response.json()
    assert isinstance(table, dict) and table
    if name in ALIASES:
        assert (await api.get(f"api/catalog/{ALIASES[name]}")).json() == table


async def test_catalog_tables_hold_real_content(api):
    flags = (await api.get("api/catalog/block_flags")).json()
    assert flags[str(c.DIRT)] & 0x2 and flags[str(c.BEDROCK)] & 0x1 and not flags[str(c.BEDROCK)] & 0x2
    items = (await api.get("api/catalog/items")).json()
    soil = items["SoilBlock"]
    assert set(soil) == {"name", "blockType", "tier", "hits_required", "level_req", "description"}
    assert (soil["blockType"], soil["hits_required"]) == (c.DIRT, 3)
    assert items["SoilBlockSeed"]["description"].startswith("Plant it")
    packs = (await api.get("api/catalog/packs")).json()
    assert all(
        {"name", "byteCoinsPrice", "rolls"} <= set(p) and p["byteCoinsPrice"] > 0 for p in packs.values()
    )
    quests = (await api.get("api/catalog/quests")).json()
    pool = (await api.get("api/catalog/quest_pool")).json()
    assert {q for names in pool.values() for q in names} == set(quests)
    achievements = (await api.get("api/catalog/achievements")).json()
    assert "GreenThumb" in achievements


async def test_an_unknown_catalog_is_a_404_naming_it(api):
    response = await api.get("api/catalog/recipes")
    assert (response.status_code, response.json()) == (404, {"error": "unknown catalog: recipes"})
    assert (await api.get("api/catalog/block_types")).status_code == 200  # the older routes stay


async def test_backpack_routes_answer_ok_or_a_code(api, make_bot):
    bot = await make_bot(world="FARMREST")
    pickaxe = {"block_id": c.PICKAXE_BASIC}
    assert (await api.post(f"api/bots/{bot}/equip", json=pickaxe)).json() == {"ok": True}
    snapshot = (await api.get(f"api/bots/{bot}")).json()
    assert snapshot["worn"] == [{"slot": "hand", "block_id": c.PICKAXE_BASIC, "name": "WeaponPickaxeBasic"}]
    assert {q["name"] for q in snapshot["quests"]} >= {"FirstHarvest"} and snapshot["achievements"] == []
    assert (await api.post(f"api/bots/{bot}/unequip", json=pickaxe)).json() == {"ok": True}
    refused = await api.post(f"api/bots/{bot}/wear", json=pickaxe)
    assert (refused.status_code, refused.json()["code"]) == (422, "OTHER")
    assert "is not clothes" in (await api.get(f"api/bots/{bot}")).json()["last_error"]
    poor = await api.post(f"api/bots/{bot}/expand_inventory")
    assert (poor.status_code, poor.json()["code"]) == (422, "OTHER")
    no_coins = await api.post(f"api/bots/{bot}/buy_pack", json={"pack": "SeedPack"})
    assert (no_coins.status_code, no_coins.json()["code"]) == (422, "OTHER")
    too_many = await api.post(f"api/bots/{bot}/trash", json={"block_id": c.DIRT, "amount": 2})
    assert (too_many.status_code, too_many.json()["code"]) == (422, "OTHER")
    assert (await api.get(f"api/bots/{bot}/trees")).json() == {"trees": []}


async def test_backpack_routes_refuse_bad_input(api, make_bot):
    bot = await make_bot(connect=True)
    missing = await api.post(f"api/bots/{bot}/trash", json={"block_id": c.DIRT})
    assert (missing.status_code, missing.json()["field"]) == (400, "amount")
    wrong = await api.post(f"api/bots/{bot}/equip", json={"block_id": "pickaxe"})
    assert (wrong.status_code, wrong.json()["field"]) == (400, "block_id")
    half = await api.get(f"api/bots/{bot}/trees", params={"x": 3})
    assert (half.status_code, half.json()["field"]) == (400, "y")
    offline = await make_bot()
    not_connected = await api.post(f"api/bots/{offline}/expand_inventory")
    assert (not_connected.status_code, not_connected.json()["code"]) == (409, "NOT_CONNECTED")
