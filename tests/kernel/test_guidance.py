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
