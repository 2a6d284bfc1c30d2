"""LuaVM: one sandboxed Lua state, its installed modules and its scheduling slot.

A VM runs one :class:`~seraph_kernel.engine.engine.Run` at a time. The scheduler only ever lets
one worker thread into a VM at once (``busy``); ``pending`` holds the work waiting for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractContextManager
from functools import cache, lru_cache
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from seraph_kernel.dialect import LuauSyntaxError, Translation, translate_chunk
from seraph_kernel.engine import native_memory
from seraph_kernel.engine.console_buffer import ConsoleBuffer
from seraph_kernel.engine.context import VmContext
from seraph_kernel.engine.contract import LuaArgumentError, ScriptServices
from seraph_kernel.engine.lazy_modules import LAZY_CORE, LazyInstaller, install_lazily
from seraph_kernel.engine.lua_memory import SLACK, LuaMemory, string_size
from seraph_kernel.engine.sandbox import create_runtime, hook_armer
from seraph_kernel.errors import LuaCompileError

if TYPE_CHECKING:
    from seraph_kernel.engine.engine import LuaEngine
    from seraph_kernel.engine.run import Run

log = logging.getLogger(__name__)

MODULE_GROUP = "seraph.lua_modules"
TEARDOWN_HEADROOM = 8 << 20
CORE_MODULES = ("base", "vector", "json", "enums", "task", "console", "luau")
"""Installed in this order, before any other module; ``luau`` last, so that it wraps the
``print``/``warn`` that ``base`` made and adds to the ``string``/``table`` of the others."""


def _install_order(name: str) -> tuple[int, str]:
    if name in CORE_MODULES:
        return CORE_MODULES.index(name), ""
    return len(CORE_MODULES), name


@cache
def module_installers() -> tuple[tuple[str, Callable[[Any], None]], ...]:
    """Every ``seraph.lua_modules`` entry point: the core modules first (in ``CORE_MODULES``
    order, so plugins can use ``Vector2``, ``json``, ``Errors``), then the others by name.
    The core modules are found by module path when the package metadata is missing (running
    from a source tree). Modules that fail to import are skipped with a warning (a broken
    plugin must not stop every script)."""
    found: dict[str, Callable[[Any], None]] = {}
    for ep in entry_points(group=MODULE_GROUP):
        try:
            found[ep.name] = ep.load()
        except ImportError as exc:
            log.warning("Lua module %s not installed: %s", ep.name, exc)
    for name in CORE_MODULES:
        if name not in found:
            found[name] = import_module(f"seraph_kernel.lua_api.{name}").install
    return tuple(sorted(found.items(), key=lambda item: _install_order(item[0])))


@lru_cache(maxsize=64)
def shared_names(names: tuple[str, ...]) -> frozenset[str]:
    """One frozenset per distinct set of module globals, shared by every VM that has it."""
    return frozenset(names)


def compile_error_message(message: str, chunkname: str) -> str:
    """``executor:3: unexpected symbol`` -> ``lua compile: 3: unexpected symbol`` (001)."""
    prefix = f"{chunkname}:"
    if message.startswith(prefix):
        message = message[len(prefix) :]
    return f"lua compile: {message}"


class LuaVM:
    """A sandboxed VM. Made by :meth:`LuaEngine.new_vm`."""

    def __init__(
        self,
        engine: LuaEngine,
        services: ScriptServices,
        console: ConsoleBuffer | None = None,
        modules: Iterable[str] | None = None,
        lazy: bool = True,
    ):
        self.engine = engine
        self._states: set[int] = set()
        self._states_lock = threading.Lock()
        self.runtime, self.privileged = create_runtime(
            engine.limits.memory_bytes, self._register_state, self._forget_states
        )
        self.memory = LuaMemory(self.runtime)
        self.services = services
        own_console = console is None
        if console is None:
            console = ConsoleBuffer(engine.limits.console_lines, max_bytes=engine.limits.console_bytes)
        self.console = console
        self.bindings: list[tuple[str, Callable[..., Awaitable[Any]]]] = []
        self.json_null: Any = None
        #: the console module's ``view(kind, read, add, clear)``: builds a Console/Logger handle
        #: (the client module makes other bots' handles with it)
        self.console_view: Any = None
        self.active_run: Run | None = None
        self.closed = False
        # scheduler slot (guarded by the scheduler's lock)
        # a list, not a deque: an empty deque is 760 bytes, and every VM has this slot
        self.pending: list[tuple[Any, ...]] = []
        self.busy = False
        self.queued = False
        self.context = VmContext(self, services, self.console, own_console)
        self.lazy_settlers: list[Any] = []
        """Lua functions that build a lazy library at once (see :meth:`add_lazy_library`)."""
        self._lazy_globals: list[str] = []
        #: the VM's modules installed on first use (``lazy_modules``), if any
        self.lazy_installer: LazyInstaller | None = None
        self.dialect_listeners: list[Callable[[bool], None]] = []
        """Called by :meth:`compile` with whether the chunk is Luau (the ``luau`` module
        switches number printing with it), when that differs from the last chunk's."""
        #: whether the last chunk compiled was Luau (None before the first)
        self.luau_chunk: bool | None = None
        #: ``(module, env names it added, Lua bytes it cost)`` for a VM made with ``lazy=False``
        #: (the probe of ``lazy_modules.module_profiles``).
        self.install_log: list[tuple[str, tuple[str, ...], int]] = []
        wanted = None if modules is None else set(modules)
        later: list[tuple[str, Callable[[Any], None]]] = []
        self.context.installing = True
        for name, install in module_installers():
            if wanted is not None and name not in wanted:
                continue
            if lazy and (name in LAZY_CORE or name not in CORE_MODULES):
                later.append((name, install))
            elif lazy:
                install(self.context)
            else:
                self._install_logged(name, install)
        self.context.installing = False
        if later:
            self.lazy_installer = install_lazily(self, later)
        self.context.forget_chunks()
        env_names = (k for k in self.privileged.env if isinstance(k, str))
        self.builtin_names = shared_names(tuple(sorted({*env_names, *self._lazy_globals})))
        self._lazy_globals.clear()
        self.privileged.collect()  # the garbage of installing, before the VM sits idle

    def _install_logged(self, name: str, install: Callable[[Any], None]) -> None:
        env = self.privileged.env
        self.privileged.collect()
        before, used = set(env), self.runtime.get_memory_used() or 0
        install(self.context)
        self.privileged.collect()
        added = tuple(sorted(k for k in env if isinstance(k, str) and k not in before))
        self.install_log.append((name, added, (self.runtime.get_memory_used() or 0) - used))

    # -- coroutine states, for arming hooks from another thread ---------------------------
    def _register_state(self, address: str) -> None:
        with self._states_lock:
            self._states.add(int(address, 16))

    def _forget_states(self, addresses: str) -> None:
        with self._states_lock:
            self._states.difference_update(int(a, 16) for a in addresses.split())

    def arm_hooks(self) -> None:
        """Make every coroutine of the VM run its hook at its next instruction (thread-safe)."""
        armer = hook_armer()
        if armer is None:
            return
        with self._states_lock:
            armer.arm(self._states)

    def release_states(self) -> None:
        """The run is over: forget the coroutines (Python first, then Lua lets them go)."""
        with self._states_lock:
            self._states.clear()
        self.privileged.release_coroutines()

    def flush_lines(self) -> None:
        """Worker side, no coroutine of the VM running: hand the console the lines the script
        printed that no yield carried yet (a task that died, ``__close`` handlers), before the
        runtime adds its own line (the error) after them."""
        try:
            with self.memory.lifted(SLACK):
                values = self.privileged.take_lines()
        except lupa.LuaError:
            log.exception("could not take the pending console lines of a script")
            return
        if values is None:
            return
        self.context.emit_lines(*(values if type(values) is tuple else (values,)))

    def memory_headroom(self) -> AbstractContextManager[None]:
        """Lift the memory cap a little while the runtime tears a run down: a script that died
        of "not enough memory" leaves the VM full, and closing its coroutines needs a little."""
        return self.memory.lifted(TEARDOWN_HEADROOM)

    def add_lazy_library(self, globals_: Iterable[str], settle: Any) -> None:
        """A module installed a library that loader.lua's ``P.lazy`` builds on first use:
        ``globals_`` are the env names it will add (builtins, not the user's globals), and
        ``settle`` builds it at once (:meth:`settle_lazy`)."""
        self._lazy_globals.extend(globals_)
        self.lazy_settlers.append(settle)

    def settle_lazy(self) -> None:
        """Build every lazy library now, outside any run: for a VM whose environment is read
        from Python (the kernel's completion), where nothing should appear later."""
        for settle in self.lazy_settlers:
            settle()

    def add_binding(self, name: str, fn: Callable[..., Awaitable[Any]]) -> int:
        self.bindings.append((name, fn))
        return len(self.bindings)

    def compile(
        self, source: str, chunkname: str = "executor", translation: Translation | None = None
    ) -> Any:
        """Compile a Luau or Lua 5.4 text chunk in the sandbox env (``seraph_kernel.dialect``
        translates it, keeping every line) for the next run; raises ``LuaCompileError`` with
        the user's line. Tells ``dialect_listeners`` which dialect the chunk is.
        ``translation``: ``translate_chunk(source, chunkname)`` already done (off the event
        loop, see ``registry.translate_off_loop``)."""
        if not isinstance(source, str):
            raise LuaCompileError("lua compile: source must be a string")
        try:
            chunk = translation or translate_chunk(source, chunkname)
        except LuauSyntaxError as exc:
            raise LuaCompileError(f"lua compile: {exc}") from None
        try:
            # pushing the text is not protected: room for it, even in a VM the script filled
            # (parsing is protected and fails cleanly)
            with self.memory.lifted(string_size(chunk.text) + SLACK):
                result = self.privileged.compile(chunk.text, chunkname)
        except lupa.LuaMemoryError as exc:
            raise LuaCompileError("lua compile: not enough memory") from exc
        except UnicodeError as exc:
            raise LuaCompileError("lua compile: invalid UTF-8") from exc
        if isinstance(result, tuple):
            raise LuaCompileError(compile_error_message(str(result[1]), chunkname))
        if chunk.luau == self.luau_chunk:
            return result  # the listeners know (one Lua call less per compile, on the loop)
        try:
            with self.memory.lifted(SLACK):  # listeners swap a few Lua functions, also in a full VM
                for listener in self.dialect_listeners:
                    listener(chunk.luau)
            self.luau_chunk = chunk.luau
        except lupa.LuaError as exc:  # the first Luau chunk builds luau_core.lua: it may not fit
            memory = isinstance(exc, lupa.LuaMemoryError) or "not enough memory" in str(exc)
            message = "not enough memory" if memory else str(exc)
            raise LuaCompileError(f"lua compile: {message}") from exc
        return result

    def spawn(self, lua_fn: Any, args: tuple[Any, ...]) -> bool:
        run = self.active_run
        if run is None or lupa.lua_type(lua_fn) != "function":
            return False
        return run.post_spawn(lua_fn, args)

    def get_globals(self) -> dict[str, Any]:
        """The user's globals that are plain data (functions, coroutines and the like left out)."""
        out: dict[str, Any] = {}
        for key, value in self.privileged.env.items():
            if not isinstance(key, str) or key in self.builtin_names:
                continue
            try:
                out[key] = self.context.from_lua(value)
            except LuaArgumentError:
                continue
        return out

    def set_global(self, name: str, value: Any) -> None:
        self.memory.require(value)
        self.privileged.env[name] = self.context.to_lua(value)

    def close(self) -> None:
        """Drop the VM: stop its run (if any) and run the modules' ``on_close`` handlers."""
        if self.closed:
            return
        self.closed = True
        run = self.active_run
        if run is not None:
            run.request_kill("stop")
        self.context.run_closers()
        if run is None or run.phase == "done":
            self.engine.scheduler.post(self, ("release", None))
        else:
            run.on_done.append(lambda _run: self.engine.scheduler.post(self, ("release", None)))

    def release_memory(self) -> None:
        """Worker side, once closed and its run over: free the script's Lua memory now, without
        the GIL (loader.lua's ``P.wipe``), rather than when Python collects the VM."""
        used = self.runtime.get_memory_used()
        with self.memory.lifted():
            self.privileged.wipe()
        native_memory.freed(used - self.runtime.get_memory_used())
