"""The fleet magics through a real kernel that owns a LocalFleet with an embedded sim world."""

from __future__ import annotations

import time

import pytest

from seraph_kernel.commands.ids import BOT_ID_RULE

FIND_NEAR_TILE = """
local here = getClient():point()
for dx = -4, 4 do
  for dy = -4, 4 do
    local target = Vector2i.new(here.x + dx, here.y + dy)
    if #getClient():getPath(target) == 2 then return target.x, target.y end
  end
end
"""


@pytest.fixture(scope="module")
def in_world(kernel):
    """bot-1 created, used, connected and in MINEWORLD."""
    created = kernel.ok("%create_bot")
    assert created.stdout.startswith("created bot-1 (")
    assert "getClient() is this bot" in created.stdout
    assert kernel.ok("%connect").stdout == "bot-1: menu_ready\n"
    warped = kernel.ok("%warp MINEWORLD")
    assert warped.stdout.startswith("bot-1 is in MINEWORLD at (")
    return "bot-1"


def test_seraph_shows_the_local_fleet_without_volatile_details(kernel):
    text = kernel.ok("%seraph").stdout
    assert text.startswith(
        "fleet: local (embedded sim world)\n"
        "workspace: this kernel's own fleet (no server: nothing is shared)\nseed: 42\n"
    )
    assert "limits: " in text
    assert "127.0.0.1" not in text
    assert "127.0.0.1" in kernel.ok("%seraph -v").stdout


def test_lua_sees_the_bot_chosen_with_use(kernel, in_world):
    assert kernel.ok("getClient().id").result["text/plain"] == '"bot-1"'
    assert kernel.ok("getClient():status()").result["text/plain"] == '"IN_WORLD"'
    kernel.ok("%create_bot spare")
    assert kernel.ok("%use spare").stdout == "getClient() is spare (disconnected)\n"
    assert kernel.ok("getClient().id").result["text/plain"] == '"spare"'
    kernel.ok("%use bot-1")


def test_bots_shows_a_table_with_a_deterministic_text(kernel, in_world):
    (data,) = kernel.ok("%bots --static").displays
    lines = data["text/plain"].splitlines()
    assert lines[0].split() == ["id", "status", "world", "position"]
    assert lines[1].split()[:3] == ["bot-1", "in_world", "MINEWORLD"]
    assert "application/vnd.jupyter.widget-view+json" in data


def test_snapshot_widget_lists_the_watched_fields(kernel, in_world):
    (data,) = kernel.ok("%snapshot").displays
    text = data["text/plain"]
    for field in (
        "status: in_world",
        "world: MINEWORLD",
        "position: (",
        "gems: ",
        "level: ",
        "inventory: ",
        "last_error: none",
    ):
        assert field in text
    assert "application/vnd.jupyter.widget-view+json" in data


def test_minimap_widget_is_a_png_of_the_world(kernel, in_world):
    result = kernel.ok("%minimap")
    (data,) = result.displays
    assert data["text/plain"].startswith("Minimap of MINEWORLD (100x60): bot-1 at (")
    opened = [
        c
        for kind, c in result.outputs
        if kind == "comm_open" and c["data"]["state"].get("_model_name") == "AnyModel"
    ]
    state = opened[0]["data"]["state"]
    assert state["_model_module"] == "anywidget" and "render" in state["_esm"]
    assert ["value"] in opened[0]["data"]["buffer_paths"] and state["scale"] == 6
    assert {"group": "bots", "label": "bot-1", "colour": "#ffffff"} in state["legend"]


def test_a_click_on_the_minimap_walks_the_bot(kernel, in_world):
    """The front end's click message, over the widget's real comm, walks the bot."""
    shown = kernel.ok("%minimap")
    model_id = shown.displays[0]["application/vnd.jupyter.widget-view+json"]["model_id"]
    x, y = kernel.ok(FIND_NEAR_TILE).result["text/plain"].split(", ")
    click = {"method": "custom", "content": {"type": "click", "x": int(x), "y": int(y)}}
    message = kernel.client.session.msg("comm_msg", {"comm_id": model_id, "data": click})
    kernel.client.shell_channel.send(message)
    deadline = time.monotonic() + 20
    while kernel.ok("getClient():point()").result["text/plain"] != f"Vector2i({x}, {y})":
        assert time.monotonic() < deadline, "the click did not walk the bot"
        time.sleep(0.2)


def test_walk_to_moves_the_bot_and_reports_where(kernel, in_world):
    x, y = kernel.ok(FIND_NEAR_TILE).result["text/plain"].split(", ")
    assert kernel.ok(f"%walk_to {x} {y}").stdout == f"bot-1 is at ({x}, {y})\n"
    assert kernel.ok("getClient():point()").result["text/plain"] == f"Vector2i({x}, {y})"


def test_failed_actions_answer_with_the_game_error(kernel, in_world):
    result = kernel.execute("%warp NOTFOUNDX")
    assert result.reply["ename"] == "MagicError"
    assert result.reply["evalue"] == "warp bot-1 to NOTFOUNDX: WORLD_NOT_FOUND: no such world"
    assert kernel.ok("getClient():status()").result["text/plain"] == '"IN_WORLD"'


