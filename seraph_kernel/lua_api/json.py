"""``json.encode`` / ``json.decode`` / ``json.null``.

Arrays are 1-indexed tables, an empty table encodes as ``[]``. As in Seraph, a JSON ``null``
decodes to ``nil`` (the key of an object is absent, the slot of an array is ``nil``);
``json.null`` is the sentinel a script encodes a null with. Errors name the position.
"""

from __future__ import annotations

import json as _json
import math
from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError
from seraph_kernel.engine.lua_memory import NotEnoughLuaMemory
from seraph_kernel.engine.values import Vec2, Vec2i

#: What every Lua table costs at least (its ``Table`` header): a document with more arrays and
#: objects than the script has room for is refused before it is parsed.
MIN_TABLE_BYTES = 56

NULL_LUA = r"""
local error, setmetatable = error, setmetatable
local mt = {
  __tostring = function() return "null" end,
  __newindex = function() error("json.null is read-only", 2) end,
  __metatable = "json.null",
}
return setmetatable({}, mt), mt
"""


def jsonable(value: Any) -> Any:
    """Plain data from ``from_lua`` -> what ``json.dumps`` should see (vectors as objects)."""
    if isinstance(value, (Vec2i, Vec2)):
        return {"x": value.x, "y": value.y}
    if isinstance(value, float) and not math.isfinite(value):
        raise LuaArgumentError(f"cannot encode {value!r}")
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: jsonable(v) for k, v in value.items()}
    return value


def encode(value: Any = None) -> str:
    return _json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def without_json_nulls(value: Any) -> Any:
    """Decoded JSON with every ``null`` gone, so Lua reads ``nil``: object keys are dropped,
    and an array with a null becomes a table keyed by the positions that hold a value."""
    if isinstance(value, dict):
        return {k: without_json_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        if any(v is None for v in value):
            return {i: without_json_nulls(v) for i, v in enumerate(value, 1) if v is not None}
        return [without_json_nulls(v) for v in value]
    return value


def decode_with(ctx: Any) -> Any:
    def decode(text: Any = None) -> Any:
        if not isinstance(text, str):
            raise LuaArgumentError(f"expected a string, got {type(text).__name__}")
        if (text.count("[") + text.count("{")) * MIN_TABLE_BYTES > ctx.memory.room():
            raise NotEnoughLuaMemory()  # refused before Python builds what Lua has no room for
        try:
            data = without_json_nulls(_json.loads(text))
        except _json.JSONDecodeError as exc:
            raise LuaArgumentError(
                f"{exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos})"
            ) from exc
        except RecursionError as exc:
            raise LuaArgumentError("document nested too deeply") from exc
        return ctx.to_lua(data)

    return decode


def install(ctx: Any) -> None:
    """Add ``json`` to ``ctx.env``."""
    null, metatable = ctx.lua(NULL_LUA)
    ctx.register_value_type("null", metatable, None)
    ctx.vm.json_null = null
    table = ctx.to_lua({})
    table["encode"] = ctx.function("json.encode", encode)
    table["decode"] = ctx.function("json.decode", decode_with(ctx))
    table["null"] = null
    ctx.env.json = table
