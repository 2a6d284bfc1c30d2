"""The backend plugin interface: finding backends by name and building bots."""

from __future__ import annotations

import pytest

from seraph_kernel.backends.base import Backend, BotSession, backend_names, load_backend
from seraph_kernel.backends.sim import SimBackend
from seraph_kernel.errors import InvalidArgument


def test_sim_is_a_registered_backend():
    assert load_backend("sim") is SimBackend and "sim" in backend_names()
    assert issubclass(SimBackend, Backend)
    with pytest.raises(KeyError, match="unknown backend: nope"):
        load_backend("nope")


def test_from_config_and_bad_options():
    backend = SimBackend.from_config({"address": "127.0.0.1:10001", "reconnect_initial_ms": 5})
    assert backend.info() == {"backend": "sim", "address": "127.0.0.1:10001"}
    for address in ("nowhere", "host:", ":80", "h:99999", "h:x"):
        with pytest.raises(InvalidArgument):
            SimBackend(address)
    with pytest.raises(InvalidArgument, match="unknown options"):
        SimBackend("127.0.0.1:1", colour="red")


def test_create_bot_checks_the_username_and_fills_settings():
    backend = SimBackend("127.0.0.1:10001")
    bot = backend.create_bot("bot-1", None, None, lambda kind, data: None)
    assert isinstance(bot, BotSession) and bot.username.startswith("P") and len(bot.username) == 9
    assert len(bot.settings["device_id"]) == 16
    kept = backend.create_bot("bot-2", "Alice", {"device_id": "abc", "note": 1}, lambda kind, data: None)
    assert kept.settings == {"device_id": "abc", "note": 1}
    for bad in ("a", "has space", "x" * 25):
        with pytest.raises(InvalidArgument, match="username"):
            backend.create_bot("bot-3", bad, {}, lambda kind, data: None)


def test_the_catalog_is_offered():
    backend = SimBackend("127.0.0.1:10001")
    types = backend.block_types()
    assert types["0"] == "Air" and types["1041"] == "WeaponPickaxeBasic"
    info = next(b for b in backend.block_infos() if b["id"] == 2)
    assert (info["name"], info["hits"], info["collision"]) == ("SoilBlock", 3, "solid")


async def test_resume_brings_a_bot_back_where_its_hint_says(server, make_bot):
    bot, _ = make_bot(server, "Sleeper")
    await bot.connect()
    await bot.warp("MINEWORLD")
    hint = bot.restore_hint
    assert hint == {"connected": True, "world": "MINEWORLD"}
    await bot.close()
    again, _ = make_bot(server, "Sleeper")
    assert await again.resume(hint) is None
    assert (again.status, again.current_world) == ("in_world", "MINEWORLD")
    idle, _ = make_bot(server, "Idler")
    assert await idle.resume({"connected": False, "world": None}) is None and idle.status == "disconnected"
