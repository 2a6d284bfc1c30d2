"""The bot snapshot has exactly the fields of spec 003 (and the full one our additive farm
fields), with real values."""

from __future__ import annotations

import pytest

LITE = {
    "id",
    "status",
    "device_id",
    "current_host",
    "current_port",
    "current_world",
    "pending_world",
    "username",
    "user_id",
    "player_position",
    "inventory_count",
    "gems",
    "byte_coins",
    "xp_amount",
    "experience",
    "xp_level",
    "slots",
    "tutorial_state",
    "tutorial_running",
    "ping_ms",
    "proxy_name",
    "proxy_kind",
    "connected_since",
    "fishing_active",
    "fishing_info",
    "last_error",
}
#: Additive: what the bot wears, its quests and achievements (docs/simulator.md).
FARM = {"worn", "quests", "achievements"}
FULL = LITE | {"world", "inventory", "tutorial_stage", "sf_token", "walk"} | FARM
WORLD = {
    "world_name",
    "width",
    "height",
    "spawn_map_x",
    "spawn_map_y",
    "spawn_world_x",
    "spawn_world_y",
    "collectables_count",
    "world_items_count",
    "tile_counts",
}


async def test_lite_and_full_fields_in_a_world(server, bot_in):
    bot, _ = await bot_in(server, "MINEWORLD", "P71710199")
    lite, full = bot.snapshot(), bot.snapshot(full=True)
    assert set(lite) == LITE and set(full) == FULL and set(full["world"]) == WORLD
    live = server.worlds["MINEWORLD"]
    assert lite["id"] == "bot-1" and lite["username"] == "P71710199" and len(lite["device_id"]) == 16
    assert lite["user_id"] == server.accounts.get("P71710199").user_id
    assert (lite["status"], lite["current_world"], lite["pending_world"]) == ("in_world", "MINEWORLD", None)
    assert lite["current_host"] == live.host and lite["current_port"] == server.hosts[live.host][1]
    x, y = live.spawn
    assert lite["player_position"] == {
        "map_x": float(x),
        "map_y": float(y),
        "world_x": pytest.approx(x * 0.32),
        "world_y": pytest.approx(y * 0.32),
    }
    assert (lite["inventory_count"], lite["slots"], lite["gems"], lite["xp_level"]) == (1, 32, 0, 1)
    assert (lite["proxy_name"], lite["proxy_kind"], lite["fishing_active"], lite["fishing_info"]) == (
        None,
        None,
        False,
        None,
    )
    assert isinstance(lite["connected_since"], int) and lite["tutorial_running"] is False
    world = full["world"]
    assert (world["world_name"], world["width"], world["height"]) == ("MINEWORLD", 100, 60)
    assert (world["spawn_map_x"], world["spawn_world_x"]) == (float(x), pytest.approx(x * 0.32))
    assert world["collectables_count"] == len(live.collectables)
    counts = {row["tile_id"]: row["count"] for row in world["tile_counts"]}
    assert counts == {t: list(live.fg).count(t) for t in set(live.fg) if t != 0}
    assert world["world_items_count"] == 2  # the entrance and the portal back to the hub
    assert full["inventory"] == [
        {
            "block_id": 1041,
            "inventory_type": 49,
            "amount": 1,
            "name": "WeaponPickaxeBasic",
            "category": "tool",
        }
    ]
    assert full["tutorial_stage"] is None and full["sf_token"].count(".") == 2
    assert full["walk"] is None  # standing still


async def test_fields_before_connecting(server, make_bot):
    bot, _ = make_bot(server, "Fresh")
    full = bot.snapshot(full=True)
    assert set(full) == FULL
    assert (full["status"], full["user_id"], full["world"], full["player_position"], full["sf_token"]) == (
        "disconnected",
        None,
        None,
        None,
        None,
    )


async def test_every_status_change_emits_a_session_snapshot(server, make_bot):
    bot, events = make_bot(server)
    await bot.connect()
    sessions = [d["snapshot"] for k, d in events.items if k == "session"]
    assert [s["status"] for s in sessions] == ["connecting", "authenticating", "menu_ready"]
    assert all(set(s) == LITE for s in sessions)
