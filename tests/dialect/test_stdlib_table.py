"""table.* as Luau defines it (VM/src/ltablib.cpp), plus the bounds a sandbox needs."""

from __future__ import annotations


def test_find(lua):
    src = """
local t = {"a", "b", "c", "b"}
print(table.find(t, "b"), table.find(t, "b", 3), table.find(t, "z"), table.find({1, nil, 3}, 3))
local k = {}
print(table.find({k}, k), table.find({}, nil))
"""
    assert lua.run(src) == ["2\t4\tnil\tnil", "1\tnil"]


def test_find_bad_input(lua):
    assert "invalid argument #3 to 'find' (index out of range)" in lua.error("table.find({}, 1, 0)")
    assert "invalid argument #1 to 'find' (table expected, got nil)" in lua.error("table.find(nil, 1)")


def test_clear_keeps_identity_and_metatable(lua):
    src = """
local mt = {}
local t = setmetatable({1, 2, x = 3}, mt)
local same = t
table.clear(t)
print(next(t), rawequal(t, same), getmetatable(t) == mt)
"""
    assert lua.run(src) == ["nil\ttrue\ttrue"]


def test_create(lua):
    src = """
local t = table.create(5, "x")
print(#t, t[1], t[5], t[6], #table.create(3), #table.create(0, 1), #table.create(2.9, 0))
"""
    assert lua.run(src) == ["5\tx\tx\tnil\t0\t0\t2"]


def test_create_bad_input(lua):
    assert "invalid argument #1 to 'create' (size out of range)" in lua.error("table.create(-1)")
    assert "number expected, got string" in lua.error("table.create('many')")
    assert "larger than the limit" in lua.error("table.create(1e9)")


def test_clone(lua):
    src = """
local mt = {__index = {extra = 1}}
local inner = {}
local t = setmetatable({1, inner, k = "v"}, mt)
local c = table.clone(t)
print(c ~= t, c[1], c[2] == inner, c.k, c.extra, getmetatable(c) == mt)
"""
    assert lua.run(src) == ["true\t1\ttrue\tv\t1\ttrue"]
    assert "table has a protected metatable" in lua.error(
        "table.clone(setmetatable({}, {__metatable = 'locked'}))"
    )


def test_freeze(lua):
    src = """
local t = table.freeze({1, 2, 3, name = "x"})
local n = 0
for _, v in ipairs(t) do n += v end
for _, v in t do n += 10 end
for k, v in pairs(t) do n += 100 end
print(table.isfrozen(t), #t, t.name, n, table.concat(t, ","), table.isfrozen({}))
print(pcall(function() t.name = "y" end))
print(pcall(function() t.new = 1 end))
print(pcall(table.insert, t, 4))
print(pcall(table.freeze, t))
print(pcall(table.clear, t))
local c = table.clone(t)
c[1] = 9
print(table.isfrozen(c), c[1], t[1], c.name)
"""
    out = lua.run(src)
    assert out[0] == "true\t3\tx\t446\t1,2,3\tfalse"
    assert "attempt to modify a readonly table" in out[1]
    assert "attempt to modify a readonly table" in out[2]
    assert out[3].startswith("false")
    assert "table is already frozen" in out[4]
    assert "attempt to modify a readonly table" in out[5]
    assert out[6] == "false\t9\t1\tx"


def test_freeze_keeps_metatable_behaviour(lua):
    src = """
local mt = {__index = function(_, k) return k .. "!" end, __tostring = function() return "T" end}
local t = table.freeze(setmetatable({a = 1}, mt))
print(t.a, t.b, tostring(t), getmetatable(t) == mt)
print(pcall(setmetatable, t, {}))
"""
    out = lua.run(src)
    assert out[0] == "1\tb!\tT\ttrue"
    assert out[1].startswith("false")
    assert "protected metatable" in lua.error("table.freeze(setmetatable({}, {__metatable = 1}))")


def test_freeze_never_attaches_a_finalizer(lua):
    src = """
fired = false
local mt = {}
local t = setmetatable({1}, mt)
mt.__gc = function() fired = true end
table.freeze(t)
local c = table.clone(t)
t, c = nil, nil
"""
    lua.run(src)
    lua.runtime.execute("collectgarbage() collectgarbage()")
    assert lua.env.fired is False


def test_move_is_bounded(lua):
    assert lua.run("print(table.concat(table.move({1, 2, 3}, 1, 3, 2), ','))") == ["1,1,2,3"]
    assert lua.run("print(#table.move({1, 2}, 1, 2, 1, {}))") == ["2"]
    assert "too many elements to move" in lua.error("table.move({}, 1, 2^40, 1)")


def test_getn_maxn_foreach_foreachi(lua):
    src = """
local t = {10, 20, 30, [7] = 1, x = 5}
local keys = 0
print(table.getn({1, 2}), table.maxn(t), table.maxn({}))
print(table.foreach(t, function(k, v) keys += 1 if v == 30 then return k end end))
print(table.foreachi({4, 5, 6}, function(i, v) if v > 4 then return i * 100 end end))
print(table.foreachi({4}, function() end), unpack({1, 2}))
"""
    assert lua.run(src) == ["2\t7\t0", "3", "200", "nil\t1\t2"]
    assert "function expected, got nil" in lua.error("table.foreach({}, nil)")
