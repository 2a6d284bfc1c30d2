"""What a Lua module plugin (entry point group ``seraph.lua_modules``) is given.

A module is a function ``install(ctx: ModuleContext) -> None`` that adds globals to a fresh
VM's environment. Every module of ``lua-api.md`` is installed this way, including the base
ones, so third parties add modules the same way.

Rules a module keeps (see DESIGN.md, "Sandbox"):

- Never put a Python object into ``ctx.env``. Hand Lua only Lua values: use
  :meth:`ModuleContext.function` / :meth:`ModuleContext.async_function` for callables (they
  are wrapped in Lua closures, arguments and results are converted to plain Lua data), and
  :meth:`ModuleContext.to_lua` for data.
- Misuse raises a message that names the Lua function (``setPoint: expected Vector2i, got
  string``): raise :class:`LuaArgumentError` from Python, or ``error()`` in trusted Lua.
- Game-level failures are returned (``Errors.*`` strings), never raised.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, Protocol, runtime_checkable


class LuaArgumentError(Exception):
    """Raised by a Python binding on misuse; the Lua caller sees ``<message>`` as a Lua error
    at its own line (``executor:3: setPoint: expected Vector2i, got string``)."""


@runtime_checkable
class ScriptServices(Protocol):
    """What the host (detached-script runtime or notebook kernel) offers a VM."""

    fleet: Any  # seraph_kernel.fleet.base.Fleet, or None when no fleet is attached

    def client_id(self) -> str | None:
        """The bot ``getClient()`` returns: the run's ``client_id``, or the kernel's ``%use``."""

    def emit(self, level: str, text: str) -> None:
        """Append a console line (``info`` / ``warn`` / ``error``); thread-safe."""

    def display(self, value: Any) -> None:
        """Show a value now (notebook ``display(x)``); detached scripts print it."""


@runtime_checkable
class ModuleContext(Protocol):
    """Handed to each module's ``install``."""

    env: Any  # the Lua table that is the script's globals (``_ENV``)
    services: ScriptServices
    memory: Any  # lua_memory.LuaMemory: ``room()`` before making something big for Lua

    def function(self, name: str, fn: Callable[..., Any]) -> Any:
        """A Lua function calling ``fn`` synchronously. Lua arguments arrive converted to plain
        Python (tables -> dict/list, see ``from_lua``); the return value is converted with
        ``to_lua`` (a tuple returns several values). ``name`` prefixes error messages."""

    def async_function(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Any:
        """A Lua function that suspends only the calling coroutine while ``fn(*args)`` runs on
        the host's event loop, then resumes it with the converted result. Stopping the script
        cancels the awaiting task (the coroutine sees nothing more: it is being killed)."""

    def threaded_function(self, name: str, fn: Callable[..., Any], executor: Executor) -> Any:
        """Like :meth:`async_function` for a blocking ``fn`` (a SQLite transaction): the calling
        task yields, ``fn`` runs on ``executor`` and its result resumes the task, without the
        event loop (one hop less each way) and without holding a worker while it blocks."""

    def lua(self, source: str, *args: Any) -> Any:
        """Run trusted Lua in the privileged loader scope (full standard library, not the
        sandbox env) with ``...`` bound to ``args``; return its results. For writing classes
        and wrappers in Lua (metatables, Vector2). ``args`` may be values made by
        ``function``/``async_function``/``to_lua`` and the env itself."""

    def to_lua(self, value: Any) -> Any:
        """Plain Python data -> Lua value (dict/list -> table, lists 1-indexed; None -> nil;
        the JSON null sentinel -> ``json.null``)."""

    def from_lua(self, value: Any) -> Any:
        """Lua value -> plain Python data; tables with keys 1..n become lists. Raises
        ``LuaArgumentError`` for functions, userdata, threads or cycles."""

    def on_close(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` when the VM is dropped (unsubscribe from fleet events, cancel tasks)."""


class OnExecutor:
    """A binding of :meth:`ModuleContext.threaded_function`: ``fn`` and where it runs."""

    __slots__ = ("executor", "fn")

    def __init__(self, fn: Callable[..., Any], executor: Executor) -> None:
        self.fn = fn
        self.executor = executor
