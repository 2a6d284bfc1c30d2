"""The Seraph Jupyter kernel: Lua cells, magics, and Python when asked (``%%python``).

It subclasses ipykernel's ``IPythonKernel`` so comms (ipywidgets), history and the IPython
shell behind ``%%python`` come for free. A cell is split into Lua parts and magics
(:mod:`seraph_kernel.kernel.cell_source`); Lua runs on the engine's worker threads, never on the
event loop; its output is published with the cell's parent header from whatever thread
produces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
import threading
import uuid
from typing import Any

import zmq
from ipykernel.ipkernel import IPythonKernel
from traitlets import Float

from seraph_kernel import __version__
from seraph_kernel.errors import SeraphError
from seraph_kernel.kernel.cell_progress import with_cell_progress
from seraph_kernel.kernel.cell_runner import CellOutcome, CellRunner
from seraph_kernel.kernel.cell_source import MagicCall, is_complete, plan_lua, split_cell
from seraph_kernel.kernel.completion import complete
from seraph_kernel.kernel.display import mimebundle, plain_text
from seraph_kernel.kernel.input_history import DeferredInputs
from seraph_kernel.kernel.inspection import inspect_text, word_at
from seraph_kernel.kernel.lua_mapping import LuaGlobals
from seraph_kernel.kernel.magics.base import MagicUsageError
from seraph_kernel.kernel.magics.registry import MagicRegistry
from seraph_kernel.kernel.tracebacks import CELL_CHUNK, format_traceback

SHUTDOWN_TIMEOUT_S = 10.0
_EXIT_WORDS = ("exit", "quit", "exit()", "quit()")
_HELP_REQUEST = re.compile(r"^\s*(\?{1,2})?([A-Za-z_][\w.:]*)(\?{1,2})?\s*$")


class CellFailed(Exception):
    """A cell part failed; its error has been published."""

    def __init__(self, ename: str, evalue: str, traceback: list[str]) -> None:
        super().__init__(evalue)
        self.ename, self.evalue, self.traceback = ename, evalue, traceback

    def reply(self) -> dict[str, Any]:
        """The error fields of the execute_reply."""
        return {"status": "error", "ename": self.ename, "evalue": self.evalue, "traceback": self.traceback}


class SeraphKernel(IPythonKernel):
    """Lua cells bound to a bot, with magics and widgets."""

    implementation = "seraph"
    implementation_version = __version__
    language_info = {
        "name": "lua",
        "version": "5.4",
        "mimetype": "text/x-lua",
        "file_extension": ".lua",
        "codemirror_mode": "lua",
        "pygments_lexer": "lua",
    }
    _execute_sleep = Float(
        0.0,
        help="ipykernel sleeps this long before each execute_reply (0.5 ms by default) so stdout "
        "reaches IOPub first; Lua output is published before the reply without it.",
    ).tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: cell inputs stored when the kernel is idle (unless ``db_cache_size`` is configured:
        #: then IPython stores and writes each input as it comes)
        self._inputs: DeferredInputs | None = None
        if self.shell is not None and "db_cache_size" not in self.config.get("HistoryManager", {}):
            self._inputs = DeferredInputs(self.shell.history_manager)
        self.registry = MagicRegistry.from_entry_points()
        self.runner = CellRunner(_KernelSink(self))
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._cell_parent: dict[str, Any] = {}
        self._cell: tuple[str, int] | None = None
        self._current: asyncio.Task[Any] | None = None
        #: ``_current`` was cancelled by an interrupt (undone once the cell has ended)
        self._cancelled = False
        self._python_mode: str | None = None
        #: SIGINT is ours (ipykernel's handler swap around each request is skipped); cleared
        #: when Python code, which may replace it, has run
        self._sigint_ours = False
        #: SIGINT raises KeyboardInterrupt, as Python's default handler: inside a request,
        #: outside a cell's Lua and magics
        self._sigint_raises = False
        if self.shell is not None:
            self.shell.user_ns["fleet"] = self.runner.fleet
            self.shell.user_ns["lua"] = LuaGlobals(self.runner)

    @property
    def banner(self) -> str:  # type: ignore[override]
        return (
            f"Seraph (Lua) {__version__}: Lua 5.4 cells bound to a game bot.\n"
            "%lsmagic lists the magics, %help <magic> explains one; %%python runs Python."
        )

    @property
    def kernel_info(self) -> dict[str, Any]:  # type: ignore[override]
        info = super().kernel_info
        info["supported_features"] = []  # no Python debugger, no subshells: Lua owns the main thread
        return info

    # -- execute ---------------------------------------------------------------------------
    async def execute_request(self, stream: Any, ident: Any, parent: dict[str, Any]) -> None:
        """ipykernel's, then the reply leaves at once: the shell stream would otherwise hold it
        until the idle status has been handed to the IOPub thread (which then contends with
        the send for the GIL)."""
        await super().execute_request(stream, ident, parent)
        if stream is not None and hasattr(stream, "flush"):
            stream.flush(zmq.POLLOUT)

    async def do_execute(  # type: ignore[override]
        self,
        code: str,
        silent: bool,
        store_history: bool = True,
        user_expressions: dict[str, Any] | None = None,
        allow_stdin: bool = False,
        *,
        cell_meta: dict[str, Any] | None = None,
        cell_id: str | None = None,
    ) -> dict[str, Any]:
        self._main_loop = asyncio.get_running_loop()
        self._cell_parent = self.get_parent("shell")
        shell = self.shell
        count = shell.execution_count
        if store_history:
            if self._inputs is not None:
                self._inputs.add(count, code)
            else:
                shell.history_manager.store_inputs(count, code)
        payload: list[dict[str, Any]] = []
        reply: dict[str, Any] = {"status": "ok", "execution_count": count, "user_expressions": {}}
        self._sigint_raises = False
        # the cell runs in this task (a task of its own cost a round trip two turns of the
        # event loop); an interrupt with no Lua run to end cancels it, and it carries on
        self._current, self._cancelled = asyncio.current_task(), False
        try:
            await self._run_cell(code, count, silent, payload)
        except CellFailed as failed:
            reply.update(failed.reply())
        except asyncio.CancelledError:
            task, self._current = self._current, None
            if not self._cancelled or (task is not None and task.uncancel() > 0):
                raise  # not (only) the interrupt: the kernel is shutting down
            reply.update(self._publish_error("KeyboardInterrupt", "interrupted", []).reply())
        except Exception as err:
            self.log.exception("Seraph kernel error")
            reply.update(self._publish_error(type(err).__name__, str(err), []).reply())
        finally:
            self._current = None
        if store_history:
            shell.execution_count = count + 1
        reply["payload"] = payload
        return reply

    async def _run_cell(self, code: str, count: int, silent: bool, payload: list[dict[str, Any]]) -> None:
        await self.runner.vm()  # made before any part: %%python's `lua` reads its globals
        if code.strip() in _EXIT_WORDS and self.runner.lookup(code.strip().rstrip("()")) is None:
            payload.append({"source": "ask_exit", "keepkernel": False})  # `jupyter console` quits
            return
        help_request = _HELP_REQUEST.match(code)
        if help_request and (help_request.group(1) or help_request.group(3)):
            detail = 1 if "??" in (help_request.group(1) or "") + (help_request.group(3) or "") else 0
            text = self._inspect_name(help_request.group(2), detail)
            payload.append({"source": "page", "data": {"text/plain": text}, "start": 0})
            return
        parts = split_cell(code)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(part, MagicCall):
                await self._run_magic(part)
            else:
                await self._run_lua(part.source, count, show=last and not silent)

    async def _run_magic(self, call: MagicCall) -> None:
        try:
            magic = self.registry.get(call.name)
            await magic(_MagicContext(self), call.args, call.body)
        except MagicUsageError as err:
            raise self._publish_error("UsageError", str(err), []) from None
        except SeraphError as err:
            raise self._publish_error(type(err).__name__, str(err), []) from None

    async def run_lua(self, source: str, show: bool = True) -> None:
        """Run Lua as a cell part (also ``%%lua``); failures raise :class:`CellFailed`."""
        await self._run_lua(source, self.shell.execution_count, show)

    async def _run_lua(self, source: str, count: int, show: bool) -> None:
        plan = plan_lua(source)
        self._cell = (source, count)
        outcome = await with_cell_progress(
            self.runner.run(plan.source, CELL_CHUNK), self.runner, lambda: _ProgressLine(self)
        )
        if not outcome.ok:
            raise self._publish_lua_error(outcome)
        values = list(outcome.results)
        if show and plan.shows_value and values and not all(value is None for value in values):
            self.send_iopub(
                "execute_result",
                {"execution_count": count, "data": self._bundle(values), "metadata": {}},
            )

    def _publish_lua_error(self, outcome: CellOutcome) -> CellFailed:
        ename, evalue = outcome.ename or "LuaError", outcome.evalue or ""
        source, count = self._cell or (None, None)
        return self._publish_error(ename, evalue, format_traceback(ename, evalue, source, count))

    def _publish_error(self, ename: str, evalue: str, traceback: list[str]) -> CellFailed:
        if not traceback:
            traceback = format_traceback(ename, evalue)
        self.send_iopub("error", {"ename": ename, "evalue": evalue, "traceback": traceback})
        return CellFailed(ename, evalue, traceback)

    async def run_python(self, source: str) -> None:
        """Run Python in the IPython shell (``%%python``); errors are shown by IPython."""
        if self._inputs is not None:
            self._inputs.store()  # Python sees every input so far (``In``, ``_i``, ``%history``)
        try:
            transformed, preprocessing_error = self.shell.transform_cell(source), None
        except Exception:
            transformed, preprocessing_error = source, sys.exc_info()
        awaits = self.shell.should_run_async(
            source, transformed_cell=transformed, preprocessing_exc_tuple=preprocessing_error
        )
        self._python_mode = "async" if awaits else "sync"
        try:
            result = await self.shell.run_cell_async(
                source,
                store_history=False,
                silent=False,
                transformed_cell=transformed,
                preprocessing_exc_tuple=preprocessing_error,
            )
        finally:
            self._python_mode = None
            self._sigint_ours = False
            self._arm_interrupt()
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            raise CellFailed(type(error).__name__, str(error), self.shell._last_traceback or [])

    # -- interrupt -------------------------------------------------------------------------
    def pre_handler_hook(self) -> None:
        """ipykernel puts Python's default SIGINT handler in place around each shell request
        and the previous one back after it: with :meth:`_arm_interrupt`, three ``sigaction``
        calls and their enum conversions per cell. Ours stays in place instead and acts as the
        default one inside a request (:meth:`_on_sigint`)."""
        self._sigint_raises = True
        self._arm_interrupt()

    def post_handler_hook(self) -> None:
        self._sigint_raises = False
        if self.get_parent("shell").get("header", {}).get("msg_type") != "execute_request":
            self._sigint_ours = False  # a comm's Python callback may have replaced it

    def _arm_interrupt(self) -> None:
        """SIGINT (the Jupyter interrupt) ends the running Lua cell or cancels the magic.
        ``%%python`` code without ``await`` gets ``KeyboardInterrupt`` raised in it; code with
        ``await`` is cancelled, as ipykernel does (raising there would hit the event loop).
        Installed once, and again after Python code (which may replace it) has run."""
        if not self._sigint_ours and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._on_sigint)
            self._sigint_ours = True

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._python_mode == "sync":
            raise KeyboardInterrupt
        loop = self._main_loop
        if loop is not None and self._current is not None:
            loop.call_soon_threadsafe(self._interrupt)
        elif self._sigint_raises:  # a request outside a cell's run: Python's default
            raise KeyboardInterrupt

    def _interrupt(self) -> None:
        if not self.runner.interrupt() and self._current is not None and not self._cancelled:
            self._cancelled = True
            self._current.cancel()

    # -- output ----------------------------------------------------------------------------
    def send_iopub(self, msg_type: str, content: dict[str, Any]) -> None:
        """Publish with the current cell's parent header; safe from any thread."""
        self.session.send(
            self.iopub_socket, msg_type, content, parent=self._cell_parent, ident=self._topic(msg_type)
        )

    def _bundle(self, values: list[Any]) -> dict[str, str]:
        return mimebundle(values, self.runner.tostring, self.runner.number_format)

    def write_stream(self, name: str, text: str) -> None:
        self.send_iopub("stream", {"name": name, "text": text})

    def display_value(self, value: Any) -> None:
        """``display(x)`` from Lua: a display_data message now."""
        self.send_iopub("display_data", {"data": self._bundle([value]), "metadata": {}, "transient": {}})

    def display_object(self, obj: Any) -> None:
        """Show a widget or any object with a rich repr (magics), through IPython's display."""
        from IPython.display import display

        display(obj)

    # -- completion, inspection, is_complete ----------------------------------------------
    async def do_complete(self, code: str, cursor_pos: int | None) -> dict[str, Any]:  # type: ignore[override]
        cursor_pos = len(code) if cursor_pos is None else cursor_pos
        plugin = await self._magic_completion(code, cursor_pos)
        if plugin is not None:
            matches, typed = plugin
            return {
                "status": "ok",
                "matches": matches,
                "cursor_start": cursor_pos - len(typed),
                "cursor_end": cursor_pos,
                "metadata": {},
            }
        bot_ids = await self._bot_ids_for_completion(code, cursor_pos)
        if not self.runner.running:
            await self.runner.vm()  # a fresh kernel completes `string.` before any cell ran
        namespace = None if self.runner.running else self.runner.completion_namespace()
        matches, start, end = complete(code, cursor_pos, namespace, self.registry, bot_ids)
        return {
            "status": "ok",
            "matches": matches,
            "cursor_start": start,
            "cursor_end": end,
            "metadata": {},
        }

    async def _magic_completion(self, code: str, cursor_pos: int) -> tuple[list[str], str] | None:
        """A magic's own completion of its arguments (``Magic.complete``), when it has one."""
        line = code[code.rfind("\n", 0, cursor_pos) + 1 : cursor_pos]
        argument = re.fullmatch(r"%%?(\w+)\s+(?:.*\s)?(\S*)", line)
        if not argument or argument.group(1) not in self.registry or not self.runner.fleet.started:
            return None
        magic, typed = self.registry.get(argument.group(1)), argument.group(2)
        if magic.complete is None:
            return None
        words = line[: len(line) - len(typed)].lstrip("%").split()
        try:
            matches = await asyncio.wait_for(magic.complete(self.runner.fleet, words, typed), 2.0)
        except (SeraphError, asyncio.TimeoutError, OSError):
            return None
        return None if matches is None else (matches, typed)

    async def _bot_ids_for_completion(self, code: str, cursor_pos: int) -> list[str]:
        line_start = code.rfind("\n", 0, cursor_pos) + 1
        line = code[line_start:cursor_pos]
        if not re.match(r"^%\w+\s", line) or not self.runner.fleet.started:
            return []
        try:
            return [bot["id"] for bot in await asyncio.wait_for(self.runner.fleet.list_bots(), 2.0)]
        except (SeraphError, asyncio.TimeoutError, OSError):
            return []

    async def do_inspect(  # type: ignore[override]
        self, code: str, cursor_pos: int, detail_level: int = 0, omit_sections: Any = ()
    ) -> dict[str, Any]:
        name = word_at(code, cursor_pos)
        if not self.runner.running:
            await self.runner.vm()
        text = self._inspect_name(name, detail_level) if name else ""
        return {
            "status": "ok",
            "found": bool(text),
            "data": {"text/plain": text} if text else {},
            "metadata": {},
        }

    def _inspect_name(self, name: str, detail_level: int) -> str:
        text = inspect_text(name, detail_level, self.registry)
        if text or self.runner.running:
            return text
        value = self.runner.lookup(name)
        return plain_text(value, self.runner.tostring, self.runner.number_format) if value is not None else ""

    async def do_is_complete(self, code: str) -> dict[str, Any]:  # type: ignore[override]
        status, indent = is_complete(code)
        reply: dict[str, Any] = {"status": status}
        if status == "incomplete":
            reply["indent"] = indent
        return reply

    def do_history(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """ipykernel's answer, with the inputs still waiting to be stored."""
        if self._inputs is not None:
            self._inputs.store()
        return super().do_history(*args, **kwargs)

    # -- shutdown --------------------------------------------------------------------------
    async def do_shutdown(self, restart: bool) -> dict[str, Any]:  # type: ignore[override]
        """Store the waiting inputs and close the fleet (bots disconnect cleanly, the embedded
        world stops) on the loop that owns them; shutdown requests arrive on the control
        thread."""
        loop = self._main_loop
        if loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._close(), loop)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.wrap_future(future), SHUTDOWN_TIMEOUT_S)
        return super().do_shutdown(restart)

    async def _close(self) -> None:
        if self._inputs is not None:
            self._inputs.store()  # IPython writes its batch out at exit
        await self.runner.close()


