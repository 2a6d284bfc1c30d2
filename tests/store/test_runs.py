"""Run history: ended runs keep their record, newest per key."""

from seraph_kernel.store import Database, RunHistory


def run(script_id, state, ended_at, client_id="bot-1", **extra):
    return {
        "client_id": client_id,
        "script_id": script_id,
        "state": state,
        "last_error": extra.get("last_error"),
        "error": extra.get("error"),
        "results": extra.get("results"),
        "started_at": ended_at - 10,
        "ended_at": ended_at,
        "timeout_ms": extra.get("timeout_ms"),
    }


def test_latest_returns_the_newest_run_with_json_fields(tmp_path):
    db = Database(tmp_path / "seraph.sqlite")
    history = RunHistory(db)
    history.record(
        run("a", "FAILED", 100, error={"code": "SCRIPT_ERROR", "message": "boom"}, last_error="boom")
    )
    history.record(run("a", "COMPLETE", 200, results=[1, {"x": 2}], timeout_ms=500))
    latest = history.latest("bot-1", "a")
    assert latest["state"] == "COMPLETE"
    assert latest["results"] == [1, {"x": 2}]
    assert latest["error"] is None
    assert latest["timeout_ms"] == 500
    assert latest["running"] is False
    assert history.latest("bot-1", "never") is None
    db.close()


def test_latest_per_key_filters_by_client_and_survives_reopen(tmp_path):
    path = tmp_path / "seraph.sqlite"
    db = Database(path)
    history = RunHistory(db)
    history.record(run("a", "FAILED", 100))
    history.record(run("b", "CANCELLED", 150))
    history.record(run("a", "COMPLETE", 200))
    history.record(run("c", "COMPLETE", 300, client_id="bot-2"))
    db.close()

    db = Database(path)
    history = RunHistory(db)
    keys = [(r["client_id"], r["script_id"], r["state"]) for r in history.latest_per_key()]
    assert keys == [("bot-1", "b", "CANCELLED"), ("bot-1", "a", "COMPLETE"), ("bot-2", "c", "COMPLETE")]
    assert [r["script_id"] for r in history.latest_per_key("bot-2")] == ["c"]
    history.forget_client("bot-1")
    assert [r["client_id"] for r in history.latest_per_key()] == ["bot-2"]
    db.close()


def test_only_the_newest_runs_of_a_key_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr("seraph_kernel.store.run_history.KEEP_PER_KEY", 3)
    db = Database(tmp_path / "seraph.sqlite")
    history = RunHistory(db)
    for n in range(10):
        history.record(run("loop", "COMPLETE", 100 + n, results=[n]))
    history.record(run("other", "COMPLETE", 500))
    kept = db.query("SELECT script_id, COUNT(*) FROM runs GROUP BY script_id ORDER BY script_id")
    assert kept == [("loop", 3), ("other", 1)]
    assert history.latest("bot-1", "loop")["results"] == [9]
    db.close()
