"""The fleet's own process: ``python -m seraph_kernel.fleet.process_host <fd> <server pid>``, started by
:class:`~seraph_kernel.fleet.process_fleet.ProcessFleet` with one end of a socket pair.

It runs an ordinary :class:`~seraph_kernel.fleet.local.LocalFleet` (bots, their backend
connections, the embedded sim world, the script runtime, the store), answers the server's calls
and streams the fleet's events back. Scripts' Lua and the Python work around it (console lines,
conversions, storage) then hold this process's GIL, never the server's, and a script that
brings this process down leaves the server answering (it starts a new one).

Frames in (``fleet/wire.py``): ``("start", FleetConfig)`` first, then
``("call", id, method, args, live streams)`` (the bots the server's live event streams read,
for ``require_sessions``) and ``("cancel", id)``. Frames out: ``("started", ok, None or packed error)``,
``("reply", id, ok, value or packed error)``, ``("events", [(kind, client_id, data), ...])``
(a FleetEvent's fields: tuples pickle in C, an instance through Python) and
``("dropped", n)`` (events this process lost while the server read too slowly: every reader on
the server lost them, and its streams say so). The end of the
stream (the server closed it, or died) closes the fleet as a server stop would, then exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from seraph_kernel.commands import get_command
from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import FleetEvent, Subscription
from seraph_kernel.fleet.local import LocalFleet
from seraph_kernel.fleet.wire import pack_error, read_frame, write_frame

logger = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1
Methods = dict[str, Callable[..., Awaitable[Any]]]
#: Events one frame carries at most.
EVENTS_PER_FRAME = 1000


def _methods(fleet: LocalFleet) -> Methods:
    """What the server may call: the dispatcher (arguments checked on the server's side) and
    the workspace views' helpers."""

    async def run_checked(name: str, values: dict[str, Any]) -> Any:
        return await fleet.run_checked(get_command(name), values)

    return {
        "run_checked": run_checked,
        "workspace_seed": fleet.workspace_seed,
        "workspace_project": fleet.workspace_project,
        "stop_workspace_scripts": fleet.stop_workspace_scripts,
    }


def events_frame(batch: list[FleetEvent]) -> tuple[str, list[tuple[str, str | None, Any]]]:
    """An ``events`` frame: each event as its fields (a tuple pickles in C, an instance through
    Python); ``ProcessFleet`` makes the ``FleetEvent`` again."""
    return "events", [(event.kind, event.client_id, event.data) for event in batch]


class Outbox:
    """The fleet's events on their way to the server, in order with the call replies."""

    def __init__(self, events: Subscription, writer: asyncio.StreamWriter) -> None:
        self.events, self.writer = events, writer
        #: Events ``events`` dropped that the server was told of.
        self.reported = 0

    def send_waiting(self, first: Any = None) -> None:
        """Every event waiting, in frames of at most ``EVENTS_PER_FRAME``; first, how many were
        dropped since the last frame (the server stopped reading for a while)."""
        events, writer = self.events, self.writer
        if events.dropped > self.reported:
            write_frame(writer, ("dropped", events.dropped - self.reported))
            self.reported = events.dropped
        batch = [] if first is None else [first]
        while (event := events.get_nowait()) is not None:
            batch.append(event)
            if len(batch) >= EVENTS_PER_FRAME:
                write_frame(writer, events_frame(batch))
                batch = []
        if batch:
            write_frame(writer, events_frame(batch))

    async def pump(self) -> None:
        """The fleet's events to the server as they come, as many as are waiting per frame."""
        async for first in self.events:
            try:
                self.send_waiting(first)
                await self.writer.drain()
            except ConnectionError:
                return


async def _answer(methods: Methods, outbox: Outbox, call_id: int, method: str, args: tuple[Any, ...]) -> None:
    try:
        reply = (True, await methods[method](*args))
    except Exception as err:
        if not isinstance(err, SeraphError):  # Seraph's own errors are answers, not faults
            logger.exception("fleet process: %s failed", method)
        reply = (False, pack_error(err))
    with contextlib.suppress(ConnectionError):
        # The events the call caused go first: in one process a request's change is seen by
        # the next request (the bot-list cache relies on it), so across the process too.
        outbox.send_waiting()
        write_frame(outbox.writer, ("reply", call_id, *reply))
        await outbox.writer.drain()


async def serve(sock: socket.socket) -> None:
    """Start the fleet the first frame configures, serve calls until the stream ends, close."""
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    start = await read_frame(reader)
    if start is None:
        return
    fleet = LocalFleet(start[1])
    try:
        await fleet.start()
    except Exception as err:
        if not isinstance(err, SeraphError):  # the server reports Seraph's own errors
            logger.exception("fleet process: the fleet did not start")
        write_frame(writer, ("started", False, pack_error(err)))
        await writer.drain()
        return
    write_frame(writer, ("started", True, None))
    await writer.drain()
    events = fleet.subscribe()
    outbox = Outbox(events, writer)
    pump = asyncio.create_task(outbox.pump())
    methods = _methods(fleet)
    calls: dict[int, asyncio.Task[None]] = {}
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    frames = asyncio.create_task(_calls(reader, fleet, methods, outbox, calls))
    await asyncio.wait([frames, asyncio.create_task(stopping.wait())], return_when=asyncio.FIRST_COMPLETED)
    frames.cancel()
    for task in list(calls.values()):
        task.cancel()
    await fleet.close()
    events.close()
    pump.cancel()
    with contextlib.suppress(ConnectionError):
        writer.close()


async def _calls(
    reader: asyncio.StreamReader,
    fleet: LocalFleet,
    methods: Methods,
    outbox: Outbox,
    calls: dict[int, asyncio.Task[None]],
) -> None:
    """Start a task per call; a ``("cancel", id)`` frame cancels one (its caller went away: a
    closed HTTP request stops a walk here as it does in one process)."""
    while (frame := await read_frame(reader)) is not None:
        if frame[0] == "cancel":
            task = calls.get(frame[1])
            if task is not None:
                task.cancel()
            continue
        _kind, call_id, method, args, listeners = frame
        fleet.set_remote_listeners(listeners)  # as they are when the call was made
        task = asyncio.create_task(_answer(methods, outbox, call_id, method, args))
        calls[call_id] = task
        task.add_done_callback(lambda _, call_id=call_id: calls.pop(call_id, None))


def die_with_parent(parent_pid: int) -> None:
    """A server killed outright (``kill -9``) takes its fleet with it, as the one process it
    was: the runs it had going are closed ``FAILED`` "server stopped" at the next start, and
    a new server never shares the store with an orphan. Linux's ``PR_SET_PDEATHSIG``;
    elsewhere the end of the stream still closes the fleet."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)  # the server died before we asked


def main() -> None:
    die_with_parent(int(sys.argv[2]))
    # Ctrl-C in a terminal reaches the whole process group; the server decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        level=os.environ.get("SERAPH_FLEET_LOG_LEVEL", "WARNING"),
        format="[seraph fleet %(levelname)s %(name)s] %(message)s",
    )
    sock = socket.socket(fileno=int(sys.argv[1]))
    asyncio.run(serve(sock))


if __name__ == "__main__":
    main()
