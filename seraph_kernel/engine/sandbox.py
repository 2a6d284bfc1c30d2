"""The VM factory: a lupa ``lua54`` runtime locked down as DESIGN.md "Sandbox" requires.

``register_eval=False``/``register_builtins=False`` keep Python out of the globals, the
attribute filter refuses every attribute of any Python object that might still reach Lua,
and ``loader.lua`` builds the user environment from an allow-list (never by deleting from
the default one). Python only keeps the privileged functions ``loader.lua`` returns.

Hooks are armed asynchronously: an always-on count hook halves Lua's speed, so coroutines only
*register* their hook, and :func:`arm` switches it on from another thread with the C API's
``lua_sethook`` (which Lua documents as safe to call asynchronously, the way ``lua.c`` stops a
script on Ctrl-C). If the symbols are not available, hooks stay on (``HOOK_COUNT``).
"""

from __future__ import annotations

import ctypes
import logging
import secrets
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.engine.lua_memory import RESERVE, SLACK, string_size

log = logging.getLogger(__name__)

HOOK_COUNT = 1000
MAX_ERROR_BYTES = 4096
PATTERN_LIMIT = 4e6
"""Matcher steps (a few ns each) above which string.find/match/gmatch/gsub leave C for the
hooked Lua matcher of ``lua_patterns.lua`` (plus 16 steps per subject byte)."""
PATTERNS_CHUNK = "lua_patterns"
BOUNDS_CHUNK = "c_bounds"
LUA_MASKCOUNT = 1 << 3


class SandboxViolation(AttributeError):
    """Lua code tried to read or write an attribute of a Python object."""


def deny_attributes(obj: Any, attr: Any, is_setting: bool) -> Any:
    """lupa attribute filter: Lua never gets at a Python object's attributes."""
    raise SandboxViolation("access to Python objects is not allowed")


@cache
def trusted_source(filename: str) -> str:
    """The source of one of the engine's trusted Lua files."""
    return resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")


def loader_source() -> str:
    return trusted_source("loader.lua")


@cache
def _compiler() -> lupa.LuaRuntime:
    return lupa.LuaRuntime(encoding=None)


@lru_cache(maxsize=512)
def bytecode(source: str, name: str, strip: bool = True) -> bytes:
    """Trusted Lua compiled once per process: each VM loads the bytecode instead of parsing the
    source again, stripped of debug info (smaller VMs; errors raised for the user name the
    user's line, see ``rethrow`` in loader.lua)."""
    return _compiler().execute(
        b"local src, name, strip = ... return string.dump(assert(load(src, '=' .. name, 't')), strip)",
        source.encode("utf-8"),
        name.encode("utf-8"),
        strip,
    )


