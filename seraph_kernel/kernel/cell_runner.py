"""The kernel's state outside Jupyter: the fleet, the bot ``%use`` binds, the cell VM.

Plain async Python, so it can be driven without a kernel. Output goes to an
:class:`OutputSink` (the kernel publishes it on IOPub); ``emit`` and ``display`` are called
from Lua worker threads.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Protocol

import lupa.lua54 as lupa

from seraph_kernel.engine.context import binding_error
from seraph_kernel.errors import LuaCompileError, UnknownBot
from seraph_kernel.kernel.display import NumberFormat, format_luau_number, format_number
from seraph_kernel.kernel.lazy_fleet import LazyFleet
from seraph_kernel.kernel.magics.base import MagicError

#: How long :meth:`CellRunner.run` blocks the event loop's thread for a cell to end before it
#: awaits the run instead (a cell that calls a binding stops the wait at once). A trivial
#: cell ends well within it and its result skips a turn of the loop; the loop is never held
#: longer than this, so interrupts, comms and the bots' I/O wait at most this long.
QUICK_RUN_S = 0.002


class OutputSink(Protocol):
    """Where a cell's Lua output goes; both methods may be called from any thread."""

    def emit(self, level: str, text: str) -> None: ...

    def display(self, value: Any) -> None: ...

    def clear_output(self, wait: bool) -> None: ...


@dataclass
class CellOutcome:
    """How a Lua cell ended: its returned values, or an error (``ename``/``evalue``)."""

    results: tuple[Any, ...] = ()
    ename: str | None = None
    evalue: str | None = None

    @property
    def ok(self) -> bool:
        return self.ename is None


class CellServices:
    """The :class:`~seraph_kernel.engine.contract.ScriptServices` of the cell VM."""

    def __init__(self, session: CellRunner) -> None:
        self._session = session

    @property
    def fleet(self) -> LazyFleet:
        return self._session.fleet

    def client_id(self) -> str | None:
        """The ``%use`` bot; with none, the only bot of the kernel's own fleet, bound now."""
        if self._session.bot_id is None:
            self._session.bind_only_bot()
        return self._session.bot_id

    def unbound_reason(self) -> str | None:
        """What ``getClient()`` raises with no bot in use: how to choose one."""
        return self._session.unbound_reason()

    def emit(self, level: str, text: str) -> None:
        self._session.sink.emit(level, text)

    def emit_many(self, lines: list[tuple[str, str]]) -> None:
        """A batch of the cell's printed lines: to the sink in one go when it takes batches."""
        sink = self._session.sink
        emit_many = getattr(sink, "emit_many", None)
        if emit_many is not None:
            emit_many(lines)
            return
        for level, text in lines:
            sink.emit(level, text)

    def display(self, value: Any) -> None:
        self._session.sink.display(value)


