"""The ``regex`` library in a real VM: each call's results (captures, named groups, flags, byte
positions), bad input naming the call, and untrusted patterns ending in bounded time."""

from __future__ import annotations

import asyncio
import time

import pytest
from attack_sources import FILL

from seraph_kernel.engine.vm import CORE_MODULES
from seraph_kernel.lua_api.regex import MAX_EXPANSION, MAX_PATTERN_CHARS, TIMEOUT_S

from .conftest import finish, new_vm

MODULES = (*CORE_MODULES, "regex")
CATASTROPHIC = "local s = string.rep('a', 5000) .. '!'\n"


@pytest.fixture
def run_regex(engine):
    """``await run_regex(source)``: the results of a run that must complete; with
    ``fails=True``, the error of a run that must fail."""

    async def run(source: str, fails: bool = False) -> list | str:
        vm = new_vm(engine, MODULES)
        record = await finish(engine.run(vm, vm.compile(source)))
        assert record.state == ("FAILED" if fails else "COMPLETE"), (record.results, record.last_error)
        return record.last_error if fails else record.results

    return run


async def test_find_gives_byte_positions_and_captures(run_regex):
    assert await run_regex('return regex.find("hello world", "o (w)(x)?")') == [5, 7, "w", None]
    assert await run_regex('return regex.find("héllo wörld", "w(ö)r")') == [8, 11, "ö"]
    assert await run_regex('return regex.find("abcabc", "b", 3)') == [5, 5]
    assert await run_regex('return regex.find("abcabc", "b", -2)') == [5, 5]
    assert await run_regex('return regex.find("abc", "x"), regex.find("abc", "a", 10)') == [None, None]
    assert await run_regex('return regex.find("abc", "")') == [1, 0]


async def test_match_returns_numbered_and_named_groups(run_regex):
    source = r"""
local m = regex.match("date: 2024-05-06", "(?<year>\\d{4})-(?<month>\\d\\d)-(\\d\\d)(z)?")
return m[0], m[1], m.year, m.month, m[3], m[4], regex.match("abc", "x")
"""
    assert await run_regex(source) == ["2024-05-06", "2024", "2024", "05", "06", None, None]


async def test_flags_and_inline_flags(run_regex):
    source = r"""
return regex.match("ABC", "b", nil, "i")[0], regex.match("a\nb", "^b$", nil, "m")[0],
  regex.match("a\nb", "a.b", nil, "s")[0], regex.match("ab", "a b # spaced", nil, "x")[0],
  regex.match("ABC", "(?i)c")[0], regex.match("a\nb", "a.b")
"""
    assert await run_regex(source) == ["B", "b", "a\nb", "ab", "C", None]


async def test_gmatch_iterates_every_match_across_batches(run_regex):
    source = r"""
local out = {}
for m in regex.gmatch("a1 b22 c333", "(?<letter>[a-z])(\\d+)") do out[#out + 1] = m.letter .. "=" .. m[2] end
local n, last = 0, nil
for m in regex.gmatch(string.rep("ab", 20000), "b") do n = n + 1 end
local empties = {}
for m in regex.gmatch("abxd", "x*") do empties[#empties + 1] = m[0] end
return table.concat(out, ","), n, #empties, table.concat(empties, "|")
"""
    assert await run_regex(source) == ["a=1,b=22,c=333", 20000, 5, "||x||"]


async def test_gsub_with_templates_functions_tables_and_a_limit(run_regex):
    source = r"""
local a, na = regex.gsub("a1 b22 c333", "(\\d+)", "<$1>")
local b = regex.gsub("John Smith", "(?<first>\\w+) (?<last>\\w+)", "${last}, ${first} $$5")
local c, nc = regex.gsub("a b c", "\\w", function(m) return m[0]:upper() end, 2)
local d = regex.gsub("cat dog", "\\w+", {cat = "lion"})
local e = regex.gsub("x y", "\\w", function() return nil end)
local f, nf = regex.gsub("abxd", "x*", "-")
local g = regex.gsub("héllo", "é", "e")
return a, na, b, c, nc, d, e, f, nf, g
"""
    assert await run_regex(source) == [
        "a<1> b<22> c<333>",
        3,
        "Smith, John $5",
        "A B c",
        2,
        "lion dog",
        "x y",
        "-a-b--d-",
        5,
        "hello",
    ]


