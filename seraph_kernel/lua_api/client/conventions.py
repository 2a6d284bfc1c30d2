"""Calling the fleet on behalf of a Lua bot call, with the Lua conventions of ``lua-api.md``.

Game-level failures become ``Errors.*`` code strings (returned, never raised); a bot that was
deleted under a running script reads as ``DISCONNECTED``; bad input the fleet rejects becomes a
:class:`LuaArgumentError` that names the Lua call.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable
from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError
from seraph_kernel.engine.values import Vec2, Vec2i
from seraph_kernel.errors import ActionError, InvalidArgument, UnknownBot

DISCONNECTED = "DISCONNECTED"
CANCELLED = "CANCELLED"


async def game_call(name: str, action: Awaitable[Any]) -> Any:
    """Await a fleet action and apply the Lua return conventions to its outcome."""
    try:
        return await action
    except ActionError as err:
        return err.code
    except UnknownBot:
        return DISCONNECTED
    except InvalidArgument as err:
        raise LuaArgumentError(f"{name}: {err}") from None


def type_name(value: Any) -> str:
    """The Lua type name of a converted argument, for ``expected X, got Y`` messages."""
    if value is None:
        return "nil"
    if isinstance(value, Vec2i):
        return "Vector2i"
    if isinstance(value, Vec2):
        return "Vector2"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (dict, list)):
        return "table"
    return "userdata"


def require_int(name: str, what: str, value: Any) -> int:
    """An integral Lua number (``3`` or ``3.0``), else a misuse error naming the call."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LuaArgumentError(f"{name}: expected integer {what}, got {type_name(value)}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise LuaArgumentError(f"{name}: expected integer {what}, got {value!r}")
        return int(value)
    return value


def optional_timeout(name: str, value: Any) -> int | None:
    """A ``timeoutMs`` argument: nil or a positive integer."""
    if value is None:
        return None
    timeout = require_int(name, "timeoutMs", value)
    if timeout <= 0:
        raise LuaArgumentError(f"{name}: timeoutMs must be positive, got {timeout}")
    return timeout


def require_str(name: str, what: str, value: Any) -> str:
    """A Lua string, else a misuse error naming the call."""
    if not isinstance(value, str):
        raise LuaArgumentError(f"{name}: expected string {what}, got {type_name(value)}")
    return value


def require_point(name: str, value: Any, what: str = "") -> Vec2i:
    """A ``Vector2i`` argument (``from_lua`` made it a :class:`Vec2i`), else a misuse error:
    ``setPoint: expected Vector2i, got string``."""
    if not isinstance(value, Vec2i):
        raise LuaArgumentError(f"{name}: expected Vector2i{what}, got {type_name(value)}")
    return value


def positional_limit(fn: Callable[..., Any]) -> int | None:
    """How many positional arguments ``fn`` takes; None when it takes any number. Read from
    the code object when there is one: every VM binds the same methods, and
    ``inspect.signature`` was a fifth of the cost of starting a script."""
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    if code is None:
        params = inspect.signature(fn).parameters.values()
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            return None
        return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    if code.co_flags & inspect.CO_VARARGS:
        return None
    return code.co_argcount - (func is not fn)  # a bound method's ``self`` is given


class LuaArity:
    """``fn`` called with at most ``limit`` positional arguments. An object with two slots
    rather than a closure: every VM makes dozens of these, and a closure with its cells costs
    about six times the memory."""

    __slots__ = ("fn", "limit")

    def __init__(self, fn: Callable[..., Any], limit: int) -> None:
        self.fn, self.limit = fn, limit

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args[: self.limit])

    @property
    def __name__(self) -> str:  # type: ignore[override]
        return getattr(self.fn, "__name__", "call")


def lua_arity(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` called like a Lua function: extra arguments are dropped instead of raising."""
    limit = positional_limit(fn)
    if limit is None:
        return fn
    return LuaArity(fn, limit)


def without_nulls(value: Any) -> Any:
    """JSON data with the ``null`` fields of objects left out, so Lua reads them as ``nil``
    (``if snapshot.pending_world then``) instead of the truthy ``json.null``."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value
