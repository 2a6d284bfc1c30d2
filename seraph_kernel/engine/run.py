"""Run: one execution of a chunk in a VM, seen from both sides.

The event loop side asks it to stop (``stop``/``interrupt``/``request_kill``, thread-safe, never
touching Lua); the worker side (``LuaEngine``) keeps its tasks, task groups (the coroutines
sharing one hook), binding calls in flight, cleanups and :class:`RunRecord`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seraph_kernel.engine.lua_memory import NO_ROOM, string_size
from seraph_kernel.engine.records import RunRecord, epoch_ms
from seraph_kernel.vocab import CANCELLED, DEADLINE_EXCEEDED, FAILED, INTERNAL_ERROR, SCRIPT_ERROR

if TYPE_CHECKING:
    from seraph_kernel.engine.engine import LuaEngine
    from seraph_kernel.engine.vm import LuaVM

KILL_STOP, KILL_INTERRUPT = "stop", "interrupt"
STOP_MESSAGE = "script stopped"
INTERRUPT_MESSAGE = "KeyboardInterrupt"
ENDED_MESSAGE = "script ended"


def budget_message(budget_ms: int) -> str:
    """The error of a script that ran longer than its budget without yielding."""
    return f"script ran for more than {budget_ms} ms without yielding"


class TaskGroup:
    """The coroutines sharing one hook: the run's user tasks, or one cleanup."""

    __slots__ = ("budget_s", "cleanup", "hook", "run", "slice_started")

    def __init__(self, run: Run, cleanup: bool = False):
        self.run = run
        self.cleanup = cleanup
        budget = run.engine.limits.budget_ms
        self.budget_s = None if budget is None else budget / 1000
        self.slice_started = time.monotonic()
        self.hook = run.vm.privileged.make_hook(self._message_for_lua)

    def _message_for_lua(self) -> str | int | None:
        """``check()`` as the hook hands it to Lua: a message that no longer fits in a full VM
        becomes ``NO_ROOM`` (loader.lua raises its preallocated "not enough memory")."""
        message = self.check()
        if message is not None and not self.run.vm.memory.fits(string_size(message)):
            return NO_ROOM
        return message

    def check(self) -> str | None:
        """Called by the instruction hook: the message to kill the running coroutine with."""
        run = self.run
        if self.cleanup or run.phase != "main":
            return run.end_phase_over()
        message = run.kill_message
        if message is not None:
            return message
        now = time.monotonic()
        if self.budget_s is not None and now - self.slice_started > self.budget_s:
            return run.request_kill("error", budget_message(run.engine.limits.budget_ms), SCRIPT_ERROR)
        if run.deadline is not None and now > run.deadline:
            return run.request_kill("error", run.timeout_message, DEADLINE_EXCEEDED)
        return None


class Call:
    """An async binding call in flight on the event loop."""

    __slots__ = ("cancelled", "name", "run", "task", "task_id")

    def __init__(self, run: Run, task_id: int, name: str):
        self.run = run
        self.task_id = task_id
        self.name = name
        self.task: asyncio.Task[Any] | None = None
        self.cancelled = False


