"""``getConsole()``: the script's own console (``.entries``, ``:add(text)``, ``:clear()``), and
Seraph's ``getLogs()``: a Logger over the same buffer whose ``entries`` are the message strings
only. ``client:console()`` / ``client:logger()`` of the script's bot answer the same objects
(the client module reads them from :func:`install`'s globals when it installs), and the client
module builds other bots' handles with the same ``view`` (``vm.console_view``)."""

from __future__ import annotations

from typing import Any

LUA = r"""
local env, entries, messages, add, clear = ...
local type, tostring, error, setmetatable = type, tostring, error, setmetatable

-- One read-only object per buffer view: `entries` is read on each access.
local function view(kind, read, add, clear)
  local methods = {
    add = function(_, text)
      if type(text) ~= "string" then text = tostring(text) end
      add(text)
    end,
    clear = function() clear() end,
  }
  return setmetatable({}, {
    __index = function(_, key)
      if key == "entries" then return read() end
      return methods[key]
    end,
    __newindex = function() error("the " .. kind:lower() .. " is read-only", 2) end,
    __metatable = kind,
  })
end

local console, logs = view("Console", entries, add, clear), view("Logger", messages, add, clear)
env.getConsole = function() return console end
env.getLogs = function() return logs end
return view
"""


def console_entry(line: dict[str, Any]) -> dict[str, Any]:
    """A console line as ``getConsole().entries`` shows it: ``{timestamp, type, content}``."""
    return {"timestamp": line["ts_ms"], "type": line["level"], "content": line["text"]}


def install(ctx: Any) -> None:
    """Add ``getConsole`` and ``getLogs`` to ``ctx.env``."""

    def entries() -> list[dict[str, Any]]:
        return [console_entry(line) for line in ctx.console.lines()]

    def messages() -> list[str]:
        return [line["text"] for line in ctx.console.lines()]

    ctx.vm.console_view = ctx.lua(
        LUA,
        ctx.env,
        ctx.function("getConsole().entries", entries),
        ctx.function("getLogs().entries", messages),
        ctx.function("getConsole():add", lambda text: ctx.emit("info", text)),
        ctx.function("getConsole():clear", ctx.console.clear),
    )
