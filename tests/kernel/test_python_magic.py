"""%%python in the same kernel: the fleet and the Lua globals, converted both ways."""

from __future__ import annotations


def test_python_reads_and_writes_lua_globals(kernel):
    kernel.ok('scores = {10, 20, best = "bot-1"}\nname = "seraph"')
    result = kernel.ok(
        "%%python\n"
        "print(sorted(lua))\n"
        "print(lua['name'], lua['scores'])\n"
        "lua['from_python'] = {'items': [1, 2, 3], 'ok': True}\n"
    )
    assert "'name'" in result.stdout and "'scores'" in result.stdout
    assert "seraph {1: 10, 2: 20, 'best': 'bot-1'}" in result.stdout
    assert kernel.ok("from_python.items[3], from_python.ok").result["text/plain"] == "3, true"


def test_python_sees_the_fleet(kernel):
    result = kernel.ok("%%python\nbots = await fleet.list_bots()\nprint(type(bots).__name__, fleet.kind)")
    assert result.stdout == "list local\n"


def test_python_values_and_errors_behave_like_ipython(kernel):
    assert kernel.ok("%%python\n6 * 7").result["text/plain"] == "42"
    result = kernel.execute("%%python\n1 / 0")
    assert result.reply["ename"] == "ZeroDivisionError"
    assert result.error["ename"] == "ZeroDivisionError"
    assert kernel.ok("%%python\nlua['name'] = None\n").ok
    assert kernel.ok("name == nil").result["text/plain"] == "true"