class HookArmer:
    """``lua_sethook`` from the lupa extension module, and the address of Lua's own
    ``debug.sethook`` dispatcher (``hookf``), found once per process."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(lupa.__file__)
        self._sethook = lib.lua_sethook
        self._sethook.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
        self._sethook.restype = None
        gethook = lib.lua_gethook
        gethook.argtypes = (ctypes.c_void_p,)
        gethook.restype = ctypes.c_void_p
        probe = lupa.LuaRuntime()
        state = probe.execute(
            "local co = coroutine.create(function() end) debug.sethook(co, function() end, '', 1000)"
            " probe_co = co return string.format('%p', co)"
        )
        self._hookf = gethook(int(state, 16))
        if not self._hookf:
            raise OSError("lua_gethook returned NULL")
        self._probe = probe

    def arm(self, states: Iterable[int]) -> None:
        """Make the registered hook of each lua_State fire on its next instruction."""
        for state in states:
            self._sethook(state, self._hookf, LUA_MASKCOUNT, 1)


@cache
def hook_armer() -> HookArmer | None:
    try:
        return HookArmer()
    except (OSError, AttributeError, ValueError) as exc:
        log.warning("async hook arming unavailable (%s); scripts run with an always-on count hook", exc)
        return None


class Privileged:
    """The functions of ``loader.lua``'s privileged table, fetched once.

    lupa returns garbage when Python reads a field of a table made outside the running
    coroutine while Lua is running (inside a binding called from Lua); calling a function
    object that Python already holds is safe. So every internal function is looked up here,
    at VM creation, and ``table`` is only passed back into Lua, never read during a run.
    """

    # Slots, not a dict, and only the functions Python calls (the others, such as P.sleep or
    # P.add_line, are for trusted Lua, which gets them from ``table``): one per VM, and a dict
    # of 32 attributes with their lupa wrappers was 2.8 KB (issue 14's RSS per script).
    __slots__ = (
        "cancel_task",
        "classify",
        "collect",
        "compile",
        "env",
        "lazy",
        "make_async",
        "make_function",
        "make_hook",
        "make_indexed",
        "new_task",
        "register_kind",
        "release_coroutines",
        "reset_tasks",
        "results",
        "set_dispatch",
        "set_lines_out",
        "start_run",
        "table",
        "tag",
        "take_cleanup",
        "take_lines",
        "task_thread",
        "trusted",
        "wipe",
    )
    FROM_LUA = tuple(name for name in __slots__ if name not in ("table", "tag"))

    def __init__(self, table: Any):
        self.table = table
        for name in self.FROM_LUA:
            value = table[name]
            if value is None:
                raise AttributeError(f"loader.lua's P has no {name}")
            setattr(self, name, value)


def chunk_fetcher(runtime: lupa.LuaRuntime, filename: str, chunkname: str) -> Callable[[], bytes | None]:
    """A ``fetch`` for lazy_chunks.lua: the bytecode of one trusted file, or None when pushing
    it would not fit under the runtime's memory cap (pushing a Python value into Lua is not
    protected: see ``lua_memory``), which the VM's first call needing it turns into a clean
    "not enough memory" error."""
    code = bytecode(trusted_source(filename), chunkname)
    need = string_size(code) + SLACK

    def fetch() -> bytes | None:
        cap = runtime.get_max_memory()
        if cap and cap - runtime.get_memory_used() < need:
            return None
        return code

    return fetch


def lazy_functions(
    runtime: lupa.LuaRuntime, load_binary: Any, limit: float = PATTERN_LIMIT
) -> tuple[Any, Any]:
    """lazy_chunks.lua in ``runtime`` (``load_binary`` loads a bytecode chunk there): the pattern
    functions (what c_bounds.lua takes as ``patterns``) and c_bounds.lua's table, each function
    a stub that loads its chunk on first call; each table's ``module()`` loads it at once.
    ``limit``: the cost above which a pattern call runs in the Lua port (tests lower it)."""
    chunk = load_binary(bytecode(trusted_source("lazy_chunks.lua"), "lazy_chunks"))
    return chunk(
        chunk_fetcher(runtime, "lua_patterns.lua", PATTERNS_CHUNK),
        chunk_fetcher(runtime, "c_bounds.lua", BOUNDS_CHUNK),
        limit,
    )


def pattern_functions(runtime: lupa.LuaRuntime, load_binary: Any, limit: float = PATTERN_LIMIT) -> Any:
    """The pattern functions of :func:`lazy_functions`."""
    return lazy_functions(runtime, load_binary, limit)[0]


def create_runtime(
    memory_bytes: int | None, register: Callable[[str], None], forget: Callable[[str], None]
) -> tuple[lupa.LuaRuntime, Privileged]:
    """A fresh runtime and its privileged functions (see ``loader.lua``). ``register`` /
    ``forget`` receive the ``%p`` address of each coroutine the VM creates / drops. The
    privileged functions also carry ``tag``: the first value of every scheduler request, a
    random integer no user code ever sees (so it cannot forge a request)."""
    tag = secrets.randbits(62) | (1 << 62)
    runtime = lupa.LuaRuntime(
        register_eval=False,
        register_builtins=False,
        unpack_returned_tuples=True,
        max_memory=memory_bytes or 0,
        attribute_filter=deny_attributes,
    )
    load_binary = runtime.eval("function(code) return assert(load(code, '=loader', 'b')) end")
    ceiling = runtime.get_max_memory(True) - RESERVE if memory_bytes else None
    bounded = lazy_functions(runtime, load_binary)[1]
    table = load_binary(bytecode(loader_source(), "loader"))(
        HOOK_COUNT,
        MAX_ERROR_BYTES,
        bounded,
        hook_armer() is not None,
        register,
        forget,
        tag,
        ceiling,
    )
    privileged = Privileged(table)
    privileged.tag = tag
    return runtime, privileged
