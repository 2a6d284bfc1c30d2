"""The VM factory: a lupa ``lua54`` runtime locked down as DESIGN.md "Sandbox" requires.

``register_eval=False``/``register_builtins=False`` keep Python out of the globals, the
attribute filter refuses every attribute of any Python object that might still reach Lua,
and ``loader.lua`` builds the user environment from an allow-list (never by deleting from
the default one). Python only keeps the privileged table ``loader.lua`` returns.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import lupa.lua54 as lupa

HOOK_COUNT = 1000
MAX_ERROR_BYTES = 4096
PATTERN_LIMIT = 1e10


class SandboxViolation(AttributeError):
    """Lua code tried to read or write an attribute of a Python object."""


def deny_attributes(obj: Any, attr: Any, is_setting: bool) -> Any:
    """lupa attribute filter: Lua never gets at a Python object's attributes."""
    raise SandboxViolation("access to Python objects is not allowed")


@cache
def loader_source() -> str:
    return resources.files(__package__).joinpath("loader.lua").read_text(encoding="utf-8")


class Privileged:
    """The functions of ``loader.lua``'s privileged table, fetched once.

    lupa returns garbage when Python reads a field of a table made outside the running
    coroutine while Lua is running (inside a binding called from Lua); calling a function
    object that Python already holds is safe. So every internal function is looked up here,
    at VM creation, and ``table`` is only passed back into Lua, never read during a run.
    """

    def __init__(self, table: Any):
        self.table = table
        for key, value in table.items():
            setattr(self, key, value)


def create_runtime(memory_bytes: int | None) -> tuple[lupa.LuaRuntime, Privileged]:
    """A fresh runtime and its privileged functions (see ``loader.lua``)."""
    runtime = lupa.LuaRuntime(
        register_eval=False,
        register_builtins=False,
        unpack_returned_tuples=True,
        max_memory=memory_bytes or 0,
        attribute_filter=deny_attributes,
    )
    table = runtime.execute(loader_source(), HOOK_COUNT, MAX_ERROR_BYTES, PATTERN_LIMIT)
    return runtime, Privileged(table)
