"""The travel routes on a real Jupyter server (commands/worlds.py): lobby hosts, instances,
random worlds, entry and special warps, portals, exact positions, planned routes and world
items, with their bad input (400 naming the field) and game failures (4xx with a code)."""

from __future__ import annotations


async def test_subserver_instances_portals_and_items(api, make_bot):
    bot_id = await make_bot()
    unknown = await api.post(f"api/bots/{bot_id}/subserver", json={"name": "lobby-mars.sim"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "OTHER")
    assert (await api.post(f"api/bots/{bot_id}/subserver", json={"name": "lobby-eu.sim"})).status_code == 200
    assert (await api.post(f"api/bots/{bot_id}/connect", params={"wait": "true"})).status_code == 200
    assert (await api.get(f"api/bots/{bot_id}")).json()["current_host"] == "lobby-eu.sim"
    outside = await api.get(f"api/bots/{bot_id}/world_items")
    assert (outside.status_code, outside.json()["code"]) == (409, "NOT_IN_WORLD")

    bad = await api.post(f"api/bots/{bot_id}/mines", json={"level": 9})
    assert (bad.status_code, bad.json()["field"]) == (400, "level")
    assert (await api.post(f"api/bots/{bot_id}/mines", json={"level": 1})).json() == {"ok": True}
    snapshot = (await api.get(f"api/bots/{bot_id}")).json()
    assert snapshot["current_world"].startswith("MINES-1-")
    items = (await api.get(f"api/bots/{bot_id}/world_items")).json()["items"]
    portal = next(i for i in items if i["kind"] == "portal")
    assert (portal["entry"], portal["target_world"], portal["target_entry"]) == (
        "HUB",
        "PIXELSTATION",
        "MINES",
    )
    one = await api.get(f"api/bots/{bot_id}/tile_item", params={"x": portal["x"], "y": portal["y"]})
    assert one.json() == {"item": portal}
    elsewhere = {"x": portal["x"], "y": portal["y"], "world": "MINEWORLD"}
    assert (await api.get(f"api/bots/{bot_id}/tile_item", params=elsewhere)).json() == {"item": None}
    spawn = (int(snapshot["player_position"]["map_x"]), int(snapshot["player_position"]["map_y"]))
    route = {"from_x": spawn[0], "from_y": spawn[1], "to_x": portal["x"], "to_y": portal["y"]}
    path = (await api.get(f"api/bots/{bot_id}/plan_path", params=route)).json()["path"]
    assert path[-1] == [portal["x"], portal["y"]] and len(path) == 2
    no_portal = await api.post(f"api/bots/{bot_id}/enter_portal", json={"x": spawn[0], "y": spawn[1]})
    assert no_portal.status_code == 400 and "no portal" in no_portal.json()["error"]
    through = await api.post(f"api/bots/{bot_id}/enter_portal", json={"x": portal["x"], "y": portal["y"]})
    assert through.json() == {"ok": True}
    assert (await api.get(f"api/bots/{bot_id}")).json()["current_world"] == "PIXELSTATION"

    rows = (await api.get(f"api/bots/{bot_id}/recent_worlds")).json()["worlds"]
    assert rows[0] == {"name": "PIXELSTATION", "id": "PIXELSTATION", "count": rows[0]["count"], "visits": 1}
    assert rows[1]["name"].startswith("MINES-1-") and rows[1]["count"] == -1  # WorldCount.UNKNOWN


async def test_positions_random_and_entry_warps(api, make_bot):
    bot_id = await make_bot(connect=True)
    warp = await api.post(f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": "MINEWORLD:HUB"})
    assert warp.status_code == 200, warp.text
    at = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    x, y = at["map_x"], at["map_y"]
    bad = await api.post(f"api/bots/{bot_id}/set_position", json={"x": "far", "y": 1})
    assert (bad.status_code, bad.json()["field"]) == (400, "x")
    exact = {"x": round(x * 0.32 + 0.1, 4), "y": round(y * 0.32, 4)}
    assert (await api.post(f"api/bots/{bot_id}/set_position", json=exact)).json() == {"ok": True}
    at = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    assert (at["world_x"], at["map_y"]) == (exact["x"], y)
    moved = await api.post(f"api/bots/{bot_id}/move_position", json={"dx": 0.05, "dy": 0})
    assert moved.json() == {"ok": True}
    far = {"x": 1.0, "y": 1.0, "teleport": True}
    refused = await api.post(f"api/bots/{bot_id}/set_position", json=far)
    assert (refused.status_code, refused.json()["code"]) == (422, "OTHER")
    special = await api.post(
        f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": "NETHER", "special": True}
    )
    assert special.status_code == 200
    assert (await api.get(f"api/bots/{bot_id}")).json()["current_world"].startswith("NETHER-0-")
    landed = (await api.post(f"api/bots/{bot_id}/warp_random")).json()
    assert landed["ok"] is True
    assert (await api.get(f"api/bots/{bot_id}")).json()["current_world"] == landed["world"]
