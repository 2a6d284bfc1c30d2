"""Luau cells through a real kernel: they run, show their values as Luau prints numbers,
report syntax errors at the cell's line, and are understood by is_complete, completion
and ``%%script``."""

from __future__ import annotations

LUAU_CELL = """
type Gem = { color: string, value: number }
local gems: {Gem} = { { color = "red", value = 3 }, { color = "blue", value = 4 } }
local total = 0
for _, gem in gems do
  total += gem.value
end
print(`{#gems} gems worth {total / 2} each pair`)
total / 2
"""


def test_a_luau_cell_runs_and_shows_numbers_as_luau(kernel):
    result = kernel.ok(LUAU_CELL)
    assert result.stdout == "2 gems worth 3.5 each pair\n"
    assert result.result["text/plain"] == "3.5"
    assert kernel.ok("local n: number = 10\nn /= 2\nn").result["text/plain"] == "5"
    assert kernel.ok("{ratio = if true then 8 / 4 else 0}").result["text/plain"] == "{ratio = 2}"


def test_a_lua_cell_after_a_luau_cell_prints_as_lua(kernel):
    kernel.ok("local a: number = 1\nprint(a / 1)")
    # a second Luau cell tells the VM nothing new; the Lua cell after it still switches back
    assert kernel.ok("local b: number = 4\nb / 2").result["text/plain"] == "2"
    result = kernel.ok("print(10 / 2)\n10 / 2")
    assert result.stdout == "5.0\n"
    assert result.result["text/plain"] == "5.0"


def test_luau_globals_persist_across_cells(kernel):
    kernel.ok("function double(x: number): number\n  return x * 2\nend\ncounter = 0")
    kernel.ok("counter += double(21)")
    assert kernel.ok("counter").result["text/plain"] == "42"


def test_a_luau_syntax_error_names_the_cell_line(kernel):
    result = kernel.execute("local x: number = 1\nx += 1\nlocal s = `{}`")
    assert result.reply["ename"] == "LuaSyntaxError"
    assert result.reply["evalue"].startswith("executor:3: malformed interpolated string")
    assert "__luau" not in result.reply["evalue"]


def test_a_luau_runtime_error_names_the_cell_line(kernel):
    result = kernel.execute("local t: {number} = {}\nlocal n = 0\nn += t.missing.value")
    assert result.reply["ename"] == "LuaError"
    assert result.reply["evalue"].startswith("executor:3: attempt to index a nil value")
    assert "line 3" in "\n".join(result.error["traceback"])


def test_is_complete_reads_luau(kernel):
    def status(code: str) -> str:
        return kernel.request("is_complete", code)["status"]

    assert status("for _, v in items do\n  if v then continue") == "incomplete"
    assert status("local x = if ready then") == "incomplete"
    assert status("local x: number = 1\nx += 1") == "complete"
    assert status("local s = `{}`") == "invalid"


def test_completion_offers_luau_names_not_translation_helpers(kernel):
    kernel.ok("local warm_up: number = 1")
    assert "typeof" in kernel.request("complete", "typ", 3)["matches"]
    assert kernel.request("complete", "cont", 4)["matches"] == ["continue"]
    assert kernel.request("complete", "__lu", 4)["matches"] == []
    assert "split" in kernel.request("complete", "string.sp", 9)["matches"]


def test_a_luau_cell_script_runs_detached(kernel):
    kernel.ok("%create_bot luau-bot")
    started = kernel.ok(
        "%%script tally --bot luau-bot\nlocal n = 0\nfor i = 1, 4 do n += i / 2 end\nprint(`n={n}`)"
    )
    assert started.stdout == "started luau-bot/tally\n"
    status = kernel.ok("%script wait tally --bot luau-bot --timeout 20").stdout
    assert "state: COMPLETE" in status, status
    assert kernel.ok("%script console tally --bot luau-bot").stdout == "n=5\n"
