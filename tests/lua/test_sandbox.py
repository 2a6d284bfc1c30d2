"""Sandbox escapes: every attempt must fail cleanly, and the process and other scripts must be
fine afterwards (each test ends by running a sane script in another VM)."""

from __future__ import annotations

import pytest

from seraph_kernel.engine.engine import LuaEngine
from seraph_kernel.errors import LuaCompileError

from .conftest import finish, make_limits, new_vm


@pytest.fixture
async def engine():
    eng = LuaEngine(make_limits(budget_ms=300, memory_bytes=8 << 20))
    await eng.start()
    try:
        yield eng
    finally:
        await eng.close()


@pytest.fixture
def attempt(engine):
    """Run an attempt in a fresh VM, then check another VM still works; return the record."""

    async def run(source: str):
        vm = new_vm(engine)
        record = await finish(engine.run(vm, vm.compile(source)))
        other = new_vm(engine)
        sane = await finish(
            engine.run(other, other.compile("sleep(1) return string.rep('ab', 2), print ~= nil"))
        )
        assert sane.results == ["abab", True]
        return record

    return run


def failed_with(record, text: str) -> bool:
    return record.state == "FAILED" and text in record.error["message"]


async def test_no_python_global(attempt):
    record = await attempt("return python, _G.python, rawget(_G, 'python'), _ENV.python")
    assert record.results == [None, None, None, None]
    assert failed_with(
        await attempt("return python.eval('1')"), "attempt to index a nil value (global 'python')"
    )


@pytest.mark.parametrize(
    "name",
    ["require", "package", "debug", "io", "dofile", "loadfile", "module"],
)
async def test_dangerous_globals_are_absent(attempt, name):
    assert (await attempt(f"return {name} == nil")).results == [True]


async def test_luaus_collectgarbage_only_counts(attempt):
    record = await attempt(
        "return type(collectgarbage('count')), collectgarbage(), collectgarbage('collect')"
    )
    assert record.results == ["number", 0, 0]
    for option in ("stop", "step", "incremental", "generational", "setpause"):
        record = await attempt(f"collectgarbage('{option}')")
        assert failed_with(
            record, f"collectgarbage must be called with 'count' or 'collect' (got '{option}')"
        )


async def test_luaus_loadstring_is_text_only_in_the_sandbox_env(attempt):
    record = await attempt(r"return loadstring('\27Lua\84\0\25\147\13\10\26\10')")
    assert record.results == [None, "attempt to load a binary chunk (mode is 't')"]
    record = await attempt(
        "return loadstring('return _ENV, debug, python')() == _G, loadstring('return debug')()"
    )
    assert record.results == [True, None]


async def test_getfenv_and_setfenv_never_reach_trusted_code(attempt):
    record = await attempt(
        "return getfenv(print) == _G, getfenv(table.find) == _G, getfenv(0) == _G, getfenv(1) == _G,"
        " rawget(getfenv(string.split), 'debug'), setfenv(1, _G) == 1"
    )
    assert record.results == [True, True, True, True, None, True]
    assert failed_with(await attempt("setfenv(print, {})"), "setfenv is not supported here")
    assert failed_with(await attempt("setfenv(1, {debug = 1})"), "setfenv is not supported here")


async def test_luau_helpers_hand_back_no_trusted_values(attempt):
    record = await attempt(
        """
        local seen = {}
        for _, f in {__luau_iter, __luau_tostring, typeof, newproxy, table.freeze, buffer.create} do
          local ok, a, b, c = pcall(f, nil)
          for _, v in {a, b, c} do
            if type(v) == "function" or type(v) == "userdata" or type(v) == "thread" then
              seen[#seen + 1] = tostring(v)
            end
          end
        end
        local proxy = newproxy(true)
        local frozen = table.freeze({1})
        return #seen, getmetatable(proxy) ~= nil, getmetatable(frozen), type(buffer.create(4)),
          pcall(setmetatable, frozen, {})
        """
    )
    assert record.results[:4] == [0, True, False, "table"]
    assert record.results[4] is False


async def test_luau_iteration_runs_metamethods_under_the_hook(attempt):
    record = await attempt(
        "local t = setmetatable({}, {__iter = function() while true do end end}) for _ in t do end"
    )
    assert failed_with(record, "without yielding")


async def test_os_has_only_time_clock_date(attempt):
    record = await attempt(
        "local keys = {} for k in pairs(os) do keys[#keys + 1] = k end table.sort(keys) return keys"
    )
    assert record.results == [["clock", "date", "time"]]
    assert failed_with(await attempt("os.execute('true')"), "attempt to call a nil value (field 'execute')")


async def test_string_dump_is_gone_also_through_the_string_metatable(attempt):
    record = await attempt("return string.dump, ('x').dump, ('x'):len()")
    assert record.results == [None, None, 1]


async def test_load_refuses_binary_chunks(attempt):
    record = await attempt(r"return load('\27Lua\84\0\25\147\13\10\26\10')")
    assert record.results == [None, "attempt to load a binary chunk (mode is 't')"]
    record = await attempt(r"return load('\27Lua', 'x', 'b')")
    assert record.results[0] is None


