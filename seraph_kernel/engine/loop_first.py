"""LoopFirst: worker threads step aside while the event loop is starved of the GIL.

Lua runs without the GIL, but each binding, console line and scheduler step of a script is
Python, and CPython hands the GIL to whichever waiting thread wins the race: with 25 workers
busy in bindings the event loop (REST, SSE, the bots' network) got about one turn in 26, and
``GET /api/status`` waited seconds in the soak. So the loop stamps a heartbeat every
``BEAT_S``; before a worker runs a script's Python (a scheduler step, a binding) it reads the
stamp, and while it is older than ``LAG_S`` the worker sleeps (the GIL released) a millisecond
at a time, for at most ``MAX_WAIT_S``, so the loop runs first.

A stamp older than ``GIVE_UP_S`` means the loop is not starved but blocked on purpose (closing,
or a caller waiting on the loop's thread): workers then go on at once.

Threads that serve many scripts one call at a time (the fleet's store thread) get the same
priority while they work on a call: :meth:`serving` stamps when the call began, and a call
older than ``LAG_S`` makes workers step aside as a late beat does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")

BEAT_S = 0.005
LAG_S = 0.015
MAX_WAIT_S = 0.01
GIVE_UP_S = 0.25
PAUSE_S = 0.001


class LoopFirst:
    """The loop's heartbeat, and :meth:`step_aside` for the workers.

    ``active`` says whether any script runs: without one nothing reads the beat, so it stops
    (an idle kernel woke 200 times a second for it) and :meth:`wake` starts it again."""

    def __init__(self, active: Callable[[], bool] | None = None) -> None:
        self._beat = time.monotonic()
        self._active = active
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        #: When the call each serving thread works on began (:meth:`serving`).
        self._serving: dict[int, float] = {}
        #: How many times a worker stepped aside, and the seconds it waited in all.
        self.waits = 0
        self.waited_s = 0.0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Beat on ``loop`` (call on the loop's thread)."""
        self._loop = loop
        self._tick()

    def stop(self) -> None:
        self._loop = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        self._beat = time.monotonic()
        if self._loop is not None and (self._active is None or self._active()):
            self._handle = self._loop.call_later(BEAT_S, self._tick)
        else:
            self._handle = None

    def wake(self) -> None:
        """A script is about to run: stamp the beat now (a stamp left from before an idle spell
        would read as a starved loop) and beat again if the beat had stopped. Any thread."""
        self._beat = time.monotonic()
        loop = self._loop
        if loop is None or self._handle is not None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._restart()
        else:
            loop.call_soon_threadsafe(self._restart)

    @property
    def beating(self) -> bool:
        """Whether the loop is woken to beat (only while a script runs)."""
        return self._handle is not None

    def _restart(self) -> None:
        if self._loop is not None and self._handle is None:
            self._tick()

    def serving(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Call ``fn(*args)`` with this thread's priority over the workers while it runs."""
        me = threading.get_ident()
        self._serving[me] = time.monotonic()
        try:
            return fn(*args)
        finally:
            self._serving.pop(me, None)

    def _starved(self, now: float) -> bool:
        lag = now - self._beat
        if LAG_S <= lag <= GIVE_UP_S:
            return True
        return any(LAG_S <= now - began <= GIVE_UP_S for began in list(self._serving.values()))

    def step_aside(self) -> None:
        """On a worker, before a script's Python: wait while the loop (or a serving thread) is
        starved."""
        if self._loop is None:
            return
        now = time.monotonic()
        if not self._starved(now):
            return
        began = now
        deadline = now + MAX_WAIT_S
        while self._starved(now) and now < deadline:
            time.sleep(PAUSE_S)
            now = time.monotonic()
        self.waits += 1
        self.waited_s += now - began
