"""Starting and closing a LocalFleet: the embedded world, info(), unusable databases, records
it cannot restore."""

import asyncio
import logging

import pytest
from waiting import wait_ended

from seraph_kernel.config import FleetConfig, parse_address
from seraph_kernel.errors import BotExists, InvalidArgument
from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.store import BotRecord, BotStore, Database, StoreError


async def test_without_an_address_the_fleet_runs_its_own_world(db_path):
    fleet = LocalFleet(FleetConfig(db_path=db_path, seed=7))
    await fleet.start()
    try:
        info = await fleet.info()
        assert (info["kind"], info["seed"], info["sim_embedded"]) == ("local", 7, True)
        assert info["db_path"] == str(db_path)
        assert len(info["sim_hosts"]) >= 2
        assert info["limits"]["script_memory_bytes"] == 64 * 1024 * 1024
        await fleet.create_bot()
        assert await fleet.connect("bot-1", wait=True) is None
        assert await fleet.warp("bot-1", "PIXELSTATION", wait=True) is None
    finally:
        await fleet.close()
    host, port = parse_address(info["sim_address"])
    with pytest.raises(OSError):
        await asyncio.open_connection(host, port)


async def test_info_of_a_fleet_on_an_external_world(fleet, sim_server):
    info = await fleet.info()
    assert (info["sim_address"], info["sim_embedded"], info["sim_hosts"]) == (sim_server.address, False, {})
    assert info["backends"]["sim"]["backend"] == "sim"


async def test_a_corrupt_database_stops_the_start_with_a_clear_error(sim_server, db_path):
    db_path.write_bytes(b"definitely not sqlite" * 50)
    fleet = LocalFleet(FleetConfig(sim_address=sim_server.address, db_path=db_path))
    with pytest.raises(StoreError, match="corrupt or not a SQLite file"):
        await fleet.start()
    assert db_path.read_bytes().startswith(b"definitely not sqlite")


async def test_a_bot_whose_backend_is_gone_is_kept_but_not_loaded(make_fleet, db_path):
    db = Database(db_path)
    BotStore(db).save(BotRecord(id="bot-2", username="Oldie", backend="retired-game"))
    BotStore(db).save(BotRecord(id="bot-1", username="Fine"))
    db.close()
    fleet = await make_fleet()
    assert [b["id"] for b in await fleet.list_bots()] == ["bot-1"]
    with pytest.raises(BotExists):
        await fleet.create_bot("bot-2")
    assert (await fleet.create_bot())["id"] == "bot-3"
    await fleet.close()
    db = Database(db_path)
    assert [(r.id, r.backend) for r in BotStore(db).all()] == [
        ("bot-1", "sim"),
        ("bot-2", "retired-game"),
        ("bot-3", "sim"),
    ]
    db.close()


async def test_stored_ids_that_urls_cannot_carry_still_load_list_and_delete(make_fleet, db_path, caplog):
    """Ids stored before the rules (``..`` would climb out of ``/api/bots/``) are kept: they
    list, answer through the dispatcher and can be deleted; a warning says how to reach them."""
    db = Database(db_path)
    BotStore(db).save(BotRecord(id="..", username="Climber"))
    db.close()
    with caplog.at_level(logging.WARNING, logger="seraph_kernel.fleet.local"):
        fleet = await make_fleet()
    assert any("'..'" in r.getMessage() and "/invoke" in r.getMessage() for r in caplog.records)
    assert [b["id"] for b in await fleet.list_bots()] == [".."]
    assert (await fleet.invoke("get_bot", {"id": ".."}))["username"] == "Climber"
    await fleet.execute("..", "old", "return 1")
    assert (await wait_ended(fleet, "..", "old"))["state"] == "COMPLETE"
    assert await fleet.invoke("delete_bot", {"id": ".."}) == {"ok": True}
    assert await fleet.list_bots() == []
    with pytest.raises(InvalidArgument, match=r"^id: '\.\.' is a path step"):
        await fleet.create_bot("..")


async def test_close_twice_is_harmless(make_fleet):
    fleet = await make_fleet()
    await fleet.close()
    await fleet.close()
