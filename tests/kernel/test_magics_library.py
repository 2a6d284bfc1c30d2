"""``%library`` and ``%%library save`` through a real kernel that owns a LocalFleet."""

from __future__ import annotations

import os
import re
from importlib.metadata import entry_points

import pytest

from .conftest import start_kernel, stop_kernel


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel that loads the ``library`` magic family from its entry point (declared in
    pyproject.toml; an install made before it existed gets it from a dist-info on the path)."""
    env = {}
    if not any(point.name == "library" for point in entry_points(group="seraph.magics")):
        site = tmp_path_factory.mktemp("plugin")
        info = site / "seraph_library_magics-0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: seraph-library-magics\nVersion: 0\n")
        (info / "entry_points.txt").write_text(
            "[seraph.magics]\nlibrary = seraph_kernel.kernel.magics.library:MAGICS\n"
        )
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(site)]))
    driver = start_kernel(env)
    try:
        yield driver
    finally:
        stop_kernel(driver)


def test_save_run_and_read_the_library_from_cells(kernel):
    assert kernel.ok("%library").displays[0]["text/plain"].startswith("(the library is empty")
    saved = kernel.ok("%%library save miner\nprint('mined') return 1").stdout
    match = re.fullmatch(r"saved miner as (scr-[0-9a-f]{16}) \(version 1\)\n", saved)
    assert match, saved
    script_id = match.group(1)
    assert kernel.ok("%%library save miner\nprint('mined v2') return 2").stdout == (
        f"saved miner ({script_id}) as version 2\n"
    )
    invalid = kernel.execute("%%library save miner\nlocal x =\n= 1")
    assert not invalid.ok
    assert invalid.error["ename"] == "MagicError"
    assert invalid.error["evalue"].startswith("script is invalid (code 2)\n2: unexpected symbol")

    kernel.ok("%create_bot lib-bot")
    started = kernel.ok("%library run miner --bot lib-bot").stdout
    assert started == f"started miner v2 on lib-bot (run lib-bot/{script_id})\n"
    assert "state: COMPLETE" in kernel.ok(f"%script wait {script_id} --bot lib-bot").stdout
    assert kernel.ok(f"%script console {script_id} --bot lib-bot").stdout == "mined v2\n"

    table = kernel.ok("%library").displays[0]
    lines = table["text/plain"].splitlines()
    assert lines[0].split() == [
        "name",
        "id",
        "version",
        "enabled",
        "free_for_all",
        "executions",
        "sessions",
        "running",
    ]
    assert lines[1].split() == ["miner", script_id, "2", "yes", "yes", "1", "1", "0"]
    assert "<table>" in table["text/html"]

    sessions = kernel.ok("%library sessions miner").displays[0]["text/plain"].splitlines()
    assert sessions[0].split() == ["created", "client_id", "user_key", "version", "state", "ended"]
    assert sessions[1].split()[2:6] == ["lib-bot", "anonymous", "2", "COMPLETE"]

    chart = kernel.ok("%library executions miner").displays[0]
    assert chart["text/plain"].startswith("miner: 1 execution(s) over 30 days, most on ")
    assert chart["image/svg+xml"].startswith("<svg") and chart["image/svg+xml"].count("<rect") == 30


def test_toggle_refuses_runs_and_names_must_exist(kernel):
    kernel.ok("%%library save toggled\nreturn 1")
    kernel.ok("%create_bot toggle-bot")
    assert kernel.ok("%library toggle toggled off").stdout == "toggled is disabled\n"
    refused = kernel.execute("%library run toggled --bot toggle-bot")
    assert refused.error["evalue"] == "script is disabled (code 2)"
    assert kernel.ok("%library toggle toggled").stdout == "toggled is enabled\n"
    ran = kernel.ok("%library run toggled --bot toggle-bot --wait").stdout
    assert ran.startswith("started toggled v1") and ran.endswith("\ntoggled on toggle-bot: COMPLETE\n")
    missing = kernel.execute("%library run nothing-here")
    assert missing.error["evalue"] == "no library script named 'nothing-here' (see %library)"
    usage = kernel.execute("%library sessions")
    assert usage.error["ename"] == "UsageError"


def test_script_names_complete(kernel):
    kernel.ok("%%library save completed-one\nreturn 1")
    kernel.ok("%%library save completed-two\nreturn 2")
    for code in ("%library run compl", "%library sessions compl", "%%library save compl"):
        reply = kernel.request("complete", code, len(code))
        assert reply["matches"] == ["completed-one", "completed-two"], code
        assert reply["cursor_start"] == len(code) - len("compl")
    assert kernel.request("complete", "%library run completed-o", 24)["matches"] == ["completed-one"]
    assert "completed-one" not in kernel.request("complete", "%library compl", 14)["matches"]
    assert kernel.request("complete", "%library ru", 11)["matches"] == ["run"]