class CellRunner:
    """One kernel's Lua cells: a long-lived VM whose globals persist, bound to a bot."""

    def __init__(self, sink: OutputSink, fleet: LazyFleet | None = None) -> None:
        self.sink = sink
        self.fleet = fleet or LazyFleet()
        self.bot_id: str | None = None
        self._engine: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._vm: Any = None
        self._vm_lock: asyncio.Lock | None = None
        self._run: Any = None
        self._getmetatable: Any = None
        self._tostring: Any = None
        self.luau = False
        """The running (or last) cell is Luau: its values are shown as Luau prints numbers."""

    # -- bots ------------------------------------------------------------------------------
    async def use(self, bot_id: str) -> dict[str, Any]:
        """Bind ``getClient()`` to ``bot_id``; raises ``UnknownBot``. Returns its snapshot."""
        snapshot = await self.fleet.get_bot(bot_id)
        self.bot_id = bot_id
        return snapshot

    async def bot(self, explicit: str | None = None) -> str:
        """The bot a magic acts on: the one named, else the ``%use`` one."""
        if explicit:
            await self.fleet.get_bot(explicit)
            return explicit
        if self.bot_id is None:
            raise MagicError("no bot selected: %use <id> or %create_bot first")
        try:
            await self.fleet.get_bot(self.bot_id)
        except UnknownBot:
            raise MagicError(f"the bot in use ({self.bot_id}) no longer exists: %use another") from None
        return self.bot_id

    def _bot_ids_from_worker(self) -> list[str] | None:
        """The fleet's bot ids, read from a Lua worker thread (``None`` on the loop's own thread
        or before the VM exists: blocking there would deadlock)."""
        loop = self._loop
        if loop is None or not loop.is_running() or _on_loop(loop):
            return None
        if self._run is not None:
            self._run.wants_loop()
        future = asyncio.run_coroutine_threadsafe(self.fleet.list_bots(), loop)
        return [bot["id"] for bot in future.result(timeout=30)]

    def own_fleet(self) -> bool:
        """Whether the fleet is this kernel's own: its embedded one, or its own workspace of a
        server's (not one shared with other notebooks, scripts and ``curl``)."""
        target = self.fleet.target()
        return target.kind == "local" or bool(getattr(target, "owns_workspace", False))

    def bind_only_bot(self) -> None:
        """``getClient()`` with no ``%use``: bind the fleet's only bot, but only on the kernel's
        own fleet. A shared fleet's only bot may be another notebook's, so it is never guessed."""
        if not self.own_fleet():
            return
        ids = self._bot_ids_from_worker()
        if ids is not None and len(ids) == 1:
            self.bot_id = ids[0]
            self.sink.emit("info", f"getClient() is {ids[0]}, the only bot (%use <id> to choose another)")

    def unbound_reason(self) -> str:
        """The error of ``getClient()`` without a bot: the ``%use`` to run, and the ids to pick."""
        ids = self._bot_ids_from_worker() or []
        if not ids:
            return "getClient: no bot in use and the fleet has none: run %create_bot first"
        listed = ", ".join(ids[:20]) + (f", … ({len(ids)} bots)" if len(ids) > 20 else "")
        where = "" if self.own_fleet() else " (the fleet is shared, so none is picked for you)"
        return f"getClient: no bot in use{where}: run %use <id> with one of: {listed}"

    # -- Lua -------------------------------------------------------------------------------
    async def vm(self) -> Any:
        """The cell VM, made on first use (a cell, or a completion request before any cell);
        its engine runs async bindings on this loop."""
        if self._vm is not None:
            return self._vm
        if self._vm_lock is None:
            self._vm_lock = asyncio.Lock()
        async with self._vm_lock:
            return await self._make_vm()

    async def _make_vm(self) -> Any:
        if self._vm is None:
            from seraph_kernel.engine.engine import LuaEngine

            self._loop = asyncio.get_running_loop()
            engine = LuaEngine(limits=cell_limits(), loop=self._loop)
            await engine.start()
            vm = engine.new_vm(CellServices(self))
            vm.settle_lazy()  # completion reads the env from Python: every builtin there from the start
            vm.context.env["clear_output"] = vm.context.function("clear_output", self._clear_output)
            vm.context.env["display"] = vm.privileged.make_function(self._display_raw)
            vm.dialect_listeners.append(self._dialect)
            pristine = vm.runtime.globals()  # the runtime's own library, not the user's env
            self._getmetatable, self._tostring = pristine.debug.getmetatable, pristine.tostring
            self._engine, self._vm = engine, vm
        return self._vm

    def _dialect(self, luau: bool) -> None:
        self.luau = luau

    @property
    def number_format(self) -> NumberFormat:
        """How the cell's values write numbers: as Luau prints them after a Luau cell
        (``10/2`` shows ``5``), as Lua 5.4 does otherwise (``5.0``)."""
        return format_luau_number if self.luau else format_number

    def _display_raw(self, *args: Any) -> tuple[bool, Any]:
        """``display(value)`` in cells gets the Lua value itself (functions, vectors, tables
        holding functions), not its plain-data copy: any value can be shown. The
        ``(ok, result)`` pair is the runtime's binding convention."""
        try:
            self.sink.display(args[0] if args else None)
            return True, None
        except BaseException as exc:
            return False, binding_error("display", exc)

    def _clear_output(self, wait: Any = False) -> None:
        """``clear_output(wait?)`` in cells: clear the cell's output (``wait``: at the next one)."""
        self.sink.clear_output(bool(wait))

    def globals(self) -> dict[str, Any]:
        """The user's plain-data globals (``%%python``'s ``lua``)."""
        return self._idle_vm().get_globals()

    def set_global(self, name: str, value: Any) -> None:
        """Set a global from plain Python data (``nil`` for ``None``)."""
        self._idle_vm().set_global(name, value)

    def _idle_vm(self) -> Any:
        if self._vm is None:
            raise RuntimeError("the Lua VM starts with the first cell")
        if self._run is not None:
            raise RuntimeError("a Lua cell is running")
        return self._vm

    def completion_namespace(self) -> Any:
        """The raw Lua environment of cells (tables, functions, metatables), or ``None`` while
        the VM is busy or not made yet. Only read, never called."""
        if self._vm is None or self._run is not None:
            return None
        return self._vm.context.env

    def lookup(self, name: str) -> Any:
        """The value ``a.b.c`` names among the globals, or ``None`` (nothing is called)."""
        namespace = self.completion_namespace()
        if namespace is None or not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", name):
            return None
        value = namespace
        for key in name.split("."):
            if lupa.lua_type(value) != "table":
                return None
            value = value[key]
        return value

    def tostring(self, value: Any) -> str | None:
        """``tostring(value)`` when its metatable defines ``__tostring`` (vectors), else
        ``None``; safe inside a run (``display`` from Lua) because it only calls Lua."""
        if self._getmetatable is None:
            return None
        meta = self._getmetatable(value)
        if lupa.lua_type(meta) != "table" or meta["__tostring"] is None:
            return None
        return str(self._tostring(value))

    @property
    def running(self) -> bool:
        """A cell is running: the VM's lock is held, so no reads of its globals now."""
        return self._run is not None

    async def run(self, source: str, chunkname: str) -> CellOutcome:
        """Compile and run ``source``; errors come back in the outcome, never raised."""
        vm = await self.vm()
        try:
            function = vm.compile(source, chunkname=chunkname)
        except LuaCompileError as err:
            return CellOutcome(ename="LuaSyntaxError", evalue=_compile_message(str(err), chunkname))
        run = self._run = self._engine.run(vm, function)
        try:
            record = run.record if run.wait_briefly(QUICK_RUN_S) else await run.wait()
        finally:
            self._run = None
        return _outcome(run, record)

    def waiting_on(self) -> list[str]:
        """The names of the bindings the running cell awaits (``setPoint``, ``enterTutorial``,
        …), oldest first; empty when none runs or it is computing."""
        run = self._run
        if run is None:
            return []
        try:
            return [call.name for call in list(run.calls.values())]
        except RuntimeError:  # changed while read (a worker started or ended a call)
            return []

    def interrupt(self) -> bool:
        """End the running cell (kernel interrupt); ``False`` when none runs."""
        if self._run is None:
            return False
        self._run.interrupt()
        return True

    async def close(self) -> None:
        if self._run is not None:
            await self._run.stop()
        if self._engine is not None:
            self._vm.close()
            await self._engine.close()
            self._engine = self._vm = None
        await self.fleet.close()


