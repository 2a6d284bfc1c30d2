"""Bot records survive closing and reopening the file."""

from seraph_kernel.store import BotRecord, BotStore, Database


def test_bots_round_trip_across_reopen(tmp_path):
    path = tmp_path / "seraph.sqlite"
    db = Database(path)
    store = BotStore(db)
    store.save(BotRecord(id="bot-2", username="P2", settings={"skin": [1, 2]}))
    store.save(BotRecord(id="bot-1", username="P1", backend="sim"))
    store.set_presence("bot-2", True, "MINEWORLD")
    db.close()

    db = Database(path)
    records = BotStore(db).all()
    db.close()
    assert records == [
        BotRecord(id="bot-1", username="P1", backend="sim", settings={}, was_connected=False, world=None),
        BotRecord(
            id="bot-2", username="P2", settings={"skin": [1, 2]}, was_connected=True, world="MINEWORLD"
        ),
    ]


def test_save_replaces_and_delete_forgets(tmp_path):
    db = Database(tmp_path / "seraph.sqlite")
    store = BotStore(db)
    store.save(BotRecord(id="bot-1", username="P1"))
    store.save(BotRecord(id="bot-1", username="Renamed"))
    assert [r.username for r in store.all()] == ["Renamed"]
    store.delete("bot-1")
    store.delete("bot-1")
    assert store.all() == []
    db.close()
