"""The bots routes of 003 (and the additive ones) on a real Jupyter server: bodies, semantics
and every documented error."""

from __future__ import annotations

import pytest
from rest_helpers import wait_snapshot

from seraph_kernel.commands.ids import BOT_ID_RULE

LITE_FIELDS = {
    "id", "status", "device_id", "current_host", "current_port", "current_world", "pending_world",
    "username", "user_id", "player_position", "inventory_count", "gems", "byte_coins", "xp_amount",
    "experience", "xp_level", "slots", "tutorial_state", "tutorial_running", "ping_ms", "proxy_name",
    "proxy_kind", "connected_since", "fishing_active", "fishing_info", "last_error",
}  # fmt: skip
FULL_EXTRA = {"world", "inventory", "tutorial_stage", "sf_token"}


async def near_tiles(api, bot_id):
    """``(reachable, unreachable)``: a tile 1-3 steps away and one the planner cannot reach."""
    snapshot = (await api.get(f"api/bots/{bot_id}")).json()
    x0, y0 = int(snapshot["player_position"]["map_x"]), int(snapshot["player_position"]["map_y"])
    minimap = (await api.get(f"api/bots/{bot_id}/minimap")).json()
    reachable = unreachable = None
    for radius in range(1, 12):
        for dx in range(-radius, radius + 1):
            for dy in (-radius, radius):
                x, y = x0 + dx, y0 + dy
                if not (0 <= x < minimap["width"] and 0 <= y < minimap["height"]):
                    continue
                path = (await api.get(f"api/bots/{bot_id}/path", params={"x": x, "y": y})).json()["path"]
                if path and reachable is None and len(path) <= 3:
                    reachable = (x, y)
                if not path and unreachable is None:
                    unreachable = (x, y)
                if reachable and unreachable:
                    return reachable, unreachable
    raise AssertionError("no reachable and unreachable tiles near the bot")


async def test_list_has_lite_snapshots_with_every_field(api, make_bot):
    bot_id = await make_bot()
    bots = (await api.get("api/bots")).json()["bots"]
    mine = next(b for b in bots if b["id"] == bot_id)
    assert set(mine) >= LITE_FIELDS
    assert not FULL_EXTRA & set(mine)
    assert mine["status"] == "disconnected"


