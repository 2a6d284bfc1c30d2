"""``getConsole()``: the script's own console (``.entries``, ``:add(text)``, ``:clear()``)."""

from __future__ import annotations

from typing import Any

LUA = r"""
local env, entries, add, clear = ...
local type, tostring, error, setmetatable = type, tostring, error, setmetatable
local methods = {
  add = function(_, text)
    if type(text) ~= "string" then text = tostring(text) end
    add(text)
  end,
  clear = function() clear() end,
}
local console = setmetatable({}, {
  __index = function(_, key)
    if key == "entries" then return entries() end
    return methods[key]
  end,
  __newindex = function() error("the console is read-only", 2) end,
  __metatable = "Console",
})
env.getConsole = function() return console end
"""


def install(ctx: Any) -> None:
    """Add ``getConsole`` to ``ctx.env``."""

    def entries() -> list[dict[str, Any]]:
        return [
            {"timestamp": line["ts_ms"], "type": line["level"], "content": line["text"]}
            for line in ctx.console.lines()
        ]

    ctx.lua(
        LUA,
        ctx.env,
        ctx.function("getConsole().entries", entries),
        ctx.function("getConsole():add", lambda text: ctx.emit("info", text)),
        ctx.function("getConsole():clear", ctx.console.clear),
    )
