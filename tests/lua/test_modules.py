"""The base modules of lua-api.md: print/warn, sleep/now/cleanup, task, json, vectors, enums,
getConsole, and the Python helpers other modules use."""

from __future__ import annotations

import time

import pytest

from seraph_kernel.engine.values import Vec2, Vec2i
from seraph_kernel.lua_api.vector import is_vector2, is_vector2i, make_vector2, make_vector2i
from seraph_kernel.vocab import ERROR_CODES, STATUSES, TUTORIAL_STATES

from .conftest import finish, new_vm


async def test_print_joins_with_tabs_and_fills_placeholders(run_lua):
    out = await run_lua(
        """
        print("a", 1, nil, true, 2.5)
        print("{} has {} gems", "bob", 3)
        print("{} and {}", "only one")
        print("{} x", 1, "extra")
        print("no placeholders {}")
        warn("careful", 1)
        """
    )
    assert out.texts == [
        "a\t1\tnil\ttrue\t2.5",
        "bob has 3 gems",
        "only one and {}",
        "1 x\textra",
        "no placeholders {}",
        "careful\t1",
    ]
    assert out.levels == ["info"] * 5 + ["warn"]


async def test_sleep_now_and_argument_errors(run_lua):
    before = int(time.time() * 1000)
    out = await run_lua("local t = now() sleep(30) return t, now() - t")
    started, waited = out.record.results
    assert started >= before and waited >= 30
    out = await run_lua("sleep('soon')")
    assert out.record.error["message"] == "executor:1: sleep: expected a number of milliseconds, got string"
    out = await run_lua("cleanup(1)")
    assert out.record.error["message"] == "executor:1: cleanup: expected a function, got number"


async def test_display_in_a_detached_script_prints(run_lua):
    out = await run_lua("display({a = 1}) display('text')")
    assert out.texts == ['{"a": 1}', "text"]


async def test_task_spawn_delay_defer_cancel_wait(run_lua):
    out = await run_lua(
        """
        local order = {}
        task.spawn(function(a, b) order[#order + 1] = "spawn " .. a .. b end, "x", "y")
        task.defer(function() order[#order + 1] = "defer" end)
        task.delay(0.03, function() order[#order + 1] = "delay" end)
        local doomed = task.delay(0.01, function() order[#order + 1] = "cancelled one ran" end)
        local alive = task.cancel(doomed)
        local waited = task.wait(0.06)
        local again = task.cancel(doomed)
        local tick = task.wait()
        return order, alive, again, waited >= 0.06, tick >= 0
        """
    )
    assert out.record.results == [["spawn xy", "defer", "delay"], True, False, True, True]


async def test_script_waits_for_its_spawned_tasks(run_lua):
    out = await run_lua("task.spawn(function() sleep(30) print('late') end) return 'main done'")
    assert out.record.state == "COMPLETE" and out.texts == ["late"] and out.record.results == ["main done"]


async def test_an_error_in_a_spawned_task_ends_the_script(run_lua):
    out = await run_lua("task.spawn(function() error('in task') end) sleep(10000)")
    assert out.record.error["message"] == "executor:1: in task"


async def test_task_argument_errors(run_lua):
    out = await run_lua("task.spawn(42)")
    assert out.record.error["message"] == "executor:1: task.spawn: expected a function, got number"
    out = await run_lua("task.wait('x')")
    assert out.record.error["message"] == "executor:1: task.wait: expected a number of seconds, got string"


async def test_json_round_trip_and_null(run_lua):
    out = await run_lua(
        """
        local text = json.encode({name = "bot", list = {1, 2.5, json.null}, nested = {ok = true}, empty = {}})
        local back = json.decode('{"a": [1, null, {"b": "c"}], "n": null, "f": 1.5}')
        local keys = {}
        for k in pairs(back) do keys[#keys + 1] = k end
        table.sort(keys)
        return json.decode(text).list[3] == nil, back.a[2] == nil, back.n == nil, back.a[3].b, back.f,
          json.decode("null"), json.encode(Vector2i(1, 2)), tostring(json.null), json.encode("é"),
          table.concat(keys, ","), text
        """
    )
    # Seraph: a JSON null decodes to nil (absent key, nil slot); json.null only encodes one
    assert out.record.results == [
        True,
        True,
        True,
        "c",
        1.5,
        None,
        '{"x":1,"y":2}',
        "null",
        '"é"',
        "a,f",
        out.record.results[-1],
    ]
    assert '"list":[1,2.5,null]' in out.record.results[-1]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "json.decode('{\"a\": 1,}')",
            "json.decode: Expecting property name enclosed in double quotes at line 1 column 9 (char 8)",
        ),
        ("json.decode('[1, 2')", "json.decode: Expecting ',' delimiter at line 1 column 6 (char 5)"),
        ("json.decode(42)", "json.decode: expected a string, got int"),
        ("json.encode({f = print})", "json.encode: cannot convert a function value"),
        ("json.encode(0/0)", "json.encode: cannot encode nan"),
    ],
)
async def test_json_errors_name_the_position(run_lua, source, message):
    out = await run_lua(source)
    assert out.record.error["message"] == f"executor:1: {message}"


