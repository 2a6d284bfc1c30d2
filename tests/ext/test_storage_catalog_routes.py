"""Storage, catalog and info routes (additive) on a real Jupyter server."""

from __future__ import annotations

from urllib.parse import quote


async def test_storage_round_trip_per_scope(api, make_bot):
    bot_id = await make_bot()
    scope = f"bot:{bot_id}"
    key = "route/with slash ✓"
    path = f"api/storage/{scope}/{quote(key, safe='')}"
    assert (await api.get(path)).json() == {"value": None}
    value = {"list": [1, 2.5, "x"], "nested": {"ok": True}, "none": None}
    assert (await api.put(path, json={"value": value})).json() == {"ok": True}
    assert (await api.get(path)).json() == {"value": value}
    assert (await api.get(f"api/storage/{scope}")).json() == {"keys": [key]}
    assert (await api.get("api/storage/global/" + quote(key, safe=""))).json() == {"value": None}
    assert (await api.delete(path)).json() == {"deleted": True}
    assert (await api.delete(path)).json() == {"deleted": False}
    await api.put(f"api/storage/{scope}/a", json={"value": 1})
    assert (await api.delete(f"api/storage/{scope}")).json() == {"ok": True}
    assert (await api.get(f"api/storage/{scope}")).json() == {"keys": []}


async def test_storage_refuses_bad_scopes_and_missing_values(api):
    bad_scope = await api.get("api/storage/elsewhere/k")
    assert (bad_scope.status_code, bad_scope.json()["field"]) == (400, "scope")
    no_value = await api.put("api/storage/global/k", json={"val": 1})
    assert (no_value.status_code, no_value.json()) == (
        400,
        {"error": "value: required", "field": "value", "command": "storage_set"},
    )


async def test_catalog_block_types_and_infos(api):
    types = (await api.get("api/catalog/block_types")).json()
    assert types and all(k.isdigit() and isinstance(v, str) for k, v in types.items())
    blocks = (await api.get("api/catalog/blocks")).json()["blocks"]
    assert {str(block["id"]): block["name"] for block in blocks} == types


async def test_info_describes_the_servers_fleet(api):
    info = (await api.get("api/seraph/info")).json()
    assert info["kind"] == "local"
    assert info["seed"] == 42
    assert info["db_path"].endswith("seraph.sqlite")
