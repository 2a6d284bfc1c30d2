"""Finding your way: %lsmagic, %help, name? pages, and the magic registry's plugins."""

from __future__ import annotations

from seraph_kernel.kernel.magics.registry import MagicRegistry

EXPECTED = {"bots", "use", "create_bot", "connect", "disconnect", "warp", "leave", "walk_to"}
EXPECTED |= {"snapshot", "minimap", "script", "seraph", "lsmagic", "help"}


def test_every_magic_family_loads_from_entry_points():
    registry = MagicRegistry.from_entry_points()
    assert set(registry.line_magics()) >= EXPECTED
    assert {"lua", "python", "script"} <= set(registry.cell_magics())
    assert set(registry.families) >= {"core", "bots", "world", "views", "script", "seraph", "python"}


def test_lsmagic_lists_line_and_cell_magics(kernel):
    text = kernel.ok("%lsmagic").stdout
    line, cell = text.split("Cell magics:")
    for name in EXPECTED:
        assert f"%{name}" in line
    assert "%%python" in cell and "%%script" in cell and "%%lua" in cell


def test_help_explains_one_magic_or_all(kernel):
    assert kernel.ok("%help warp").stdout.startswith("%warp <world> [--create] [--bot id]\n\nJoin a world")
    assert kernel.ok("%help %use").stdout.startswith("%use <bot_id>\n")
    overview = kernel.ok("%help").stdout
    assert "%walk_to <x> <y> [--bot id]" in overview
    assert "getClient?" in overview
    result = kernel.execute("%help nothing")
    assert result.reply["ename"] == "UsageError"


def test_question_mark_pages_the_api_doc(kernel):
    reply = kernel.ok("client:warp?").reply
    (page,) = reply["payload"]
    assert page["source"] == "page"
    assert page["data"]["text/plain"].startswith("client:warp(name)\n")
    assert "IN_WORLD" in page["data"]["text/plain"]


def test_a_cell_magic_on_a_line_is_a_usage_error(kernel):
    result = kernel.execute("x = 1\n%python")
    assert result.reply["ename"] == "UsageError"
    assert "%%python" in result.reply["evalue"]