def test_cell_script_runs_detached_with_status_console_and_stop(kernel, in_world):
    started = kernel.ok('%%script farm\nprint("farming")\nwhile true do sleep(50) end')
    assert started.stdout == "started bot-1/farm\n"
    status = kernel.ok("%script status farm").stdout
    assert status == "bot-1/farm\n  state: PROCESSING\n  running: yes\n  last_error: none\n"
    assert kernel.ok("%script console farm").stdout == "farming\n"
    assert kernel.ok("%script stop farm").stdout == "stopped bot-1/farm\n"
    assert "state: CANCELLED" in kernel.ok("%script status farm").stdout


def test_script_start_runs_a_file(kernel, in_world, tmp_path):
    script = tmp_path / "hello.lua"
    script.write_text('print("hello from a file")\n')
    assert kernel.ok(f"%script start hello {script}").stdout == "started bot-1/hello\n"
    missing = kernel.execute(f"%script start nope {tmp_path / 'missing.lua'}")
    assert missing.reply["ename"] == "UsageError"
    assert "cannot read" in missing.reply["evalue"]


def test_leave_and_disconnect(kernel, in_world):
    kernel.ok("%create_bot walker")
    kernel.ok("%connect walker")
    kernel.ok("%warp MINEWORLD --bot walker")
    assert kernel.ok("%leave --bot walker").stdout == "walker: menu_ready\n"
    assert kernel.ok("%disconnect walker").stdout == "walker: disconnected\n"


@pytest.mark.parametrize(
    ("cell", "ename", "evalue"),
    [
        ("%use nobody", "UnknownBot", "unknown bot: nobody"),
        ("%create_bot bot-1", "BotExists", "bot already exists: bot-1"),
        (
            "%create_bot ..",
            "InvalidArgument",
            f"id: '..' is a path step, not a name (allowed: {BOT_ID_RULE})",
        ),
        ("%create_bot a%2F", "InvalidArgument", f"id: contains '%' (allowed: {BOT_ID_RULE})"),
        (
            "%walk_to 1",
            "UsageError",
            "%walk_to: the following arguments are required: y\nusage: %walk_to <x> <y> [--bot id]",
        ),
        ("%script launch x", "UsageError", None),
        ("%nope", "UsageError", "unknown magic: %nope (see %lsmagic)"),
    ],
)
def test_bad_magic_input_is_an_error_and_changes_nothing(kernel, in_world, cell, ename, evalue):
    result = kernel.execute(cell)
    assert result.reply["ename"] == ename
    if evalue is not None:
        assert result.reply["evalue"] == evalue
    assert result.error["ename"] == ename
    assert kernel.ok("getClient().id").result["text/plain"] == '"bot-1"'


def test_live_minimap_redraws_a_walk_without_flooding(kernel, in_world):
    shown = kernel.ok("%minimap --live")
    model_id = shown.displays[0]["application/vnd.jupyter.widget-view+json"]["model_id"]

    def frames(result):
        return [
            content
            for kind, content in result.outputs + result.background
            if kind == "comm_msg"
            and content["comm_id"] == model_id
            and ["value"] in content["data"]["buffer_paths"]
        ]

    x, y = kernel.ok(FIND_NEAR_TILE).result["text/plain"].split(", ")
    started = time.monotonic()
    walked = kernel.ok(f"%walk_to {x} {y}\nsleep(300)")
    elapsed = time.monotonic() - started
    assert 1 <= len(frames(walked)) <= elapsed * 10 + 1
    kernel.ok("%%python\nimport ipywidgets\nipywidgets.Widget.close_all()")
    assert not frames(kernel.ok("sleep(1200)"))


def test_minimap_of_several_bots(kernel, in_world):
    kernel.ok("%create_bot map-2")
    try:
        (data,) = kernel.ok("%minimap bot-1 map-2").displays
        assert data["text/plain"].startswith("Minimap of MINEWORLD (100x60): bot-1 at (")
        assert data["text/plain"].endswith(", map-2 not in a world")
        assert kernel.execute("%minimap bot-1 nobody").error is not None
    finally:
        kernel.ok("%%python\nawait fleet.delete_bot('map-2')")


def test_seraph_corrections_in_cells_of_a_local_kernel(kernel, in_world):
    """The notebook door on the kernel's own LocalFleet: a held World across hits after
    ``if not findPath`` and a poll, ItemInfo bits, backpack cells, getLogs()."""
    kernel.ok("%use bot-1")
    kernel.ok(
        """
c = getClient()
w = c:world()
hits = 0
for _, stone in ipairs(w:findTiles(3)) do
  local stand = stone + Vector2i.new(-1, 0)
  if hits > 0 then break end
  if w:tile(stand).foreground == 0 and #c:getPath(stand) > 0 then
    if not c:findPath(stand) then error("no start tile") end
    while c:pathfinding() do sleep(10) end
    while w:tile(stone).foreground == 3 do assert(c:hit(stone) == nil); hits = hits + 1 end
  end
end
"""
    )
    cell = """
local inv, info = c:inventory(), getInfo(3)
getLogs():add("checked")
string.format("%d %s %s %s %d %s", hits, w.id, tostring(bit32.btest(info.flags, 0x2)), info.collisionName,
  inv.slots, tostring(inv.capacity > inv.slots))
"""
    run = kernel.ok(cell)
    assert run.stdout == "checked\n"
    assert run.result["text/plain"] == '"4 MINEWORLD true solid 1 true"'