async def test_vectors(run_lua):
    out = await run_lua(
        """
        local p = Vector2i(42, 18)
        local w = p:position()
        return tostring(p), tostring(w), w:point() == p,
          Vector2i.new(1, 2) + Vector2i(3, 4) == Vector2i(4, 6),
          tostring(Vector2(1.5, 2) - Vector2(0.5, 1)), p.x, p.y, Vector2i(2, 3):position(1) == Vector2(2, 3),
          Vector2i(1, 2) == Vector2(1, 2), Vector2i(3.0, 4).x
        """
    )
    assert out.record.results == [
        "Vector2i(42, 18)",
        "Vector2(13.44, 5.76)",
        True,
        True,
        "Vector2(1, 1)",
        42,
        18,
        True,
        False,
        3,
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Vector2i(1.5, 2)", "Vector2i.new: expected integers"),
        ("Vector2.new('a', 2)", "Vector2.new: expected two numbers, got string and number"),
        ("return Vector2i(1, 2) + Vector2(1, 2)", "Vector2i +: expected Vector2i, got table"),
        ("Vector2i(1, 2):position(0)", "Vector2i:position: size must be a positive number"),
    ],
)
async def test_vector_misuse(run_lua, source, message):
    out = await run_lua(source)
    assert out.record.state == "FAILED" and message in out.record.error["message"]


async def test_vector_helpers_for_python_modules(engine, run_lua):
    vm = new_vm(engine)
    ctx = vm.context
    seen = []
    ctx.env.take = ctx.function("take", lambda p: seen.append(p) or Vec2i(p.x + 1, p.y))
    ctx.env.origin = make_vector2i(ctx, 0, 0)
    ctx.env.spot = make_vector2(ctx, 0.32, 0.64)
    assert is_vector2i(ctx, ctx.env.origin) and not is_vector2(ctx, ctx.env.origin)
    assert is_vector2(ctx, ctx.env.spot) and not is_vector2i(
        ctx, ctx.runtime_table if False else ctx.env.spot
    )
    out = await run_lua(
        "return take(Vector2i(1, 2)) == Vector2i(2, 2), origin == Vector2i(0, 0), spot:point()", vm=vm
    )
    assert out.record.results == [True, True, Vec2i(1, 2)]
    assert seen == [Vec2i(1, 2)]
    assert ctx.from_lua(ctx.to_lua(Vec2(1.5, 2.0))) == Vec2(1.5, 2.0)


async def test_enums(run_lua):
    out = await run_lua("return Errors, Status, TutorialState")
    errors, statuses, tutorial = out.record.results
    assert errors == {code: code for code in ERROR_CODES}
    assert statuses == {s.upper(): s.upper() for s in STATUSES}
    assert tutorial == TUTORIAL_STATES


async def test_get_console(run_lua):
    out = await run_lua(
        """
        print("one")
        local c = getConsole()
        c:add("two")
        local e = c.entries
        local snapshot = {#e, e[1].content, e[1].type, type(e[1].timestamp), e[2].content}
        c:clear()
        local after = #getConsole().entries
        return snapshot, after
        """
    )
    assert out.record.results == [[2, "one", "info", "number", "two"], 0]
    assert out.console.lines() == []


async def test_conversion_rejects_cycles_and_functions(engine, run_lua):
    vm = new_vm(engine)
    vm.context.env.echo = vm.context.function("echo", lambda v: v)
    out = await run_lua("local t = {} t.self = t return {pcall(echo, t)}, {pcall(echo, {f = print})}", vm=vm)
    assert out.record.results == [
        [False, "echo: table nested too deeply (or cyclic)"],
        [False, "echo: cannot convert a function value"],
    ]
    again = engine.run(vm, vm.compile("return echo({1, {a = 'b'}, json.null})"))
    assert (await finish(again)).results == [[1, {"a": "b"}, None]]
