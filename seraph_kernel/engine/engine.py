"""LuaEngine: runs compiled chunks as scheduled coroutines and keeps their run records.

The engine drives each :class:`~seraph_kernel.engine.run.Run` through its life: start, resume its
tasks, serve their scheduler requests (sleep, async binding calls, ticks), end the user tasks,
run the cleanups, and fill the :class:`~seraph_kernel.engine.records.RunRecord`. Everything that
touches Lua happens on the scheduler's worker threads; the event loop only starts runs,
stops them and awaits bindings.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future
from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.engine.console_buffer import ConsoleBuffer
from seraph_kernel.engine.context import binding_error
from seraph_kernel.engine.contract import LuaArgumentError, OnExecutor, ScriptServices
from seraph_kernel.engine.loop_first import LoopFirst
from seraph_kernel.engine.lua_memory import NO_ROOM_MESSAGE, SLACK, args_size
from seraph_kernel.engine.records import Limits, RunRecord, epoch_ms
from seraph_kernel.engine.run import (
    KILL_STOP,
    Call,
    Run,
    TaskGroup,
    budget_message,
)
from seraph_kernel.engine.scheduler import Scheduler
from seraph_kernel.engine.vm import LuaVM
from seraph_kernel.vocab import (
    COMPLETE,
    DEADLINE_EXCEEDED,
    FAILED,
    INTERNAL_ERROR,
    OUTPUT_SIZE_LIMIT_EXCEEDED,
    PROCESSING,
    SCRIPT_ERROR,
)

__all__ = ["Limits", "LuaEngine", "Run", "RunRecord"]

log = logging.getLogger(__name__)

# scheduler requests a task yields (loader.lua): (tag, kind, ...)
SLEEP, CALL, TICK, TASK_DONE, TASK_FAILED = 1, 2, 3, 4, 5
#: loader.lua's PENDING_AGE: how old a printed line may get in a VM before it is handed over.
LINES_AGE_S = 0.05
#: How long after its last run ended an engine keeps its timers (the loop's heartbeat, the
#: watchdog's tick) going before it rests. Resting right away cost the next quick cell the
#: timers' wake-ups (6-10% of a kernel's round trip); an idle kernel rests within this.
QUIET_AFTER_S = 1.0


def finite(value: Any) -> Any:
    """``value`` with every non-finite number (``math.huge``, NaN) as ``None``: results are
    JSON, and JSON has no ``Infinity`` (strings are left exactly as they are)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [finite(v) for v in value]
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    return value


