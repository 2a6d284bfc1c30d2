"""``task``: coroutines of the same script (``spawn``, ``delay``, ``defer``, ``cancel``,
``wait``). Every task carries the run's hook, so stopping the script ends them all."""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError

LUA = r"""
local env, P, schedule, cancel = ...
local type, error = type, error

local function spawn(name, delay_ms, fn, ...)
  if type(fn) ~= "function" then
    error("task." .. name .. ": expected a function, got " .. type(fn), 2)
  end
  local id = P.spawn_task(fn, ...)
  schedule(id, delay_ms)
  return id
end

env.task = {
  wait = function(seconds)
    if seconds ~= nil and type(seconds) ~= "number" then
      error("task.wait: expected a number of seconds, got " .. type(seconds), 2)
    end
    return P.sleep_ms((seconds or 0) * 1000)
  end,
  spawn = function(fn, ...) return spawn("spawn", 0, fn, ...) end,
  defer = function(fn, ...) return spawn("defer", 0, fn, ...) end,
  delay = function(seconds, fn, ...)
    if type(seconds) ~= "number" then
      error("task.delay: expected a number of seconds, got " .. type(seconds), 2)
    end
    return spawn("delay", seconds * 1000, fn, ...)
  end,
  cancel = function(handle)
    if type(handle) ~= "number" then
      error("task.cancel: expected a task handle, got " .. type(handle), 2)
    end
    return cancel(handle)
  end,
}
"""


def install(ctx: Any) -> None:
    """Add ``task`` to ``ctx.env``."""
    vm = ctx.vm

    def active_run() -> Any:
        run = vm.active_run
        if run is None:
            raise LuaArgumentError("no script is running")
        return run

    def schedule(task_id: int, delay_ms: float) -> None:
        run = active_run()
        group = run.current_group or run.main_group
        vm.engine._adopt(run, task_id, group, delay_ms if delay_ms == delay_ms else 0)

    def cancel(handle: Any) -> bool:
        if not isinstance(handle, int):
            return False
        return vm.engine.cancel_task(active_run(), handle)

    ctx.lua(
        LUA,
        ctx.env,
        vm.privileged.table,
        ctx.function("task.spawn", schedule),
        ctx.function("task.cancel", cancel),
    )
