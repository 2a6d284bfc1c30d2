"""Lua cells through a real kernel: values shown, output streamed, errors reported, state kept."""

from __future__ import annotations

import time


def test_kernel_info_describes_lua(kernel):
    info = kernel.request("kernel_info")
    assert info["implementation"] == "seraph"
    language = info["language_info"]
    assert language["name"] == "lua"
    assert language["mimetype"] == "text/x-lua"
    assert language["file_extension"] == ".lua"
    assert language["codemirror_mode"] == "lua"
    assert language["pygments_lexer"] == "lua"
    assert "%lsmagic" in info["banner"]


def test_last_expression_is_shown_and_globals_persist(kernel):
    assert kernel.ok("answer = 41").result is None
    result = kernel.ok("local bump = 1\nanswer + bump")
    assert result.result["text/plain"] == "42"
    assert result.reply["execution_count"] > 0
    assert kernel.ok("return answer * 2").result["text/plain"] == "82"


def test_trailing_semicolon_suppresses_the_value(kernel):
    assert kernel.ok("answer;").result is None
    assert kernel.ok("counter = 1;").result is None
    assert kernel.ok("counter").result["text/plain"] == "1"


def test_tables_display_as_readable_trees(kernel):
    result = kernel.ok('{1, 2, name = "bot", pos = {x = 3, y = 4}}')
    assert result.result["text/plain"] == '{1, 2, name = "bot", pos = {x = 3, y = 4}}'
    assert "<details" in result.result["text/html"]
    assert "pos" in result.result["text/html"]


def test_big_tables_are_folded_not_refused(kernel):
    text = kernel.ok("local t = {}\nfor i = 1, 300000 do t[i] = i end\nreturn t").result["text/plain"]
    assert text.startswith("{\n  1,\n  2,")
    assert text.endswith("  ... (299800 more)\n}")


def test_vectors_display_with_their_tostring(kernel):
    assert kernel.ok("Vector2i.new(3, 4)").result["text/plain"] == "Vector2i(3, 4)"


def test_print_streams_stdout_and_warn_stderr(kernel):
    result = kernel.ok('print("hello", 1)\nwarn("careful")\nprint("{} has {} gems", "bot", 5)')
    assert result.stdout == "hello\t1\nbot has 5 gems\n"
    assert result.stderr == "careful\n"


def test_display_shows_a_value_now(kernel):
    result = kernel.ok('display({a = 1})\nprint("after")')
    assert result.displays[0]["text/plain"] == "{a = 1}"
    shown = kernel.ok("display({f = print, v = Vector2i.new(1, 2)})\ndisplay(print)").displays
    assert [data["text/plain"] for data in shown] == ["{f = <function>, v = Vector2i(1, 2)}", "<function>"]
    kinds = [kind for kind, _ in result.outputs]
    assert kinds.index("display_data") < kinds.index("stream")


def test_a_lua_error_names_the_cell_line_and_keeps_state(kernel):
    kernel.ok("kept = 7")
    result = kernel.execute("local t = nil\nlocal y = t.field")
    assert not result.ok
    assert result.reply["ename"] == "LuaError"
    assert "attempt to index a nil value" in result.reply["evalue"]
    assert result.error["ename"] == "LuaError"
    traceback = "\n".join(result.error["traceback"])
    assert "line 2" in traceback
    assert "local y = t.field" in traceback
    assert kernel.ok("kept").result["text/plain"] == "7"


def test_a_syntax_error_is_reported_and_nothing_runs(kernel):
    result = kernel.execute("ran = true\nthis is not lua")
    assert result.reply["ename"] == "LuaSyntaxError"
    assert ":2:" in result.reply["evalue"]
    assert kernel.ok("ran == nil").result["text/plain"] == "true"


def test_explicit_lua_cell_magic(kernel):
    assert kernel.ok("%%lua\nreturn 6 * 7").result["text/plain"] == "42"


def test_line_magics_mix_with_lua_in_order(kernel):
    result = kernel.ok('print("before")\n%lsmagic\nprint("after")\n"done"')
    assert result.stdout.startswith("before\nLine magics:")
    assert result.stdout.endswith("after\n")
    assert result.result["text/plain"] == '"done"'


def test_history_records_lua_cells(kernel):
    kernel.ok("history_marker = 1")
    reply = kernel.request("history", hist_access_type="tail", n=5, output=False, raw=True)
    assert any("history_marker = 1" in entry[2] for entry in reply["history"])


def test_the_fleet_starts_on_first_use_not_with_the_kernel(kernel):
    kernel.ok("x = 1 + 1")
    assert kernel.ok("%%python\nfleet.started").result["text/plain"] == "False"
    assert kernel.ok("#getClients()").result["text/plain"] == "0"
    assert kernel.ok("%%python\nfleet.started").result["text/plain"] == "True"


def test_print_output_arrives_while_the_cell_still_runs(kernel):
    msg_id = kernel.client.execute('print("first")\nsleep(600)\nprint("second")')
    first_seen = None
    while True:
        message = kernel.client.get_iopub_msg(timeout=10)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream" and "first" in message["content"]["text"]:
            first_seen = time.monotonic()
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    assert first_seen is not None
    assert time.monotonic() - first_seen >= 0.4
    assert kernel.shell_reply(msg_id)["status"] == "ok"
