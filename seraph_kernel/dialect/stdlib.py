"""The Luau standard library (``luau_core.lua``, ``stdlib.lua``) and how to install it into a
sandbox env.

The library is Lua, run once as trusted code in two chunks: ``luau_core.lua`` (number
printing, the ``__luau_iter`` / ``__luau_tostring`` helpers that translated code calls,
``typeof`` and the error helpers) and ``stdlib.lua``, which adds Luau's pieces to ``env``
(``table.find``, ``string.split``, ``bit32``, ``buffer``, ``typeof``...). A lazy host (the
engine's ``luau`` module) runs the first for every Luau chunk and the second only when a
script uses it. Both capture the runtime's own primitives. The library never replaces a Lua
5.4 function (a plain Lua 5.4 script keeps its meaning), with two exceptions: ``table.move``
is bounded, and ``luau_numbers=True`` makes ``tostring``/``print``/``string.format`` print
numbers as Luau does.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

STDLIB_LUA: str = files(__package__).joinpath("stdlib.lua").read_text(encoding="utf-8")
"""The library's Lua source."""
CORE_LUA: str = files(__package__).joinpath("luau_core.lua").read_text(encoding="utf-8")
"""What translated code needs before the library (runs first; the library takes its helpers)."""

_CHUNK_NAME = "=luau_stdlib"

MAX_ITEMS = 10_000_000
"""Largest size accepted by table.create, table.move and string.split (they would loop in
C, or fill memory, on a size the script chose)."""


def install_luau_stdlib(
    runtime: Any, env: Any, *, luau_numbers: bool = False, max_items: int = MAX_ITEMS
) -> Any:
    """Add the Luau library to ``env`` (a Lua table: the sandbox's globals) of the lupa
    ``runtime``; returns a Lua table ``{tostring, format, print, iter, typeof}``.

    ``luau_numbers=True`` also sets ``env.tostring``, ``env.print`` (wrapped: install it
    after the host's own ``print``) and ``string.format`` (in ``env.string`` and in the
    string metatable) to Luau's number formatting: ``print(10/2)`` shows ``5``. Leave it off
    where plain Lua 5.4 scripts run and must print ``5.0``.
    """
    opts = runtime.table_from({"luau_numbers": luau_numbers, "max_items": max_items, "source": _CHUNK_NAME})
    core = runtime.compile(CORE_LUA, name=_CHUNK_NAME, mode="t")(runtime.globals(), env, opts)
    opts["core"] = core
    return runtime.compile(STDLIB_LUA, name=_CHUNK_NAME, mode="t")(runtime.globals(), env, opts)
