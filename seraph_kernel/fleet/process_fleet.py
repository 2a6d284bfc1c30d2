"""``ProcessFleet``: the server's fleet, run in a child process (``fleet/process_host.py``).

Scripts are other people's code. In the server's own process their Lua runs without the GIL,
but the Python around it (console lines, conversions, storage, the sim's traffic) takes the GIL
from the event loop that answers REST, and under 200 busy scripts ``GET /api/status`` waited up
to a second (``bench/soak.py``). Here the whole ``LocalFleet`` lives in a child process: the
server keeps only the front door (checking arguments, routing, the event stream), and a script
that brings its process down costs a restart of the fleet (its runs end ``FAILED`` "server
stopped", its bots reconnect), never the server.

Calls cross as frames over a socket pair (``fleet/wire.py``); the child's events come back in
batches and are published on this side's bus, so the SSE stream, the bot-list cache and the
workspace views see them as they see a ``LocalFleet``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import sys
from typing import Any

from seraph_kernel.commands import Command, checked
from seraph_kernel.config import FleetConfig
from seraph_kernel.errors import FleetUnavailable
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, Subscription, WorldView, copied_world
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.fleet.wire import read_frame, result, unpack_error, write_frame
from seraph_kernel.fleet.workspaces import WorkspaceFleet

logger = logging.getLogger(__name__)
HOST_MODULE = "seraph_kernel.fleet.process_host"
#: glibc's malloc in the fleet's process (unless the environment sets them): few arenas for
#: its dozens of worker threads, and blocks of 128 KiB and more always mapped on their own, so
#: the big short-lived buffers of console lines and frames go back to the system when freed
#: instead of fragmenting the heap (eight console floods: it grew by 27 MiB instead of 79).
MALLOC_ENV = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072"}
#: How long the child may take to start its fleet (it restores and reconnects stored bots).
START_TIMEOUT_S = 120.0
#: How long a call waits for a fleet process that is being started again.
RESTART_WAIT_S = 60.0
#: Pause before starting again a fleet process that exited, growing to the max on failures.
RESTART_DELAY_S = (0.5, 30.0)


class FleetChild:
    """One child process and the calls waiting for its answers."""

    def __init__(self, process: asyncio.subprocess.Process, writer: asyncio.StreamWriter) -> None:
        self.process = process
        self.writer = writer
        self.pending: dict[int, asyncio.Future[Any]] = {}
        #: its stream ended: no answer will come
        self.gone = False
        self.reader_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def fail_pending(self, why: str) -> None:
        self.gone = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(FleetUnavailable(why))
        self.pending.clear()


class ProcessFleet(Fleet):
    """A ``LocalFleet`` in a child process, started again whenever it exits."""

    def __init__(self, config: FleetConfig) -> None:
        self.config = config
        self._bus = EventBus()
        self._ids = itertools.count(1)
        self._child: FleetChild | None = None
        self._ready = asyncio.Event()
        self._closing = False
        self._supervisor: asyncio.Task[None] | None = None
        self.restarts = 0

    @property
    def kind(self) -> str:
        return "local"

    @property
    def child_pid(self) -> int | None:
        """The fleet process's pid (``None`` while it is being started again)."""
        return self._child.pid if self._child is not None else None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the child and its fleet; raises what the fleet raised if it could not start."""
        self._bus.bind()
        self._child = await self._spawn()
        self._ready.set()

    async def _spawn(self) -> FleetChild:
        ours, theirs = socket.socketpair()
        try:
            command = [HOST_MODULE, str(theirs.fileno()), str(os.getpid())]
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", *command,
                pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL,
                env={**MALLOC_ENV, **os.environ},
            )  # fmt: skip
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        try:
            write_frame(writer, ("start", self.config))
            await writer.drain()
            started = await asyncio.wait_for(read_frame(reader), START_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as err:
            started = (None, False, err)
        if started is None or not started[1]:
            writer.close()
            await _ended(process)
            detail = started[2] if started is not None else "it exited"
            if isinstance(detail, tuple):
                raise unpack_error(detail)
            why = str(detail) or type(detail).__name__
            raise FleetUnavailable(f"the fleet process did not start: {why} (see the server's log)")
        child = FleetChild(process, writer)
        child.reader_task = asyncio.create_task(self._read(child, reader))
        return child

    async def _read(self, child: FleetChild, reader: asyncio.StreamReader) -> None:
        """Answers and events from the child until its stream ends; then start a new one."""
        while (frame := await read_frame(reader)) is not None:
            if frame[0] == "events":
                self._bus.publish_many([FleetEvent(*fields) for fields in frame[1]])
            elif frame[0] == "dropped":
                self._bus.note_dropped(frame[1])
            else:
                future = child.pending.pop(frame[1], None)
                if future is not None and not future.done():
                    future.set_result(frame[2:])
        child.fail_pending("the fleet process exited" if not self._closing else "the server is stopping")
        if self._closing or self._child is not child:
            return
        self._child = None
        self._ready.clear()
        code = await _ended(child.process)
        logger.error("the fleet process (pid %d) exited with code %s; starting it again", child.pid, code)
        self._supervisor = asyncio.create_task(self._restart())

    async def _restart(self) -> None:
        delay = RESTART_DELAY_S[0]
        while not self._closing:
            await asyncio.sleep(delay)
            try:
                child = await self._spawn()
            except Exception:
                logger.exception("the fleet process did not start again; trying again in %.0f s", delay)
                delay = min(delay * 2, RESTART_DELAY_S[1])
                continue
            if self._closing:
                child.writer.close()
                await _ended(child.process)
                return
            self._child = child
            self.restarts += 1
            self._ready.set()
            return

    async def close(self) -> None:
        """Close the child's stream: it stops every script (cleanups run), disconnects the bots
        and closes the store, as a ``LocalFleet`` does; then it exits."""
        if self._closing:
            return
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
        child, self._child = self._child, None
        if child is not None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                child.writer.close()
            deadline = (self.config.end_phase_deadline_ms + self.config.cleanup_deadline_ms) / 1000 + 15
            await _ended(child.process, deadline)
            if child.reader_task is not None:
                await asyncio.gather(child.reader_task, return_exceptions=True)
        self._bus.close()

    # -- the dispatcher ----------------------------------------------------------------------
    async def invoke(self, cmd: str, args: dict[str, JSON] | None = None) -> JSON:
        """Check the arguments here (a bad call never reaches the child), run there."""
        command, values = checked(cmd, args)
        return await self.run_checked(command, values)

    async def run_checked(self, command: Command, values: dict[str, JSON]) -> JSON:
        answer = await self._call("run_checked", command.name, values)
        if command.name == "seraph_info":
            answer = {**answer, "process": {"pid": self.child_pid, "restarts": self.restarts}}
        return answer

    async def _call(self, method: str, *args: Any) -> Any:
        child = await self._live_child()
        call_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        child.pending[call_id] = future
        try:
            if child.gone:
                raise ConnectionError
            write_frame(child.writer, ("call", call_id, method, args, self._bus.live_listeners()))
            await child.writer.drain()
        except (ConnectionError, RuntimeError):
            child.pending.pop(call_id, None)
            raise FleetUnavailable("the fleet process exited") from None
        try:
            return result(await future)
        except asyncio.CancelledError:
            if not child.gone:  # the caller went away (a closed request): so does the call
                with contextlib.suppress(ConnectionError, RuntimeError):
                    write_frame(child.writer, ("cancel", call_id))
            raise
        finally:
            child.pending.pop(call_id, None)

    async def _live_child(self) -> FleetChild:
        if self._closing:
            raise FleetUnavailable("the server is stopping")
        if self._child is None:  # restarting: wait for it (a live child costs a call nothing)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), RESTART_WAIT_S)
        if self._child is None:
            raise FleetUnavailable("the fleet process is starting again; try again")
        return self._child

    async def world(self, bot_id: str) -> WorldView | None:
        return await copied_world(self, bot_id)

    # -- workspaces (docs/workspaces.md) -----------------------------------------------------
    def workspace(self, name: str) -> Fleet:
        return WorkspaceFleet(self, name)  # type: ignore[arg-type]

    async def workspace_seed(self, name: str) -> int:
        return await self._call("workspace_seed", name)

    async def workspace_project(self, name: str) -> str | None:
        return await self._call("workspace_project", name)

    async def stop_workspace_scripts(self, name: str) -> int:
        return await self._call("stop_workspace_scripts", name)

    def subscribe(self, client_id: str | None = None) -> Subscription:
        return self._bus.subscribe(client_id)


async def _ended(process: asyncio.subprocess.Process, timeout: float = 10.0) -> int | None:
    """Wait for ``process`` to exit; kill it if it takes longer than ``timeout`` s."""
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        logger.error("the fleet process (pid %d) did not exit in %.0f s; killing it", process.pid, timeout)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        return await process.wait()