async def test_load_with_a_reader_function_still_refuses_binary(attempt):
    record = await attempt(
        r"local done = false "
        r"return load(function() if done then return nil end done = true return '\27Lua' end)"
    )
    assert record.results[0] is None and "binary chunk" in record.results[1]


async def test_load_forces_the_sandbox_env(attempt):
    record = await attempt(
        "local f = load('return _ENV, debug', 'x', 't', {debug = 'mine'}) local e, d = f() return e == _G, d"
    )
    assert record.results == [True, None]


def test_compiling_a_binary_chunk_fails(engine):
    with pytest.raises(LuaCompileError):
        new_vm(engine).compile("\x1bLuaT\x00")


async def test_string_metatable_is_locked(attempt):
    assert (await attempt("return getmetatable('')")).results == ["locked"]
    assert failed_with(await attempt("getmetatable('').__index = {}"), "attempt to index a string value")
    assert failed_with(await attempt("setmetatable('', {})"), "bad argument #1 to 'setmetatable'")


async def test_editing_the_string_library_does_not_reach_methods_or_other_vms(attempt, engine):
    record = await attempt(
        "string.upper = function() return 'pwned' end string.rep = nil return ('a'):upper()"
    )
    assert record.results == ["A"]


async def test_globals_of_one_vm_do_not_leak_into_another(engine):
    first = new_vm(engine)
    await finish(engine.run(first, first.compile("print = nil table.insert = nil shared = 'secret'")))
    second = new_vm(engine)
    record = await finish(
        engine.run(second, second.compile("local t = {} table.insert(t, 1) print('ok') return shared"))
    )
    assert record.results == [None]


async def test_gc_metamethods_are_refused(attempt):
    record = await attempt("setmetatable({}, {__gc = function() while true do end end})")
    assert failed_with(record, "__gc metamethods are not allowed")
    record = await attempt("local mt = {__gc = true} setmetatable({}, mt)")
    assert failed_with(record, "__gc metamethods are not allowed")


async def test_no_python_object_is_reachable_from_the_environment(attempt):
    record = await attempt(
        """
        local seen, found = {}, {}
        local function walk(v, path, depth)
          local t = type(v)
          if t == "userdata" then found[#found + 1] = path end
          if t == "table" and not seen[v] and depth < 8 then
            seen[v] = true
            for k, x in pairs(v) do walk(x, path .. "." .. tostring(k), depth + 1) end
            local mt = getmetatable(v)
            if type(mt) == "table" then walk(mt, path .. ".<mt>", depth + 1) end
          end
        end
        walk(_G, "_G", 0)
        walk(getConsole(), "console", 0)
        walk(Vector2i(1, 2), "vector", 0)
        return found
        """
    )
    assert record.state == "COMPLETE" and record.results == [[]]


async def test_binding_errors_are_strings_not_python_exceptions(attempt):
    record = await attempt("local ok, e = pcall(json.decode, '{') return ok, type(e)")
    assert record.results == [False, "string"]


async def test_vector_and_null_metatables_are_locked(attempt):
    record = await attempt(
        "return getmetatable(Vector2i(1, 2)), getmetatable(json.null), getmetatable(Vector2)"
    )
    assert record.results == ["Vector2i", "json.null", "Vector2i" if False else "Vector2"]
    assert failed_with(await attempt("json.null.x = 1"), "json.null is read-only")


async def test_env_games_do_not_reach_hidden_values(attempt):
    record = await attempt("local _ENV = setmetatable({}, {__index = _G}) return python, debug, _G == _G._G")
    assert record.results == [None, None, True]


async def test_forged_scheduler_yields_are_plain_ticks(attempt):
    record = await attempt(
        "for i = 1, 3 do coroutine.yield(1, 2, 'x') coroutine.yield({}, 1) coroutine.yield() end "
        "return 'still here'"
    )
    assert record.results == ["still here"]


async def test_user_coroutines_never_see_scheduler_requests(attempt):
    record = await attempt(
        """
        local co = coroutine.create(function() sleep(5) coroutine.yield('mine') sleep(5) return 'done' end)
        local a = {coroutine.resume(co)}
        local b = {coroutine.resume(co)}
        local w = coroutine.wrap(function() task.wait(0.005) return 'wrapped' end)
        return a, b, w()
        """
    )
    assert record.results == [[True, "mine"], [True, "done"], "wrapped"]


async def test_tasks_cannot_be_resumed_or_closed_by_user_code(attempt):
    record = await attempt(
        """
        local main = coroutine.running()
        local got
        task.spawn(function() got = {coroutine.resume(main, 'forged')} end)
        local waited = task.wait(0.02)
        return got, waited > 0.01, pcall(coroutine.close, main)
        """
    )
    assert record.results[0] == [False, "cannot resume a task coroutine (use task.spawn)"]
    assert record.results[1:3] == [True, False]


