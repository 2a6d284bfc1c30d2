"""Compile (never run) text as Lua 5.4 with a private lupa runtime.

Used twice by ``translate``: to tell plain Lua 5.4 sources from Luau ones (a source that
compiles as Lua 5.4 keeps its Lua meaning), and to check that every translation compiles
(a Lua error then names the user's line, since lines are kept).
"""

from __future__ import annotations

import re
import threading
import time
from functools import lru_cache
from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.dialect.errors import LuauSyntaxError

_lock = threading.Lock()
_load: Any = None
_LINE = re.compile(r"^(\d+): (.*)$", re.DOTALL)

#: Lua's parser is quadratic on long and/or/elseif chains and runs in C: a long text is fed to
#: it 64 bytes at a time and given up past this deadline.
DEADLINE_S = 2.0
TIMEOUT_MESSAGE = f"the source took longer than {DEADLINE_S:g} s to compile"
LOAD = """
local load, sub = load, string.sub
return function(s, n, clock, deadline)
  if #s <= 4096 then local _, e = load(s, n, 't', {}) return e end
  local pos, len, pieces, late = 1, #s, 0, false
  local _, e = load(function()
    if pos > len or late then return nil end
    pieces = pieces + 1
    if pieces % 64 == 0 and clock() > deadline then late = true return nil end
    local piece = sub(s, pos, pos + 63)
    pos = pos + 64
    return piece
  end, n, 't', {})
  if late then return false end
  return e
end
"""


#: Sources up to this size keep their answer (a kernel cell is checked by ``plan_lua``, then
#: again by ``translate_chunk`` as the VM compiles it; cells are short and run again).
CACHED_BYTES = 4096


def compile_error(source: str | bytes, chunk_name: str) -> tuple[int, str] | None:
    """``None`` when ``source`` compiles as a Lua 5.4 text chunk, else ``(line, message)``.
    Raises ``LuauSyntaxError`` when the parser needs more than ``DEADLINE_S``: every source
    a host compiles passes here first, so this one check bounds compiling everywhere."""
    if len(source) <= CACHED_BYTES:
        return _cached_compile_error(source, chunk_name)
    return _compile_error(source, chunk_name)


@lru_cache(maxsize=256)
def _cached_compile_error(source: str | bytes, chunk_name: str) -> tuple[int, str] | None:
    return _compile_error(source, chunk_name)


def _compile_error(source: str | bytes, chunk_name: str) -> tuple[int, str] | None:
    global _load
    with _lock:
        if _load is None:
            runtime = lupa.LuaRuntime(register_eval=False, register_builtins=False, encoding=None)
            _load = runtime.execute(LOAD)
        data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        error = _load(data, ("=" + chunk_name).encode(), time.monotonic, time.monotonic() + DEADLINE_S)
    if error is None:
        return None
    if error is False:
        raise LuauSyntaxError(1, TIMEOUT_MESSAGE)
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    text = text.split("\nstack traceback:", 1)[0]  # a "C stack overflow" comes with one
    prefix = chunk_name + ":"
    if text.startswith(prefix):
        m = _LINE.match(text[len(prefix) :])
        if m:
            return int(m.group(1)), m.group(2)
    return 1, text
