"""A kernel that guides its user: what a fresh notebook gets without knowing the magics."""

from __future__ import annotations

import html
import re

import pytest

from tests.kernel.conftest import start_kernel, stop_kernel


@pytest.fixture(scope="module")
def fresh():
    """A kernel of its own: these tests need a fleet with no bot in use."""
    driver = start_kernel()
    try:
        yield driver
    finally:
        stop_kernel(driver)


def test_get_client_without_a_bot_says_how_to_choose_one(fresh):
    empty = fresh.execute("local c = getClient()\nreturn c.id")
    assert empty.reply["ename"] == "LuaError"
    assert "executor:1: getClient: no bot in use" in empty.reply["evalue"]
    assert "%create_bot" in empty.reply["evalue"]

    fresh.ok("%%python\nawait fleet.create_bot('ann')\nawait fleet.create_bot('bob')")
    several = fresh.execute("getClient()")
    assert "run %use <id> with one of: ann, bob" in several.reply["evalue"]

    fresh.ok("%%python\nawait fleet.delete_bot('bob')")
    only = fresh.ok("getClient().id")
    assert only.result["text/plain"] == '"ann"'
    assert "getClient() is ann, the only bot" in only.stdout
    assert fresh.ok("%%python\nawait fleet.create_bot('cat')").ok
    assert fresh.ok("getClient().id").result["text/plain"] == '"ann"'  # bound, not guessed again


def test_several_values_keep_their_separators_in_every_mimetype(fresh):
    data = fresh.ok('return nil, Vector2i(58, 17), "MINEWORLD", {1}').result
    assert data["text/plain"] == 'nil, Vector2i(58, 17), "MINEWORLD", {1}'
    text = html.unescape(re.sub(r"<[^>]+>", "", data["text/html"]))
    assert text.startswith('nil, Vector2i(58, 17), "MINEWORLD", table (1 item)')


def test_a_fresh_kernel_completes_the_standard_library_and_our_globals():
    driver = start_kernel()  # no cell may run before the completion requests
    try:

        def matches(code: str) -> list[str]:
            return driver.request("complete", code, len(code))["matches"]

        assert {"format", "rep", "sub"} <= set(matches("string."))
        assert matches("math.fl") == ["floor"]
        assert "insert" in matches("table.")
        assert {"getClient", "getClients"} <= set(matches("getCl"))
        assert "WORLD_FULL" in matches("Errors.")
        assert "wait" in matches("task.w")
    finally:
        stop_kernel(driver)


@pytest.fixture(scope="module")
def walker():
    """A kernel whose bot-1 is in MINEWORLD."""
    driver = start_kernel()
    try:
        driver.ok("%create_bot\n%connect\n%warp MINEWORLD")
        yield driver
    finally:
        stop_kernel(driver)


def test_error_codes_come_with_their_meaning_in_magics_and_cells(walker):
    failed = walker.execute("%walk_to 0 0")
    assert failed.reply["ename"] == "MagicError"
    assert failed.reply["evalue"] == (
        "walk_to 0 0 (bot-1): OTHER: the action failed (for walk_to: the target is unreachable)"
    )
    returned = walker.ok("return getClient():setPoint(Vector2i.new(0, 0))").result
    assert returned["text/plain"] == '"OTHER"'
    assert "the target is unreachable" in html.unescape(re.sub(r"<[^>]+>", "", returned["text/html"]))
    plain = walker.ok('return "OTHERWISE", {Errors.OTHER}').result["text/html"]
    assert "unreachable" not in plain  # only a returned code itself is explained


def test_warp_to_an_unknown_world_is_an_error_unless_asked_to_create(walker):
    typo = walker.execute("%warp MINEWROLD")
    assert typo.reply["ename"] == "MagicError"
    assert typo.reply["evalue"].startswith("warp bot-1 to MINEWROLD: WORLD_NOT_FOUND: no world MINEWROLD")
    assert "%warp MINEWROLD --create" in typo.reply["evalue"]
    assert walker.ok("getClient():world().name").result["text/plain"] == '"MINEWORLD"'

    assert walker.ok("%warp PIXELSTATION").stdout.startswith("bot-1 is in PIXELSTATION")  # built in
    assert walker.ok("%warp MY-PLOT --create").stdout.startswith("bot-1 is in MY-PLOT")
    walker.ok("%warp MINEWORLD")
    assert walker.ok("%warp MY-PLOT").stdout.startswith("bot-1 is in MY-PLOT")  # visited before
    walker.ok("%warp MINEWORLD")


