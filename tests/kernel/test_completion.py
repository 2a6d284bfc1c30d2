"""Tab completion and Shift-Tab inspection through the kernel protocol."""

from __future__ import annotations


def complete(kernel, code, cursor=None):
    reply = kernel.request("complete", code, len(code) if cursor is None else cursor)
    assert reply["status"] == "ok"
    return reply


def test_globals_and_keywords(kernel):
    kernel.ok("my_counter = 1")
    reply = complete(kernel, "x = my_c")
    assert reply["matches"] == ["my_counter"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (4, 8)
    assert "getClient" in complete(kernel, "getC")["matches"]
    assert "while" in complete(kernel, "whi")["matches"]


def test_fields_after_a_dot(kernel):
    kernel.ok("player = {name = 'x', stats = {gems = 1, level = 2}}")
    assert complete(kernel, "player.")["matches"] == ["name", "stats"]
    assert complete(kernel, "player.stats.g")["matches"] == ["gems"]
    assert "wait" in complete(kernel, "task.w")["matches"]


def test_methods_after_a_colon_from_metatables_and_the_api(kernel):
    kernel.ok(
        "Counter = {}\nCounter.__index = Counter\nfunction Counter:bump() end\nc = setmetatable({}, Counter)"
    )
    assert complete(kernel, "c:b")["matches"] == ["bump"]
    warp = complete(kernel, "getClient():wa")
    assert warp["matches"] == ["warp", "warpRandom"]
    assert warp["cursor_start"] == len("getClient():")
    assert "tile" in complete(kernel, "getWorld():t")["matches"]


def test_magic_names_and_bot_ids(kernel):
    assert complete(kernel, "%war")["matches"] == ["%warp"]
    assert complete(kernel, "%%py")["matches"] == ["%%python"]
    kernel.ok("%create_bot alpha\n%create_bot beta")
    reply = complete(kernel, "%use al")
    assert reply["matches"] == ["alpha"]
    assert complete(kernel, "%warp MINEWORLD --bot b")["matches"] == ["beta"]


def test_inspection_shows_signature_and_doc(kernel):
    code = 'getClient():warp("MINEWORLD")'
    reply = kernel.request("inspect", code, code.index("warp") + 2)
    assert reply["found"]
    text = reply["data"]["text/plain"]
    assert text.startswith("client:warp(name)\n")
    assert "WORLD_FULL" in text
    inside = kernel.request("inspect", "task.wait(", len("task.wait("))
    assert inside["data"]["text/plain"].startswith("task.wait(seconds?)")
    assert not kernel.request("inspect", "zzz_unknown", 5)["found"]


def test_inspection_of_a_magic(kernel):
    reply = kernel.request("inspect", "%walk_to 3 4", 3)
    assert reply["data"]["text/plain"].startswith("%walk_to <x> <y> [--bot id]")


def test_is_complete_for_console_line_editing(kernel):
    assert kernel.request("is_complete", "for i = 1, 3 do") == {"status": "incomplete", "indent": "  "}
    assert kernel.request("is_complete", "x = 1")["status"] == "complete"
    assert kernel.request("is_complete", "x = = 1")["status"] == "invalid"


def test_the_luau_library_completes_from_the_first_cell(kernel):
    """Script VMs build Luau's library on first use; the kernel's VM has it from the start."""
    assert "find" in complete(kernel, "table.fi")["matches"]
    assert "typeof" in complete(kernel, "typeo")["matches"]
    assert "split" in complete(kernel, "string.spl")["matches"]
