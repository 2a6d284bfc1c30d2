"""A Ray farm that loses a node closes the unfinished runs of that node's bots, and only those."""

from seraph_kernel.store import Database, RunHistory


def run(script_id, state, client_id, **extra):
    return {"client_id": client_id, "script_id": script_id, "state": state, "started_at": 90, **extra}


def test_close_runs_of_ends_only_the_unfinished_runs_of_those_bots(tmp_path):
    db = Database(tmp_path / "seraph.sqlite")
    history = RunHistory(db)
    history.started(run("loop", "PROCESSING", "lost-1"))
    history.started(run("queued", "QUEUED", "lost-2"))
    history.record(run("done", "COMPLETE", "lost-1", results=[1]))
    history.started(run("loop", "PROCESSING", "kept"))

    closed = history.close_runs_of(["lost-1", "lost-2"], "node lost")

    assert sorted(closed) == [("lost-1", "loop"), ("lost-2", "queued")]
    for client_id, script_id in closed:
        latest = history.latest(client_id, script_id)
        assert latest["state"] == "FAILED" and not latest["running"]
        assert latest["error"] == {"code": "INTERNAL_ERROR", "message": "node lost"}
        assert latest["last_error"] == "node lost"
    assert history.latest("lost-1", "done")["state"] == "COMPLETE"
    assert history.latest("kept", "loop")["state"] == "PROCESSING"
    assert history.close_runs_of([], "node lost") == []
    db.close()
