"""Base globals: ``print``, ``warn``, ``sleep``, ``cleanup``, ``now``, ``display``.

``print``/``warn`` format in trusted Lua (``tostring`` of every argument, or ``{}``
placeholders when the first argument has them) and add the line to the VM's pending lines
(loader.lua's ``P.add_line``): Python gets them in batches, mostly on the task's next yield.
"""

from __future__ import annotations

import json
import time
from typing import Any

from seraph_kernel.engine.console_buffer import MAX_LINE_BYTES

LUA = r"""
local env, display, now, P, LIMIT = ...
local add_line = P.add_line
local select, type, tostring, error = select, type, tostring, error
local find, gsub, sub, concat = string.find, string.gsub, string.sub, table.concat

local function format(...)
  local n = select("#", ...)
  local first = ...
  if n > 1 and type(first) == "string" and find(first, "{}", 1, true) then
    local args, i = { ... }, 1
    local text = gsub(first, "{}", function()
      if i < n then
        i = i + 1
        return tostring(args[i])
      end
    end)
    if i < n then
      local rest = { text }
      for j = i + 1, n do rest[#rest + 1] = tostring(args[j]) end
      text = concat(rest, "\t")
    end
    return text
  end
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  return concat(parts, "\t")
end

local function line(level, ...)
  local text = format(...)
  if #text > LIMIT then
    text = sub(text, 1, LIMIT) .. "… [truncated " .. (#text - LIMIT) .. " bytes]"
  end
  add_line(level, text)
end

env.print = function(...) line("info", ...) end
env.warn = function(...) line("warn", ...) end

env.sleep = P.sleep

env.cleanup = function(fn)
  if type(fn) ~= "function" then
    error("cleanup: expected a function, got " .. type(fn), 2)
  end
  P.add_cleanup(fn)
end

env.now = now
env.display = display
"""


def _display_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def install(ctx: Any) -> None:
    """Add the base globals to ``ctx.env``."""
    services = ctx.services

    def display(value: Any = None) -> None:
        if hasattr(services, "display"):
            services.display(value)
        else:
            ctx.emit("info", _display_text(value))

    ctx.lua(
        LUA,
        ctx.env,
        ctx.function("display", display),
        ctx.function("now", lambda: int(time.time() * 1000)),
        ctx.vm.privileged.table,
        MAX_LINE_BYTES,
    )