class _KernelSink:
    """Lua output of the cell VM -> IOPub (called from Lua worker threads)."""

    def __init__(self, kernel: SeraphKernel) -> None:
        self._kernel = kernel

    def emit(self, level: str, text: str) -> None:
        if level == "error":
            self._kernel.log.debug("Lua error line: %s", text)  # the cell's error output shows it
            return
        self._kernel.write_stream("stderr" if level == "warn" else "stdout", text + "\n")

    def emit_many(self, lines: list[tuple[str, str]]) -> None:
        """A batch of printed lines: one stream message per run of lines of one stream (an
        IOPub message a line cost more than the line)."""
        name, texts = None, []
        for level, text in lines:
            if level == "error":
                self.emit(level, text)
                continue
            stream = "stderr" if level == "warn" else "stdout"
            if stream != name and texts:
                self._kernel.write_stream(name, "".join(texts))
                texts = []
            name = stream
            texts.append(text + "\n")
        if texts:
            self._kernel.write_stream(name, "".join(texts))

    def display(self, value: Any) -> None:
        self._kernel.display_value(value)

    def clear_output(self, wait: bool) -> None:
        self._kernel.send_iopub("clear_output", {"wait": wait})


class _MagicContext:
    """The :class:`~seraph_kernel.kernel.magics.base.MagicContext` the kernel hands magics."""

    def __init__(self, kernel: SeraphKernel) -> None:
        self._kernel = kernel
        self.runner = kernel.runner
        self.registry = kernel.registry

    def print(self, text: str) -> None:
        self._kernel.write_stream("stdout", text if text.endswith("\n") else text + "\n")

    def display(self, obj: Any) -> None:
        self._kernel.display_object(obj)

    def progress(self) -> _ProgressLine:
        return _ProgressLine(self._kernel)

    async def run_lua(self, source: str) -> None:
        await self._kernel.run_lua(source)

    async def run_python(self, source: str) -> None:
        await self._kernel.run_python(source)


class _ProgressLine:
    """A display whose data starts and ends empty (``{}``: nothing to compare or save) and
    shows text in between, through ``update_display_data``."""

    def __init__(self, kernel: SeraphKernel) -> None:
        self._kernel = kernel
        self._transient = {"display_id": f"seraph-progress-{uuid.uuid4().hex}"}
        self._text: str | None = None
        kernel.send_iopub("display_data", {"data": {}, "metadata": {}, "transient": self._transient})

    def update(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._send({"text/plain": text})

    def close(self) -> None:
        if self._text is not None:
            self._text = None
            self._send({})

    def _send(self, data: dict[str, str]) -> None:
        content = {"data": data, "metadata": {}, "transient": self._transient}
        self._kernel.send_iopub("update_display_data", content)