async def test_string_memory_bomb(attempt):
    record = await attempt("local s = string.rep('x', 1 << 20) while true do s = s .. s end")
    assert failed_with(record, "not enough memory")
    assert failed_with(await attempt("return string.rep('x', 1 << 40)"), "")


async def test_table_and_closure_memory_bombs(attempt):
    assert failed_with(await attempt("local t = {} for i = 1, 1e9 do t[i] = i end"), "not enough memory")
    record = await attempt("local fs = {} for i = 1, 1e9 do fs[i] = function() return i end end")
    assert failed_with(record, "not enough memory")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("return table.create(1e9, 0)", "table.create: size 1000000000 is larger than the limit"),
        ("local t = table.create(5e6, 'x') return #t", "not enough memory"),
        ("local s = string.rep('a,', 3e6) return #s:split(',')", "not enough memory"),
        ("return #string.split(string.rep('a', 6e6), '')", "not enough memory"),
        ("local b = buffer.create(1e9) buffer.fill(b, 0, 1) return 1", "not enough memory"),
        ("return #buffer.tostring(buffer.create(1e8))", "not enough memory"),
        ("return buffer.create(2^31)", "block too big"),
        ("local b = buffer.create(1e9) buffer.copy(b, 0, b, 1, 1e9 - 1)", "not enough memory"),
        ("return table.move({1}, 1, 1e9, 2)", "without yielding"),  # chunked: the budget ends it
        # a plain find of a long separator goes through the bounded string.find
        ("local s = string.rep('a', 2e6) return #s:split(string.rep('a', 1e6) .. 'b')", "without yielding"),
        ("local t = table.create(1e6, 1) for i = 1, 50 do t = table.clone(t) end", "not enough memory"),
        ("local p = {} for i = 1, 1e7 do p[i] = newproxy(true) end", "not enough memory"),
        ("local s = `{string.rep('x', 1e6)}` while true do s = `{s}{s}` end", "not enough memory"),
    ],
)
async def test_luau_library_bombs_end_the_run_cleanly(attempt, source, message):
    """Each ends the run with a clear error within the test's wait (``finish``), and
    ``attempt`` checks that another VM still runs."""
    assert failed_with(await attempt(source), message)


async def test_recursion_bombs_are_clean_errors(attempt):
    record = await attempt("local function f() return 1 + f() end f()")
    assert failed_with(record, "stack overflow") or failed_with(record, "not enough memory")
    record = await attempt(
        "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x"
    )
    assert failed_with(record, "stack overflow")


async def test_nested_coroutine_bomb_is_a_clean_error(attempt):
    record = await attempt("local function f() return coroutine.wrap(f)() end f()")
    assert failed_with(record, "stack overflow")


@pytest.mark.parametrize(
    "call",
    [
        "string.find(s, '.-.-.-.-b')",
        "s:find('.-.-.-.-b')",
        "s:match('(.-)(.-)(.-)b$')",
        "s:gsub('.*.*.*b', '')",
        "for x in s:gmatch('a*a*a*b') do end",
    ],
)
async def test_pattern_bombs_run_hooked_and_hit_the_budget(attempt, call):
    record = await attempt(f"local s = string.rep('a', 1e5) {call}")
    assert failed_with(record, "without yielding")


async def test_ordinary_patterns_still_work(attempt):
    record = await attempt(
        "local s = string.rep('key=value ', 200) local n = select(2, s:gsub('(%w+)=(%w+)', '%2=%1'))"
        " return n, ('a.b'):find('.', 1, true), string.rep('a', 1e5):find('b')"
    )
    assert record.results == [200, 2, None]


async def test_spinning_error_tostring_is_ended(attempt):
    record = await attempt("error(setmetatable({}, {__tostring = function() while true do end end}))")
    assert failed_with(record, "without yielding")


async def test_failing_error_tostring_is_reported_plainly(attempt):
    record = await attempt("error(setmetatable({}, {__tostring = function() error('nested') end}))")
    assert record.error["message"] == "(error object is a table value)"


async def test_looping_error_handler_is_ended(attempt):
    record = await attempt(
        "xpcall(function() error('x') end, function() while true do end end) while true do end"
    )
    assert failed_with(record, "without yielding")


async def test_huge_print_is_cut(attempt, engine):
    vm = new_vm(engine)
    await finish(engine.run(vm, vm.compile("print(string.rep('x', 2e6))")))
    text = vm.console.lines()[0]["text"]
    assert len(text.encode()) < 17 * 1024 and text.endswith("bytes]")


async def test_invalid_utf8_is_printed_not_crashed(attempt, engine):
    vm = new_vm(engine)
    record = await finish(engine.run(vm, vm.compile(r"print('ok \255\254 end') error('bad \255')")))
    assert vm.console.lines()[0]["text"] == "ok ?? end"
    assert record.error["message"] == "executor:1: bad ?"


async def test_os_date_bad_format_is_an_error(attempt):
    assert failed_with(await attempt("return os.date('%Ez')"), "invalid conversion specifier")


async def test_spawn_bomb_is_ended(attempt):
    record = await attempt("while true do task.spawn(function() end) end")
    assert record.state == "FAILED"