CELL_OUTPUT_LIMIT_BYTES = 1 << 30


CELL_END_COLLECT_ABOVE = 0.25
"""A cell's end skips the full GC of the cell VM while it uses less than this share of its
cap (three full GCs cost about a third of a trivial cell's round trip); nearer the cap it
collects as scripts do."""


def cell_limits() -> Any:
    """Cells run until they end or are interrupted (no budget without yielding), and may
    return big tables: the display folds them, so the scripts' 1 MB result cap does not apply."""
    from seraph_kernel.engine.engine import Limits

    return Limits(
        budget_ms=None,
        output_limit_bytes=CELL_OUTPUT_LIMIT_BYTES,
        end_collect_above=CELL_END_COLLECT_ABOVE,
    )


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _compile_message(message: str, chunkname: str) -> str:
    """``lua compile: 2: ...`` -> ``executor:2: ...`` so the traceback finds the cell line."""
    prefix = "lua compile: "
    if message.startswith(prefix):
        rest = message[len(prefix) :]
        return rest if rest.startswith(chunkname) else f"{chunkname}:{rest}"
    return message


def _outcome(run: Any, record: Any) -> CellOutcome:
    error = record.error or {}
    if record.state == "COMPLETE":
        return CellOutcome(results=tuple(run.lua_results or ()))
    if error.get("message") == "KeyboardInterrupt" or (record.state == "CANCELLED" and not error):
        return CellOutcome(ename="KeyboardInterrupt", evalue="interrupted")
    names = {"DEADLINE_EXCEEDED": "LuaTimeout", "OUTPUT_SIZE_LIMIT_EXCEEDED": "LuaOutputLimit"}
    return CellOutcome(ename=names.get(error.get("code"), "LuaError"), evalue=str(error.get("message")))