class Run:
    """One execution of a chunk in a VM. Made by :meth:`LuaEngine.run`."""

    __slots__ = (
        "_brief",
        "_done",
        "_final_error",
        "_finished",
        "_kill_lock",
        "_wants_loop",
        "calls",
        "cleanup_task",
        "current_group",
        "deadline",
        "end_deadline",
        "engine",
        "groups",
        "kill_message",
        "kill_reason",
        "live",
        "lua_results",
        "main_group",
        "on_done",
        "phase",
        "record",
        "step_deadline",
        "tag",
        "threads",
        "timeout_message",
        "vm",
    )

    def __init__(self, engine: LuaEngine, vm: LuaVM, timeout_ms: int | None):
        self.engine = engine
        self.vm = vm
        self.tag = vm.privileged.tag
        self.record = RunRecord(timeout_ms=timeout_ms)
        self.deadline: float | None = None
        self.end_deadline: float | None = None  # one deadline for the whole end phase
        self.step_deadline: float | None = None  # the current cleanup's (or closing's) deadline
        self.timeout_message = f"script exceeded its timeout of {timeout_ms} ms"
        self.kill_reason: str | None = None
        self.kill_message: str | None = None
        self._final_error: dict[str, str] | None = None
        self.phase = "main"  # main -> cleanup -> done
        self.groups: dict[int, TaskGroup] = {}
        self.threads: dict[int, Any] = {}  # task id -> lupa coroutine
        self.live: set[int] = set()
        self.calls: dict[int, Call] = {}
        self.main_group: TaskGroup | None = None
        self.current_group: TaskGroup | None = None
        self.cleanup_task: int | None = None
        self.lua_results: tuple[Any, ...] = ()
        self.on_done: list[Callable[[Run], None]] = []
        # made on the first wait only: a detached run nobody waits on does not carry a Future
        # (its condition, lock and waiter deque are ~1 KB per run)
        self._done: concurrent.futures.Future[RunRecord] | None = None
        #: set when the run ends or asks the event loop for something (:meth:`wait_briefly`)
        self._brief: threading.Event | None = None
        self._wants_loop = False
        self._finished = False
        self._kill_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self.record.running

    async def wait(self) -> RunRecord:
        """The record once the run (and its cleanups) ended."""
        await asyncio.wrap_future(self._future())
        return self.record

    def wait_briefly(self, seconds: float) -> bool:
        """Block this thread (the GIL released) up to ``seconds`` for the run to end. False
        when it has not, or as soon as it waits on the event loop (a binding call), so the
        loop's own thread may call this: the kernel does, and a quick cell's result then
        costs no turn of the event loop (the hop back from a worker through the loop's
        self-pipe and futures cost a trivial cell about 0.2 ms of its round trip)."""
        with self._kill_lock:
            if self._finished:
                return True
            if self._brief is None:
                self._brief = threading.Event()
            brief = self._brief
        if self._wants_loop:  # asked before the event existed (read after publishing it)
            return False
        brief.wait(seconds)
        return self._finished

    def wants_loop(self) -> None:
        """The run waits on the event loop: stop any :meth:`wait_briefly` at once, or make
        the next one return at once (the flag is set before the event is read)."""
        self._wants_loop = True
        brief = self._brief
        if brief is not None:
            brief.set()

    def wait_sync(self, timeout: float | None = None) -> RunRecord:
        self._future().result(timeout)
        return self.record

    async def stop(self) -> RunRecord:
        """Kill the run; cleanups run; idempotent."""
        self.request_kill(KILL_STOP)
        return await self.wait()

    def interrupt(self) -> None:
        """Kernel interrupt: like stop, the record's error says ``KeyboardInterrupt``."""
        self.request_kill(KILL_INTERRUPT)

    def request_kill(self, reason: str, message: str | None = None, code: str | None = None) -> str | None:
        """Mark the run killed (first reason wins) and wake it; thread-safe. Returns the
        message the hook raises."""
        with self._kill_lock:
            if self.kill_message is None and self.phase == "main":
                if reason == KILL_STOP:
                    message = STOP_MESSAGE
                elif reason == KILL_INTERRUPT:
                    message = INTERRUPT_MESSAGE
                    code = SCRIPT_ERROR
                self.kill_reason = reason
                self.kill_message = message
                if code is not None:
                    self._final_error = {"code": code, "message": message or ""}
                self.engine.scheduler.post(self.vm, ("kill", self))
                self.vm.arm_hooks()
            return self.kill_message

    def post_spawn(self, lua_fn: Any, args: tuple[Any, ...]) -> bool:
        if self.phase != "main" or self.kill_message is not None:
            return False
        self.engine.scheduler.post(self.vm, ("spawn", self, lua_fn, args))
        return True

    # -- phases: the engine moves a run through them, the run keeps its own state --------------
    def enter_cleanup(self) -> str | None:
        """main -> cleanup (once). The error message to show for a failed run, if any."""
        with self._kill_lock:
            if self.phase != "main":
                return None
            self.phase = "cleanup"
            self.end_deadline = time.monotonic() + self.engine.limits.end_phase_deadline_ms / 1000
            self.begin_step()
            if self.kill_message is None:
                self.kill_message = ENDED_MESSAGE
        if self.kill_reason == "error" and self._final_error is not None:
            return self._final_error["message"]
        return None

    def begin_step(self) -> float:
        """A new step of the end phase (one cleanup, or closing the coroutines): its deadline is
        ``cleanup_deadline_ms`` away, never past the end phase's own deadline."""
        now = time.monotonic()
        if self.end_deadline is None:  # ended without an end phase (a runtime failure): no grace
            self.end_deadline = now
        self.step_deadline = min(now + self.engine.limits.cleanup_deadline_ms / 1000, self.end_deadline)
        return self.step_deadline

    def end_phase_over(self) -> str | None:
        """Past the current step's deadline (or the engine is closing): the message that ends
        whatever Lua still runs (cleanups, cleanups they registered, ``__close`` handlers)."""
        limits = self.engine.limits
        now = time.monotonic()
        if self.engine.closing or (self.end_deadline is not None and now > self.end_deadline):
            return f"the script's end exceeded its deadline of {limits.end_phase_deadline_ms} ms"
        if self.step_deadline is not None and now > self.step_deadline:
            return f"cleanup exceeded its deadline of {limits.cleanup_deadline_ms} ms"
        return None

    def fail_internal(self, exc: BaseException) -> None:
        """Tearing down failed: a run that had not failed otherwise ends ``INTERNAL_ERROR``."""
        if self.kill_reason is None:
            self.kill_reason = "error"
            self._final_error = {"code": INTERNAL_ERROR, "message": f"{type(exc).__name__}: {exc}"}

    def settle(self) -> RunRecord:
        """cleanup -> done: the record takes its final state, error and end time."""
        self.phase = "done"
        record = self.record
        if self.kill_reason in (KILL_STOP, KILL_INTERRUPT):
            record.error = self._final_error
            record.state = CANCELLED
        elif self.kill_reason is not None:
            record.error = self._final_error
            record.state = FAILED
        record.ended_at = epoch_ms()
        return record

    def finish(self) -> None:
        """Wake everyone waiting on the run (after its ``on_done`` callbacks)."""
        with self._kill_lock:
            self._finished = True
            done, brief = self._done, self._brief
        if brief is not None:
            brief.set()
        if done is not None and not done.done():
            done.set_result(self.record)

    def _future(self) -> concurrent.futures.Future[RunRecord]:
        with self._kill_lock:
            if self._done is None:
                self._done = concurrent.futures.Future()
                if self._finished:
                    self._done.set_result(self.record)
            return self._done
