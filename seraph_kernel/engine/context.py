"""VmContext: the :class:`~seraph_kernel.engine.contract.ModuleContext` a VM hands each module.

It is the only place Python values cross into Lua: callables become Lua closures built in the
privileged loader (the Python object stays an unreachable upvalue), data is copied into Lua
tables. Conversions keep plain numbers and strings untouched, so a binding call costs about a
microsecond. Every value of a size the script controls is measured against the VM's memory
first (``lua_memory``): one that does not fit is the script's "not enough memory" error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from seraph_kernel.engine.console_buffer import ConsoleBuffer
from seraph_kernel.engine.contract import LuaArgumentError, OnExecutor, ScriptServices
from seraph_kernel.engine.lua_memory import NO_ROOM, NotEnoughLuaMemory, string_size
from seraph_kernel.engine.sandbox import bytecode
from seraph_kernel.engine.values import VALUE_TYPES, Vec2, Vec2i
from seraph_kernel.errors import SeraphError

if TYPE_CHECKING:
    from seraph_kernel.engine.vm import LuaVM

log = logging.getLogger(__name__)

PLAIN = (int, float, str, bool, type(None))
MAX_DEPTH = 100
VALUE_CLASSES = frozenset(VALUE_TYPES.values())


def binding_error(name: str, exc: BaseException) -> str:
    """The message a Lua caller sees for an exception raised by binding ``name``."""
    if isinstance(exc, (LuaArgumentError, SeraphError)):
        message = str(exc)
    elif isinstance(exc, lupa.LuaMemoryError):
        message = "not enough memory"
    else:
        log.exception("Lua binding %s failed", name)
        message = f"internal error: {type(exc).__name__}: {exc}"
    if message.startswith(f"{name}:"):
        return message
    return f"{name}: {message}"


class VmContext:
    """Everything a module's ``install(ctx)`` may use; see ``contract.ModuleContext``."""

    def __init__(self, vm: LuaVM, services: ScriptServices, console: ConsoleBuffer, own_console: bool):
        self.vm = vm
        self.services = services
        self.console = console
        self._own_console = own_console
        self._runtime = vm.runtime
        self.memory = vm.memory
        self._privileged = vm.privileged
        self.env = vm.privileged.env
        self._closers: list[Callable[[], Any]] = []
        self._value_ctors: dict[type, Any] = {}
        self._functions: list[tuple[str, Callable[..., Any]]] = []
        self._chunks: dict[str, Any] = {}
        self._privileged.set_dispatch(self._dispatch)
        self._step_aside = vm.engine.loop_first.step_aside
        self._privileged.set_lines_out(self.emit_lines)
        self._emit_many: Callable[[list[tuple[str, str]]], None] | None = getattr(services, "emit_many", None)
        #: True while the modules install: their values are the modules' own (no script data
        #: yet) and the VM is empty, so ``to_lua`` does not measure them first.
        self.installing = False

    # -- callables -----------------------------------------------------------------------
    def function(self, name: str, fn: Callable[..., Any]) -> Any:
        self._functions.append((name, fn))
        return self._privileged.make_indexed(len(self._functions))

    def _dispatch(self, index: int, *args: Any) -> Any:
        """Every synchronous binding of the VM, by the index :meth:`function` gave it: one
        Python callable per VM instead of one per binding (see loader.lua's make_indexed)."""
        self._step_aside()
        name, fn = self._functions[index - 1]
        try:
            for arg in args:
                if not isinstance(arg, PLAIN):
                    args = tuple(self.from_lua(a) for a in args)
                    break
            result = fn(*args)
            if isinstance(result, PLAIN):
                if type(result) is str and not self.memory.fits(string_size(result)):
                    raise NotEnoughLuaMemory()
                return True, result
            return self.results_for_lua(result)
        except BaseException as exc:  # every failure becomes a Lua error, never a Python object
            return self.failure(binding_error(name, exc))

    def failure(self, message: str) -> tuple[bool, Any]:
        """What a failed binding hands Lua: its message, or (when even that does not fit)
        the number loader.lua turns into "not enough memory"."""
        if self.memory.fits(string_size(message)):
            return False, message
        return False, NO_ROOM

    def async_function(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Any:
        binding_id = self.vm.add_binding(name, fn)
        return self._privileged.make_async(binding_id)

    def threaded_function(self, name: str, fn: Callable[..., Any], executor: Executor) -> Any:
        binding_id = self.vm.add_binding(name, OnExecutor(fn, executor))
        return self._privileged.make_async(binding_id)

    def spawn(self, lua_fn: Any, *args: Any) -> bool:
        """Run a Lua function as a new task of the VM's active run (thread-safe)."""
        return self.vm.spawn(lua_fn, args)

    def emit(self, level: str, text: str) -> None:
        """One console line (``info``/``warn``/``error``)."""
        if self._own_console:
            self.console.append(level, text)
        self.services.emit(level, text)

    def emit_lines(self, *values: Any) -> None:
        """Lines the script printed, as loader.lua hands them over in one call or yield:
        ``level, text, level, text, ...``. One batch for the console and the services (their
        ``emit_many`` when they have one, else ``emit`` per line). Never raises: Lua calls it."""
        if len(values) >= 32:  # a flood's full batch (not a sleeper's line or two) waits its turn
            self._step_aside()
        try:
            # a sleeper's one line (the common batch) is its own (level, text) pair
            lines = [values] if len(values) == 2 else list(zip(values[0::2], values[1::2], strict=True))
            if self._own_console:
                self.console.append_many(lines)
            if self._emit_many is not None:
                self._emit_many(lines)
            else:
                emit = self.services.emit
                for level, text in lines:
                    emit(level, text)
        except Exception:
            log.exception("console lines of a script were not delivered")

    def lua(self, source: str, *args: Any) -> Any:
        for arg in args:
            if not isinstance(arg, (*PLAIN, bytes)) and lupa.lua_type(arg) is None:
                raise TypeError(f"ctx.lua: cannot pass a Python {type(arg).__name__} to Lua")
        chunk = self._chunks.get(source)
        if chunk is None:  # loaded once per VM: a module running the same code twice shares it
            chunk = self._chunks[source] = self._privileged.trusted(bytecode(source, "module"), "module")
        return chunk(*args)

    def forget_chunks(self) -> None:
        """The modules are installed: let Lua free the chunks nothing runs again."""
        self._chunks.clear()

    # -- data ------------------------------------------------------------------------------
    def register_value_type(self, name: str, metatable: Any, ctor: Any) -> None:
        """Let ``from_lua``/``to_lua`` map Lua values with ``metatable`` to ``VALUE_TYPES[name]``."""
        self._privileged.register_kind(metatable, name)
        if name in VALUE_TYPES:
            self._value_ctors[VALUE_TYPES[name]] = ctor

    def to_lua(self, value: Any) -> Any:
        if isinstance(value, PLAIN) or lupa.lua_type(value) is not None:
            return value
        memory = self.memory
        if not self.installing:
            memory.require(value)
        with memory.lifted():
            return self._convert(value, 0)

    def results_for_lua(self, result: Any) -> tuple[Any, ...]:
        """``(True, values...)`` for Lua; raises :class:`NotEnoughLuaMemory` when they do not fit."""
        values = result if type(result) is tuple else (result,)
        memory = self.memory
        memory.require(values)
        with memory.lifted():
            return (True, *(v if isinstance(v, PLAIN) else self._convert(v, 1) for v in values))

    def _convert(self, value: Any, depth: int) -> Any:
        if value is None:
            return self.json_null if depth > 1 else None
        if isinstance(value, (*PLAIN, bytes)):
            return value
        if lupa.lua_type(value) is not None:
            return value
        if depth > MAX_DEPTH:
            raise LuaArgumentError("value nested too deeply")
        ctor = self._value_ctors.get(type(value))
        if ctor is None and type(value) in VALUE_CLASSES:
            ctor = self._value_ctor_installed(type(value))
        if ctor is not None:
            return ctor(value[0], value[1])
        table = self._runtime.table()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, (str, int, float, bool)):
                    raise LuaArgumentError(f"cannot use a {type(key).__name__} as a table key")
                table[key] = (
                    item if isinstance(item, PLAIN) and item is not None else self._convert(item, depth + 2)
                )
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value, 1):
                table[index] = (
                    item if isinstance(item, PLAIN) and item is not None else self._convert(item, depth + 2)
                )
        else:
            raise LuaArgumentError(f"cannot convert a Python {type(value).__name__} to Lua")
        return table

    def _value_ctor_installed(self, kind: type) -> Any:
        """A value type's constructor, installing ``vector`` first if it is still lazy."""
        installer = self.vm.lazy_installer
        if installer is not None:
            installer.settle_module("vector")
        return self._value_ctors.get(kind)

    @property
    def json_null(self) -> Any:
        """The Lua ``json.null`` sentinel (installed by the json module)."""
        return self.vm.json_null

    def from_lua(self, value: Any) -> Any:
        if isinstance(value, PLAIN):
            return value
        return self._from_lua(value, 0)

    def _from_lua(self, value: Any, depth: int) -> Any:
        if isinstance(value, PLAIN):
            return value
        kind = lupa.lua_type(value)
        if kind != "table":
            if kind is None and isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            raise LuaArgumentError(f"cannot convert a {kind or 'Python'} value")
        if depth > MAX_DEPTH:
            raise LuaArgumentError("table nested too deeply (or cyclic)")
        tag = self._privileged.classify(value)
        if tag is not None:
            name, x, y = tag if isinstance(tag, tuple) else (tag, None, None)
            if name == "null":
                return None
            if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
                raise LuaArgumentError(f"{name} has non-number fields")
            return VALUE_TYPES[name](x, y)
        try:
            items = list(value.items())
        except UnicodeDecodeError as exc:
            raise LuaArgumentError("table holds a string that is not valid UTF-8") from exc
        n = len(items)
        if n and all(isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= n for k, _ in items):
            out: list[Any] = [None] * n
            for k, v in items:
                out[k - 1] = v if isinstance(v, PLAIN) else self._from_lua(v, depth + 1)
            return out
        if n == 0:
            return []
        result: dict[Any, Any] = {}
        for k, v in items:
            if not isinstance(k, (str, int, float)):
                raise LuaArgumentError(f"cannot convert a table with {lupa.lua_type(k) or 'odd'} keys")
            result[k] = v if isinstance(v, PLAIN) else self._from_lua(v, depth + 1)
        return result

    # -- lifecycle -------------------------------------------------------------------------
    def on_close(self, fn: Callable[[], Any]) -> None:
        self._closers.append(fn)

    def run_closers(self) -> None:
        for fn in reversed(self._closers):
            try:
                fn()
            except Exception:
                log.exception("on_close handler failed")
        self._closers.clear()


__all__ = ["Vec2", "Vec2i", "VmContext", "binding_error"]