async def test_split_keeps_empty_pieces(run_regex):
    source = r"""
local a = regex.split("a, b,c ,d", "\\s*,\\s*")
local b = regex.split(",x,,", ",")
local c = regex.split("", ",")
return table.concat(a, "|"), #b, table.concat(b, "|"), #c, #regex.split(string.rep("x,", 10000), ",")
"""
    assert await run_regex(source) == ["a|b|c|d", 4, "|x||", 1, 10001]


async def test_subjects_with_invalid_utf8_keep_their_bytes(run_regex):
    source = r"""
local s = "a\255b"
return regex.gsub(s, "a", "A") == "A\255b", regex.find(s, "b")
"""
    assert await run_regex(source) == [True, 3, 3]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("regex.find('x', 42)", "regex.find: expected string pattern, got number"),
        ("regex.match({}, 'x')", "regex.match: expected string subject, got table"),
        ("regex.find('x', 'x', nil, 'q')", "regex.find: unknown flag 'q' (expected some of imsx)"),
        ("regex.find('x', 'x', 'one')", "regex.find: expected integer init, got string"),
        ("regex.gmatch('x', '(')", "regex.gmatch: invalid pattern: missing ) at position 1"),
        ("regex.gsub('x', 'x', '$2')", "regex.gsub: no group 2 in the pattern"),
        ("regex.gsub('x', 'x', '${nope}')", "regex.gsub: no group named 'nope'"),
        ("regex.gsub('x', 'x', '$x')", "regex.gsub: invalid replacement at '$x' (use $1, ${name} or $$)"),
        ("regex.gsub('x', 'x', true)", "regex.gsub: expected string, table or function replacement"),
        ("regex.gsub('x', 'x', function() return {} end)", "regex.gsub: invalid replacement value (a table)"),
        ("regex.split('x', 'a{e<=1}')", "regex.split: a literal { must be escaped as \\{"),
        (
            "regex.find('x', 'a{4294967294}')",
            f"regex.find: pattern repeats too much (counted repetitions over {MAX_EXPANSION})",
        ),
        ("regex.find('x', '(?:(?:(?:a{1000}){1000}){1000})')", "regex.find: pattern repeats too much"),
        (
            f"regex.find('x', string.rep('a', {MAX_PATTERN_CHARS + 1}))",
            f"regex.find: pattern longer than {MAX_PATTERN_CHARS} characters",
        ),
    ],
)
async def test_bad_input_is_an_error_at_the_callers_line(run_regex, call, message):
    error = await run_regex(f"local x = 1\n{call}", fails=True)
    assert error.startswith("executor:2: " + message), error


async def test_an_error_in_a_gsub_callback_keeps_its_own_line(run_regex):
    error = await run_regex("regex.gsub('x', 'x', function()\n  error('boom')\nend)", fails=True)
    assert error == "executor:2: boom"


async def test_a_catastrophic_pattern_ends_with_a_catchable_error_in_bounded_time(run_regex):
    started = time.monotonic()
    results = await run_regex(CATASTROPHIC + "return pcall(regex.find, s, '(a|aa)+$')")
    assert results[0] is False
    assert (
        results[1] == f"regex.find: pattern took more than {TIMEOUT_S} s of CPU (catastrophic backtracking?)"
    )
    assert time.monotonic() - started < 10


async def test_a_loop_of_catastrophic_calls_is_stoppable_and_leaves_other_scripts_running(engine, start_lua):
    source = CATASTROPHIC + "while true do pcall(regex.gsub, s, '(a|aa)+$', '') end"
    attack, _ = start_lua(source, vm=new_vm(engine, MODULES))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    ordinary, _ = start_lua("return 1")
    record = await finish(ordinary)
    assert record.state == "COMPLETE" and record.results == [1]
    assert time.monotonic() - started < 5
    assert attack.running
    stopping = time.monotonic()
    record = await asyncio.wait_for(attack.stop(), 10)
    assert record.state == "CANCELLED"
    assert time.monotonic() - stopping < 5


async def test_regex_in_a_full_vm_is_a_lua_error(engine):
    source = f"""
local s = string.rep("ab", 20000)
local attack = function() return regex.gsub(s, "(a)(b)", "$2$1") end
{FILL}
local ok, err = pcall(attack)
hog = nil
return ok, err, (regex.gsub("ab", "(a)(b)", "$2$1"))
"""
    vm = new_vm(engine, MODULES)
    record = await finish(engine.run(vm, vm.compile(source)))
    assert record.state == "COMPLETE", record.last_error
    ok, err, after = record.results
    assert ok is False and "not enough memory" in err and after == "ba"
