"""A minimal Lua 5.4 sandbox (lupa) with the Luau library, to run translated sources.

The project's engine is not used on purpose: these tests exercise the dialect package alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lupa.lua54 as lupa
import pytest

from seraph_kernel.dialect import translate
from seraph_kernel.dialect.stdlib import install_luau_stdlib

_ENV = r"""
local out = {}
local env = {}
for _, name in ipairs({"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
    "rawlen", "rawset", "select", "tonumber", "tostring", "type", "getmetatable", "setmetatable",
    "xpcall"}) do
  env[name] = _G[name]
end
local function copy(t) local c = {} for k, v in pairs(t) do c[k] = v end return c end
env.string, env.table, env.math, env.utf8 = copy(string), copy(table), copy(math), copy(utf8)
-- as the project's sandbox: string methods come from a private copy of the library
debug.getmetatable("").__index = copy(string)
env.coroutine = copy(coroutine)
env._G = env
local tostring, concat, select = tostring, table.concat, select
env.print = function(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  out[#out + 1] = concat(parts, "\t")
end
local function run(src)
  local f, err = load(src, "=executor", "t", env)
  if not f then return false, err end
  local ok, e = pcall(f)
  return ok, e
end
local function take()
  local lines = out
  out = {}
  return lines
end
return env, run, take
"""


class LuaEnv:
    """A fresh runtime + sandbox env with the Luau library installed."""

    def __init__(
        self, *, luau_numbers: bool = True, max_memory: int | None = None, max_items: int | None = None
    ) -> None:
        kwargs: dict[str, Any] = {
            "register_eval": False,
            "register_builtins": False,
            "unpack_returned_tuples": True,
        }
        if max_memory is not None:
            kwargs["max_memory"] = max_memory
        self.runtime = lupa.LuaRuntime(**kwargs)
        self.env, self._run, self._take = self.runtime.execute(_ENV)
        extra = {} if max_items is None else {"max_items": max_items}
        self.helpers = install_luau_stdlib(self.runtime, self.env, luau_numbers=luau_numbers, **extra)

    def run(self, source: str, *, luau: bool = True) -> list[str]:
        """Run ``source`` (translated first when ``luau``); the printed lines. Fails the
        test on an error."""
        ok, err = self._run(translate(source) if luau else source)
        lines = list(self._take().values())
        assert ok, f"Lua error: {err}"
        return lines

    def error(self, source: str, *, luau: bool = True) -> str:
        """The error message of ``source``, which must fail."""
        ok, err = self._run(translate(source) if luau else source)
        self._take()
        assert not ok, "expected an error"
        return str(err)


@pytest.fixture
def lua() -> LuaEnv:
    return LuaEnv()


@pytest.fixture
def make_lua() -> Callable[..., LuaEnv]:
    return LuaEnv