async def test_get_is_the_full_snapshot(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    snapshot = (await api.get(f"api/bots/{bot_id}")).json()
    assert set(snapshot) >= LITE_FIELDS | FULL_EXTRA
    assert snapshot["world"]["world_name"] == "MINEWORLD"
    assert {"tile_id", "count"} <= set(snapshot["world"]["tile_counts"][0])
    assert isinstance(snapshot["inventory"], list)


async def test_create_gives_201_with_the_snapshot_and_refuses_duplicates(api, make_bot):
    bot_id = await make_bot()
    again = await api.post("api/bots", json={"id": bot_id})
    assert again.status_code == 409
    assert again.json() == {"error": f"bot already exists: {bot_id}"}
    created = await api.post("api/bots", json={})
    assert created.status_code == 201
    auto = created.json()
    assert auto["id"].startswith("bot-") and set(auto) >= LITE_FIELDS | FULL_EXTRA
    assert (await api.delete(f"api/bots/{auto['id']}")).json() == {"ok": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "no spaces"}, "id"),
        ({"id": 5}, "id"),
        ({"username": ""}, "username"),
        ({"settings": 3}, "settings"),
    ],
)
async def test_create_with_bad_fields_is_400_naming_the_field(api, body, field):
    response = await api.post("api/bots", json=body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["error"].startswith(f"{field}: ")


UNADDRESSABLE_IDS = [
    ".", "..", "", "a/b", "a\\b", "a?b", "a#b", "a%2Fb", "a\x01b", "a\x7f", " a", "a ", "x" * 65,
]  # fmt: skip


async def bot_ids(api) -> list[str]:
    return [b["id"] for b in (await api.get("api/bots")).json()["bots"]]


@pytest.mark.parametrize("bad_id", UNADDRESSABLE_IDS)
@pytest.mark.parametrize("door", ["POST /api/bots", "/invoke"])
async def test_ids_urls_cannot_carry_are_refused_at_creation(api, bad_id, door):
    """``..`` would make ``/api/bots/..`` Jupyter's own ``/api/``; each refusal says what is
    allowed, creates nothing, and the id never lists."""
    before = await bot_ids(api)
    if door == "/invoke":
        response = await api.post("invoke", json={"cmd": "create_bot", "args": {"id": bad_id}})
    else:
        response = await api.post("api/bots", json={"id": bad_id})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["field"] == "id" and body["error"].startswith("id: ")
    assert body["error"].endswith(f"(allowed: {BOT_ID_RULE})")
    assert await bot_ids(api) == before
    lookup = await api.post("invoke", json={"cmd": "get_bot", "args": {"id": bad_id}})
    assert lookup.status_code == 404


async def test_delete_stops_scripts_disconnects_and_forgets(api, make_bot):
    bot_id = await make_bot(connect=True)
    body = {"client_id": bot_id, "script_id": "loop", "source": "while true do sleep(50) end"}
    assert (await api.post("api/scripts/execute", json=body)).status_code == 200
    assert (await api.delete(f"api/bots/{bot_id}")).json() == {"ok": True}
    assert (await api.get(f"api/bots/{bot_id}")).json() == {"error": f"unknown bot: {bot_id}"}
    jobs = (await api.get("api/jobs/by_client", params={"client_id": bot_id})).json()["jobs"]
    assert not any(job["running"] for job in jobs)
    assert bot_id not in [b["id"] for b in (await api.get("api/bots")).json()["bots"]]


async def test_connect_answers_at_once_and_the_snapshot_settles(api, make_bot):
    bot_id = await make_bot()
    response = await api.post(f"api/bots/{bot_id}/connect")
    assert response.json() == {"ok": True}
    snapshot = await wait_snapshot(api, bot_id, lambda s: s["status"] == "menu_ready")
    assert snapshot["connected_since"] is not None


async def test_reconnect_is_an_alias_of_connect(api, make_bot):
    bot_id = await make_bot()
    assert (await api.post(f"api/bots/{bot_id}/reconnect")).json() == {"ok": True}
    await wait_snapshot(api, bot_id, lambda s: s["status"] == "menu_ready")


async def test_disconnect_is_clean_and_idempotent(api, make_bot):
    bot_id = await make_bot(connect=True)
    for _ in range(2):
        assert (await api.post(f"api/bots/{bot_id}/disconnect")).json() == {"ok": True}
    await wait_snapshot(api, bot_id, lambda s: s["status"] == "disconnected")


async def test_warp_answers_at_once_then_the_bot_reaches_the_world(api, make_bot):
    bot_id = await make_bot(connect=True)
    response = await api.post(f"api/bots/{bot_id}/warp", json={"world": "MINEWORLD"})
    assert response.json() == {"ok": True}
    snapshot = await wait_snapshot(api, bot_id, lambda s: s["status"] == "in_world")
    assert snapshot["current_world"] == "MINEWORLD"


@pytest.mark.parametrize(
    ("world", "status", "code"), [("bad name!", 400, "INVALID_WORLD"), ("NOTFOUNDX", 404, "WORLD_NOT_FOUND")]
)
async def test_warp_with_wait_maps_failures_to_errors(api, make_bot, world, status, code):
    bot_id = await make_bot(connect=True)
    response = await api.post(f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": world})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["error"].startswith(f"{code}: ")


async def test_leave_returns_to_the_menu(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    assert (await api.post(f"api/bots/{bot_id}/leave")).json() == {"ok": True}
    snapshot = await wait_snapshot(api, bot_id, lambda s: s["status"] == "menu_ready")
    assert snapshot["current_world"] is None


async def test_walk_to_returns_at_the_target(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    (x, y), _ = await near_tiles(api, bot_id)
    response = await api.post(f"api/bots/{bot_id}/walk_to", json={"x": x, "y": y})
    assert response.json() == {"ok": True}
    position = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    assert (position["map_x"], position["map_y"]) == (x, y)


async def test_walk_to_an_unreachable_tile_is_422_other(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    _, (x, y) = await near_tiles(api, bot_id)
    response = await api.post(f"api/bots/{bot_id}/walk_to", json={"x": x, "y": y})
    assert response.status_code == 422
    assert response.json()["code"] == "OTHER"


async def test_world_actions_outside_a_world_are_409_not_in_world(api, make_bot):
    bot_id = await make_bot(connect=True)
    for method, path, body in [
        ("POST", "walk_to", {"x": 1, "y": 1}),
        ("GET", "minimap", None),
        ("POST", "hit", {"x": 1, "y": 1}),
    ]:
        response = await api.request(method, f"api/bots/{bot_id}/{path}", json=body)
        assert response.status_code == 409, (path, response.text)
        assert response.json()["code"] == "NOT_IN_WORLD"
        assert "not in a world" in response.json()["error"]


async def test_world_reads_in_a_world(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    minimap = (await api.get(f"api/bots/{bot_id}/minimap")).json()
    size = minimap["width"] * minimap["height"]
    for layer in ("foreground_tiles", "background_tiles", "water_tiles", "wiring_tiles"):
        assert len(minimap[layer]) == size
    assert {"map_x", "map_y", "world_x", "world_y"} <= set(minimap["player_position"])
    assert isinstance(minimap["other_players"], list)
    collectables = (await api.get(f"api/bots/{bot_id}/collectables")).json()["collectables"]
    for item in collectables:
        assert {"id", "block_type", "amount", "inventory_type", "pos_x", "pos_y", "is_gem"} <= set(item)
    enemies = (await api.get(f"api/bots/{bot_id}/enemies")).json()["enemies"]
    for enemy in enemies:
        assert {"ai_id", "x", "y", "ai_kind", "hp", "max_hp"} <= set(enemy)
    inventory = (await api.get(f"api/bots/{bot_id}/inventory")).json()
    assert isinstance(inventory["slots"], int) and isinstance(inventory["items"], list)


async def test_world_queries_and_their_timeouts(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    recent = (await api.get(f"api/bots/{bot_id}/recent_worlds", params={"timeout_ms": 5000})).json()
    assert "MINEWORLD" in [row["name"] for row in recent["worlds"]]
    active = (await api.get(f"api/bots/{bot_id}/active_worlds")).json()["worlds"]
    assert any(row["name"] == "MINEWORLD" and row["count"] >= 1 for row in active)
    info = await api.get(f"api/bots/{bot_id}/world_info", params={"world": "MINEWORLD", "timeout_ms": 10**12})
    assert info.status_code == 200
    assert info.json()["name"] == "MINEWORLD" and info.json()["player_count"] >= 1
    missing = await api.get(f"api/bots/{bot_id}/world_info")
    assert (missing.status_code, missing.json()["field"]) == (400, "world")
    for bad in ("-1", "0", "soon"):
        response = await api.get(f"api/bots/{bot_id}/recent_worlds", params={"timeout_ms": bad})
        assert (response.status_code, response.json()["field"]) == (400, "timeout_ms")


async def test_chat_move_hit_place_and_collect(api, make_bot):
    bot_id = await make_bot(world="MINEWORLD")
    assert (await api.post(f"api/bots/{bot_id}/say", json={"text": "héllo ✓"})).json() == {"ok": True}
    (x, y), _ = await near_tiles(api, bot_id)
    first_step = (await api.get(f"api/bots/{bot_id}/path", params={"x": x, "y": y})).json()["path"][0]
    here = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    step = {"dx": first_step[0] - int(here["map_x"]), "dy": first_step[1] - int(here["map_y"])}
    assert (await api.post(f"api/bots/{bot_id}/move", json=step)).json() == {"ok": True}
    here = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    assert [here["map_x"], here["map_y"]] == first_step
    still = await api.post(f"api/bots/{bot_id}/move", json={"dx": 0, "dy": 0})
    assert (still.status_code, still.json()["field"]) == (400, "move")
    collected = (await api.post(f"api/bots/{bot_id}/collect")).json()
    assert collected["ok"] is True and collected["collected"] >= 0
    far = await api.post(f"api/bots/{bot_id}/hit", json={"x": 0, "y": 0})
    assert far.status_code in (409, 422) and "code" in far.json()
    bad = await api.post(f"api/bots/{bot_id}/place", json={"x": 1, "y": 1})
    assert (bad.status_code, bad.json()["field"]) == (400, "block_id")


async def test_tutorial_starts_and_flips_tutorial_running(api, make_bot):
    bot_id = await make_bot(connect=True)
    assert (await api.post(f"api/bots/{bot_id}/tutorial")).json() == {"ok": True}
    await wait_snapshot(api, bot_id, lambda s: s["tutorial_running"] or s["tutorial_state"] > 0)


BOT_ROUTES = [
    ("GET", ""),
    ("DELETE", ""),
    ("POST", "/connect"),
    ("POST", "/reconnect"),
    ("POST", "/disconnect"),
    ("POST", "/leave"),
    ("POST", "/tutorial"),
    ("GET", "/collectables"),
    ("GET", "/enemies"),
    ("GET", "/minimap"),
    ("GET", "/inventory"),
    ("GET", "/recent_worlds"),
    ("GET", "/active_worlds"),
    ("POST", "/collect"),
]


@pytest.mark.parametrize(("method", "suffix"), BOT_ROUTES)
async def test_unknown_bot_is_404_on_every_bot_route(api, method, suffix):
    response = await api.request(method, f"api/bots/bot-99{suffix}")
    assert response.status_code == 404
    assert response.json() == {"error": "unknown bot: bot-99"}


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("warp", {"world": "MINEWORLD"}),
        ("walk_to", {"x": 1, "y": 1}),
        ("hit", {"x": 1, "y": 1}),
        ("place", {"x": 1, "y": 1, "block_id": 2}),
        ("say", {"text": "hi"}),
        ("move", {"dx": 1, "dy": 0}),
    ],
)
async def test_unknown_bot_is_404_on_actions_with_bodies(api, suffix, body):
    response = await api.post(f"api/bots/bot-99/{suffix}", json=body)
    assert response.json() == {"error": "unknown bot: bot-99"}


async def test_polling_the_list_with_its_etag_gets_304_until_a_bot_changes(api, make_bot):
    first = await api.get("api/bots")
    etag = first.headers["etag"]
    assert (await api.get("api/bots", headers={"If-None-Match": etag})).status_code == 304
    await make_bot()
    changed = await api.get("api/bots", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