FIND_FAR_TILE = """
local here, best, bestLength = getClient():point(), nil, 0
for dx = -10, 10 do
  for dy = -10, 10 do
    local target = Vector2i.new(here.x + dx, here.y + dy)
    local length = #getClient():getPath(target)
    if length > bestLength then best, bestLength = target, length end
  end
end
return best.x, best.y
"""


def _progress(result) -> tuple[dict, list[dict]]:
    """The progress display of a cell (it must start empty) and its updates."""
    shown = [c for t, c in result.outputs if t == "display_data" and not c["data"]]
    assert len(shown) == 1, result.outputs
    display_id = shown[0]["transient"]["display_id"]
    updates = [c for t, c in result.outputs if t == "update_display_data"]
    assert updates and all(u["transient"]["display_id"] == display_id for u in updates)
    assert updates[-1]["data"] == {}  # emptied at the end: nothing timing-dependent is kept
    return shown[0], [u["data"]["text/plain"] for u in updates[:-1]]


def test_walk_to_shows_tiles_walked_and_remaining_while_walking(walker):
    x, y = walker.ok(FIND_FAR_TILE).result["text/plain"].split(", ")
    walked = walker.ok(f"%walk_to {x} {y}", timeout=60)
    assert walked.stdout == f"bot-1 is at ({x}, {y})\n"
    _, lines = _progress(walked)
    assert lines[0].startswith(f"bot-1 walking to ({x}, {y}): 0 of ")
    assert all(" tiles walked, " in line and " to go (" in line for line in lines)


def test_warp_shows_the_status_while_joining(walker):
    warped = walker.ok("%warp PIXELSTATION")
    _, lines = _progress(warped)
    assert lines[0].startswith("bot-1 warping to PIXELSTATION: ")
    walker.ok("%warp MINEWORLD")


def test_script_wait_streams_the_console_while_waiting(walker):
    walker.ok('%%script slow\nfor i = 1, 3 do print("step {}", i); sleep(500) end')
    waited = walker.ok("%script wait slow", timeout=60)
    assert "state: COMPLETE" in waited.stdout
    _, lines = _progress(waited)
    assert lines[0].startswith("waiting for bot-1/slow (")
    assert any(line.endswith("\nstep 1\nstep 2") for line in lines)


def test_a_snapshot_counts_one_item_in_the_singular(walker):
    (snapshot,) = walker.ok("%snapshot --static").displays
    assert "inventory: 1 item: WeaponPickaxeBasic x1" in snapshot["text/plain"]


def test_a_cell_awaiting_a_long_set_point_shows_the_walk(walker):
    x, y = walker.ok(FIND_FAR_TILE).result["text/plain"].split(", ")
    cell = f'print("off we go")\nreturn getClient():setPoint(Vector2i.new({x}, {y}))'
    walked = walker.ok(cell, timeout=60)
    assert walked.stdout == "off we go\n"
    _, lines = _progress(walked)
    assert lines[0].startswith("waiting on setPoint (")
    assert any(f": bot-1 walking to ({x}, {y}), " in line and " to go" in line for line in lines), lines


def test_a_quick_cell_gets_no_progress_line(walker):
    quick = walker.ok("return 1 + 1")
    assert not [c for t, c in quick.outputs if t in ("display_data", "update_display_data")]


def test_a_tutorial_cell_shows_that_it_waits_on_the_tutorial():
    driver = start_kernel()
    try:
        driver.ok("%create_bot\n%connect")
        done = driver.ok("return getClient():enterTutorial()", timeout=90)
        _, lines = _progress(done)
        assert lines[0].startswith("waiting on enterTutorial (")
        assert any(": bot-1 in the tutorial" in line for line in lines), lines
    finally:
        stop_kernel(driver)