class LuaEngine:
    """Owns the scheduler; makes VMs and runs chunks in them."""

    def __init__(self, limits: Limits | None = None, loop: asyncio.AbstractEventLoop | None = None):
        self.limits = limits or Limits()
        self.loop = loop
        self.scheduler = Scheduler(self._handle, on_tick=self._tick, quiet=self._quiet)
        #: Workers let the event loop run first when it is starved of the GIL.
        self.loop_first = LoopFirst(active=self._busy)
        #: Called on every watchdog tick (every 10 ms, on the watchdog thread, while runs are on
        #: and once after the last one ended): the fleet hands the console lines its scripts
        #: printed since the last tick to the event loop there.
        self.tick_hooks: list[Callable[[], None]] = []
        self._driving: dict[Run, float] = {}
        #: when the last run ended (``_finalize``; the timers rest ``QUIET_AFTER_S`` after it)
        self._last_end = -math.inf
        self.closing = False
        self.runs: set[Run] = set()
        self._submit_lock = threading.Lock()
        self._submissions: list[tuple[Call, Callable[..., Awaitable[Any]], list[Any]]] = []
        self._results: list[tuple[LuaVM, tuple[Any, ...]]] = []
        self._started = False
        self._handlers: dict[str, Callable[..., None]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_on_")
        }

    async def start(self) -> None:
        if self._started:
            return
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        self.scheduler.start()
        self.loop_first.start(self.loop)
        self._started = True

    async def close(self) -> None:
        """Stop every run (their cleanups get their deadline) and the worker threads."""
        runs = list(self.runs)
        for run in runs:
            run.request_kill(KILL_STOP)
        if runs:
            await asyncio.wait(
                [asyncio.ensure_future(run.wait()) for run in runs],
                timeout=self.limits.cleanup_deadline_ms / 1000 + 1,
            )
        self.closing = True
        self.loop_first.stop()
        self.scheduler.close()

    def new_vm(
        self,
        services: ScriptServices,
        console: ConsoleBuffer | None = None,
        modules: Iterable[str] | None = None,
    ) -> LuaVM:
        return LuaVM(self, services, console=console, modules=modules)

    def run(self, vm: LuaVM, fn: Any, timeout_ms: int | None = None) -> Run:
        """Start ``fn`` (from ``vm.compile``) as the main task of a new run of ``vm``."""
        if not self._started:
            raise RuntimeError("LuaEngine.start() has not been awaited")
        if vm.closed:
            raise RuntimeError("the VM is closed")
        if vm.active_run is not None:
            raise RuntimeError("the VM already has an active run")
        if timeout_ms is not None and (isinstance(timeout_ms, bool) or timeout_ms <= 0):
            raise ValueError("timeout_ms must be a positive number of milliseconds")
        run = Run(self, vm, timeout_ms)
        vm.active_run = run
        self.runs.add(run)
        self.loop_first.wake()
        self.scheduler.post(vm, ("start", run, fn))  # wakes the watchdog if it rested
        return run

    def _busy(self) -> bool:
        """A run is on, or one ended less than ``QUIET_AFTER_S`` ago (the loop's heartbeat is
        read only while runs are on)."""
        return bool(self.runs) or time.monotonic() - self._last_end < QUIET_AFTER_S

    def _quiet(self) -> bool:
        """Nothing for the watchdog's tick: no run, none for ``QUIET_AFTER_S`` (what the last
        one left, its console lines, goes out on the tick that follows this answer)."""
        return not self._busy() and not self._driving

    def _tick(self) -> None:
        self._check_driving()
        for hook in self.tick_hooks:
            try:
                hook()
            except Exception:
                log.exception("engine tick hook failed")

    def _check_driving(self) -> None:
        """Watchdog tick: arm the hooks of a run past its no-yield budget, its timeout or the
        deadline of its end phase (the hooks are off while a script behaves), and again on every
        tick a killed run that still runs. A run that has not yielded for ``LINES_AGE_S`` gets
        its hooks armed too: the hook hands over the lines it printed that are that old (a long
        computation's progress shows while it runs)."""
        now = time.monotonic()
        budget = self.limits.budget_ms
        for run, since in list(self._driving.items()):
            if run.phase != "main":
                if run.end_phase_over() is not None:
                    run.vm.arm_hooks()
                    continue
            elif run.kill_message is not None:
                # Killed but still running: arm again every tick. The hook disarms itself when
                # it fires with nothing to do, and that can land right after the kill armed it.
                run.vm.arm_hooks()
                continue
            elif budget is not None and now - since > budget / 1000:
                run.request_kill("error", budget_message(budget), SCRIPT_ERROR)
                continue
            elif run.deadline is not None and now > run.deadline:
                run.request_kill("error", run.timeout_message, DEADLINE_EXCEEDED)
                continue
            if now - since > LINES_AGE_S:
                run.vm.arm_hooks()

    # -- worker side ---------------------------------------------------------------------
    def _handle(self, vm: LuaVM, item: tuple[Any, ...]) -> None:
        kind, run = item[0], item[1]
        if kind == "release":
            try:
                vm.release_memory()
            except Exception:
                log.exception("could not free the memory of a closed VM")
            return
        if run.phase == "done":
            return
        try:
            if kind == "wake":  # the hot path: a sleep is over
                self._drive(run, item[2], time.monotonic() - item[3])
            else:
                self._handlers[kind](run, *item[2:])
        except Exception as exc:
            log.exception("Lua run failed inside the runtime")
            self._internal_error(run, exc)

    def _on_start(self, run: Run, fn: Any) -> None:
        self._start(run, fn)

    def _on_drive(self, run: Run, task_id: int, args: tuple[Any, ...]) -> None:
        self._drive(run, task_id, args)

    def _on_wake(self, run: Run, task_id: int, since: float) -> None:
        self._drive(run, task_id, time.monotonic() - since)

    def _on_result(self, run: Run, call: Call, outcome: tuple[Any, ...]) -> None:
        self._deliver(run, call, outcome)

    def _on_kill(self, run: Run) -> None:
        if run.phase == "main":
            self._end_main(run)

    def _on_timeout(self, run: Run) -> None:
        run.request_kill("error", run.timeout_message, DEADLINE_EXCEEDED)

    def _on_spawn(self, run: Run, lua_fn: Any, args: tuple[Any, ...]) -> None:
        if run.phase == "main" and run.kill_message is None:
            if not run.vm.memory.fits(args_size(args)):
                self._error_line(run, "event handler not started: not enough memory")
                return
            with run.vm.memory.lifted(SLACK):
                task_id, thread = run.vm.privileged.new_task(lua_fn, run.main_group.hook, False, *args)
            self._adopt(run, task_id, run.main_group, thread=thread)

    def _on_cleanup_deadline(self, run: Run, task_id: int) -> None:
        if run.phase == "cleanup" and run.cleanup_task == task_id:
            self._drop_task(run, task_id)
            limits = self.limits
            if time.monotonic() >= run.end_deadline:
                text = f"the script's end exceeded its deadline of {limits.end_phase_deadline_ms} ms"
            else:
                text = f"exceeded its deadline of {limits.cleanup_deadline_ms} ms"
            self._error_line(run, f"cleanup: {text}")
            self._next_cleanup(run)

    def _on_end_if_idle(self, run: Run) -> None:
        """A task cancelled itself: if it was the last one, the run is over."""
        if run.phase == "main" and not run.live:
            self._end_main(run)

    def _internal_error(self, run: Run, exc: BaseException) -> None:
        if run.phase == "done":
            return
        message = (
            "not enough memory" if isinstance(exc, lupa.LuaMemoryError) else f"{type(exc).__name__}: {exc}"
        )
        code = SCRIPT_ERROR if isinstance(exc, lupa.LuaMemoryError) else INTERNAL_ERROR
        if run.phase == "main":
            run.request_kill("error", message, code)
            try:
                self._end_main(run)
                return
            except Exception:
                log.exception("ending a failed Lua run failed")
        self._finalize(run)

    def _start(self, run: Run, fn: Any) -> None:
        vm = run.vm
        with vm.memory.lifted(SLACK):  # a VM its last run filled can still start `hog = nil`
            self._start_tasks(run, fn)

    def _start_tasks(self, run: Run, fn: Any) -> None:
        vm = run.vm
        vm.privileged.start_run()
        record = run.record
        record.state = PROCESSING
        record.started_at = epoch_ms()
        if record.timeout_ms is not None:
            run.deadline = time.monotonic() + record.timeout_ms / 1000
            self.scheduler.post_at(run.deadline, vm, ("timeout", run))
        group = run.main_group = TaskGroup(run)
        if run.kill_message is not None:
            self._end_main(run)
            return
        task_id, thread = vm.privileged.new_task(fn, group.hook, True)
        self._adopt(run, task_id, group, thread=thread)

    def _adopt(
        self, run: Run, task_id: int, group: TaskGroup, delay_ms: float = 0, thread: Any = None
    ) -> None:
        """Schedule a new task (its coroutine is looked up when made from Lua, task.spawn)."""
        run.threads[task_id] = thread if thread is not None else run.vm.privileged.task_thread(task_id)
        run.groups[task_id] = group
        if not group.cleanup:
            run.live.add(task_id)
        if delay_ms > 0:
            self.scheduler.post_at(time.monotonic() + delay_ms / 1000, run.vm, ("drive", run, task_id, None))
        else:
            self.scheduler.post(run.vm, ("drive", run, task_id, None))

    def _drive(self, run: Run, task_id: int, args: Any) -> None:
        """Resume a task with ``args`` (None, a value or a tuple of values) and act on what it
        yields: a scheduler request, its end, or a kill error."""
        thread = run.threads.get(task_id)
        if thread is None:
            return
        if run.phase == "main" and run.kill_message is not None:
            self._end_main(run)
            return
        group = run.groups[task_id]
        group.slice_started = now = time.monotonic()
        run.current_group = group
        self._driving[run] = now
        try:
            request = thread.send(args)
        except lupa.LuaError as exc:
            self._driving.pop(run, None)
            run.threads.pop(task_id, None)
            message = str(exc).split("\n", 1)[0]
            if not message and isinstance(exc, lupa.LuaMemoryError):
                message = NO_ROOM_MESSAGE
            self._task_failed(run, task_id, message)
            return
        except UnicodeDecodeError:
            request = None  # a user yield of binary data at task level: just a tick
        except StopIteration:
            request = (run.tag, TASK_DONE)
        self._driving.pop(run, None)
        if type(request) is not tuple or request[0] != run.tag:
            run.vm.flush_lines()  # a user yield carries no lines: they must not wait for long
            self.scheduler.post(run.vm, ("drive", run, task_id, None))
            return
        kind = request[1]
        # the lines the task printed ride on its request, after its values (loader.lua)
        if kind == SLEEP:
            if len(request) > 3:
                run.vm.context.emit_lines(*request[3:])
            ms = request[2]
            now = time.monotonic()
            if isinstance(ms, (int, float)) and ms > 0 and ms == ms:
                self.scheduler.post_at(now + ms / 1000, run.vm, ("wake", run, task_id, now))
            else:
                self.scheduler.post(run.vm, ("wake", run, task_id, now))
        elif kind == CALL:
            self._call(run, task_id, request[2], request[3:])
        elif kind == TASK_DONE:
            if len(request) > 2:
                run.vm.context.emit_lines(*request[2:])
            run.threads.pop(task_id, None)
            self._task_ended(run, task_id)
        elif kind == TASK_FAILED:
            if len(request) > 3:
                run.vm.context.emit_lines(*request[3:])
            run.threads.pop(task_id, None)
            self._task_failed(run, task_id, request[2])
        else:
            self.scheduler.post(run.vm, ("drive", run, task_id, None))

    def _call(self, run: Run, task_id: int, binding_id: Any, lua_args: tuple[Any, ...]) -> None:
        vm = run.vm
        if not isinstance(binding_id, int) or not 1 <= binding_id <= len(vm.bindings):
            self.scheduler.post(vm, ("drive", run, task_id, vm.context.failure("invalid scheduler request")))
            return
        name, fn = vm.bindings[binding_id - 1]
        try:
            args = [vm.context.from_lua(a) for a in lua_args]
        except Exception as exc:
            self.scheduler.post(vm, ("drive", run, task_id, vm.context.failure(binding_error(name, exc))))
            return
        call = Call(run, task_id, name)
        run.calls[id(call)] = call
        if isinstance(fn, OnExecutor):
            try:
                future = fn.executor.submit(self.loop_first.serving, fn.fn, *args)
            except RuntimeError as exc:  # the executor is shut down: the fleet is closing
                run.calls.pop(id(call), None)
                self.scheduler.post(vm, ("drive", run, task_id, vm.context.failure(binding_error(name, exc))))
                return
            future.add_done_callback(lambda done, c=call: self._executed(c, done))
            return
        with self._submit_lock:
            self._submissions.append((call, fn, args))
            first = len(self._submissions) == 1
        if first:
            self.loop.call_soon_threadsafe(self._drain_submissions)
        run.wants_loop()

    def _deliver(self, run: Run, call: Call, outcome: tuple[Any, ...]) -> None:
        if run.calls.pop(id(call), None) is None or call.cancelled:
            return
        ok, value = outcome
        context = run.vm.context
        if ok:
            try:
                args = context.results_for_lua(value)
            except Exception as exc:
                args = context.failure(binding_error(call.name, exc))
        else:
            args = context.failure(value)
        self._drive(run, call.task_id, args)

    def _error_line(self, run: Run, text: str) -> None:
        """An error line of the runtime, after every line the script printed before it."""
        vm = run.vm
        vm.flush_lines()
        vm.context.emit("error", text)

    def _task_ended(self, run: Run, task_id: int) -> None:
        group = run.groups.pop(task_id, None)
        run.live.discard(task_id)
        self._cancel_calls(run, task_id)
        if group is not None and group.cleanup:
            if task_id == run.cleanup_task:
                self._next_cleanup(run)
        elif run.phase == "main" and not run.live:
            self._end_main(run)

    def _task_failed(self, run: Run, task_id: int, message: str) -> None:
        group = run.groups.get(task_id)
        if group is not None and group.cleanup:
            self._error_line(run, f"cleanup: {message}")
            self._task_ended(run, task_id)
            return
        run.groups.pop(task_id, None)
        run.live.discard(task_id)
        if run.phase != "main":
            return
        if run.kill_message is None:
            run.request_kill("error", message, SCRIPT_ERROR)
        self._end_main(run)

    def _cancel_calls(self, run: Run, task_id: int | None = None) -> None:
        for key, call in list(run.calls.items()):
            if task_id is None or call.task_id == task_id:
                call.cancelled = True
                del run.calls[key]
                if call.task is not None:
                    self.loop.call_soon_threadsafe(call.task.cancel)

    def _drop_task(self, run: Run, task_id: int) -> None:
        run.vm.privileged.cancel_task(task_id)
        run.threads.pop(task_id, None)
        run.live.discard(task_id)
        self._cancel_calls(run, task_id)

    def cancel_task(self, run: Run, task_id: int) -> bool:
        """``task.cancel``: drop a task of the run (called on the worker inside Lua). When that
        was the last task (it may be the one calling), the run ends once the caller yields."""
        alive = run.vm.privileged.cancel_task(task_id)
        run.threads.pop(task_id, None)
        run.live.discard(task_id)
        run.groups.pop(task_id, None)
        self._cancel_calls(run, task_id)
        if alive and not run.live:
            self.scheduler.post(run.vm, ("end_if_idle", run))
        return bool(alive)

    def _end_main(self, run: Run) -> None:
        """The user tasks are over (finished, failed or killed): on to the cleanups."""
        if run.phase != "main":
            return
        error = run.enter_cleanup()
        if error is not None:
            self._error_line(run, error)
        self._cancel_calls(run)
        run.live.clear()
        run.groups.clear()
        run.threads.clear()
        self._close_coroutines(run)
        self._next_cleanup(run)

    def _close_coroutines(self, run: Run) -> None:
        """Close the run's suspended coroutines: their ``__close`` handlers run hooked, under
        the watchdog, and die at once past the end phase's deadline."""
        vm = run.vm
        run.begin_step()
        if run.end_phase_over() is not None:
            vm.arm_hooks()
        self._driving[run] = time.monotonic()
        try:
            with vm.memory_headroom():
                vm.privileged.reset_tasks()
                self._collect_garbage(vm)
        finally:
            self._driving.pop(run, None)

    def _collect_garbage(self, vm: LuaVM) -> None:
        """A run's end-of-run full GC, unless ``Limits.end_collect_above`` skips it for a VM
        far below its cap (Lua's own incremental collector keeps such a VM small)."""
        share = self.limits.end_collect_above
        if share > 0 and vm.runtime.get_memory_used() < share * self.limits.memory_bytes:
            return
        vm.privileged.collect()

    def _next_cleanup(self, run: Run) -> None:
        # the run is finalized (and its waiters woken) only once the headroom is given back,
        # so whoever waits on it finds the VM's own cap again
        with run.vm.memory_headroom():  # a full VM: the next cleanup still starts (and may free)
            started = self._start_next_cleanup(run)
        if not started:
            self._finalize(run)

    def _start_next_cleanup(self, run: Run) -> bool:
        """Start the run's next cleanup; False when there is none left to run."""
        vm = run.vm
        fn = vm.privileged.take_cleanup()
        if fn is None:
            return False
        if self.closing or time.monotonic() > run.end_deadline:
            skipped = 1
            while vm.privileged.take_cleanup() is not None:
                skipped += 1
            limit = self.limits.end_phase_deadline_ms
            text = f"cleanup: {skipped} not run: the script's end exceeded its deadline of {limit} ms"
            self._error_line(run, text)
            return False
        group = TaskGroup(run, cleanup=True)
        task_id, thread = vm.privileged.new_task(fn, group.hook, False)
        run.cleanup_task = task_id
        self._adopt(run, task_id, group, thread=thread)
        self.scheduler.post_at(run.begin_step(), vm, ("cleanup_deadline", run, task_id))
        return True

    def _finalize(self, run: Run) -> None:
        vm = run.vm
        self._cancel_calls(run)
        run.threads.clear()
        run.phase = "done"
        try:
            self._close_coroutines(run)
            vm.flush_lines()  # what `__close` handlers printed
            with vm.memory_headroom():
                if run.kill_reason is None:
                    returned = vm.privileged.results()
                    run.lua_results = returned[1:] if isinstance(returned, tuple) else ()
                    self._set_results(run)
                vm.release_states()
                self._collect_garbage(vm)
        except Exception as exc:
            log.exception("tearing down a Lua run failed")
            run.fail_internal(exc)
        run.settle()
        vm.active_run = None
        self._last_end = time.monotonic()
        self.runs.discard(run)
        self.scheduler.purge(vm)
        for callback in run.on_done:
            try:
                callback(run)
            except Exception:
                log.exception("run on_done callback failed")
        run.finish()

    def _set_results(self, run: Run) -> None:
        record = run.record
        context = run.vm.context
        results = []
        for value in run.lua_results:
            try:
                results.append(context.from_lua(value))
            except LuaArgumentError:
                results.append(f"<{lupa.lua_type(value) or 'value'}>")
        results = finite(results)
        size = len(json.dumps(results, allow_nan=False, default=str))
        limit = self.limits.output_limit_bytes
        if size > limit:
            message = f"results are {size} bytes as JSON, over the limit of {limit} bytes"
            record.error = {"code": OUTPUT_SIZE_LIMIT_EXCEEDED, "message": message}
            record.state = FAILED
            self._error_line(run, message)
            return
        record.results = results
        record.state = COMPLETE

    # -- event loop side -----------------------------------------------------------------
    def _drain_submissions(self) -> None:
        with self._submit_lock:
            batch, self._submissions = self._submissions, []
        for call, fn, args in batch:
            if call.cancelled:
                continue
            try:
                task = self.loop.create_task(fn(*args))
            except Exception as exc:
                self._post_result(call, (False, binding_error(call.name, exc)))
                continue
            call.task = task
            task.add_done_callback(lambda t, c=call: self._call_done(c, t))

    def _call_done(self, call: Call, task: asyncio.Task[Any]) -> None:
        if call.cancelled:
            return
        if task.cancelled():  # cancelled from inside (not by the run): the caller must not hang
            self._post_result(call, (False, f"{call.name}: cancelled"))
            return
        exc = task.exception()
        if exc is not None:
            self._post_result(call, (False, binding_error(call.name, exc)))
        else:
            self._post_result(call, (True, task.result()))

    def _executed(self, call: Call, future: Future[Any]) -> None:
        """A threaded binding is done (on its executor's thread): resume the task straight
        from here, not through the loop."""
        if call.cancelled:
            return
        exc = future.exception()
        outcome = (False, binding_error(call.name, exc)) if exc is not None else (True, future.result())
        self.scheduler.post(call.run.vm, ("result", call.run, call, outcome))

    def _post_result(self, call: Call, outcome: tuple[Any, ...]) -> None:
        first = not self._results
        self._results.append((call.run.vm, ("result", call.run, call, outcome)))
        if first:
            self.loop.call_soon(self._flush_results)

    def _flush_results(self) -> None:
        batch, self._results = self._results, []
        self.scheduler.post_many(batch)
