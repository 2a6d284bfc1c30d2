"""Compile (never run) text as Lua 5.4 with a private lupa runtime.

Used twice by ``translate``: to tell plain Lua 5.4 sources from Luau ones (a source that
compiles as Lua 5.4 keeps its Lua meaning), and to check that every translation compiles
(a Lua error then names the user's line, since lines are kept).
"""

from __future__ import annotations

import re
import threading
from typing import Any

import lupa.lua54 as lupa

_lock = threading.Lock()
_load: Any = None
_LINE = re.compile(r"^(\d+): (.*)$", re.DOTALL)


def compile_error(source: str | bytes, chunk_name: str) -> tuple[int, str] | None:
    """``None`` when ``source`` compiles as a Lua 5.4 text chunk, else ``(line, message)``."""
    global _load
    with _lock:
        if _load is None:
            runtime = lupa.LuaRuntime(register_eval=False, register_builtins=False, encoding=None)
            _load = runtime.eval("function(s, n) local f, e = load(s, n, 't', {}) return e end")
        data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        error = _load(data, ("=" + chunk_name).encode())
    if error is None:
        return None
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    text = text.split("\nstack traceback:", 1)[0]  # a "C stack overflow" comes with one
    prefix = chunk_name + ":"
    if text.startswith(prefix):
        m = _LINE.match(text[len(prefix) :])
        if m:
            return int(m.group(1)), m.group(2)
    return 1, text
