"""The Luau standard library (``stdlib.lua``) and how to install it into a sandbox env.

The library is Lua, run once as trusted code: it captures the runtime's own primitives,
then adds Luau's pieces to ``env`` (``table.find``, ``string.split``, ``bit32``,
``buffer``, ``typeof``...) and the ``__luau_iter`` / ``__luau_tostring`` helpers that
translated code calls. It never replaces a Lua 5.4 function (a plain Lua 5.4 script keeps
its meaning), with two exceptions: ``table.move`` is bounded, and ``luau_numbers=True``
makes ``tostring``/``print``/``string.format`` print numbers as Luau does.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

STDLIB_LUA: str = files(__package__).joinpath("stdlib.lua").read_text(encoding="utf-8")
"""The library's Lua source."""

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
    loader = runtime.compile(STDLIB_LUA, name=_CHUNK_NAME, mode="t")
    opts = runtime.table_from({"luau_numbers": luau_numbers, "max_items": max_items, "source": _CHUNK_NAME})
    return loader(runtime.globals(), env, opts)
