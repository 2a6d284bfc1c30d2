"""The progress line of a Lua cell that waits: what it waits on, and how far that has got.

A cell awaiting a long ``setPoint`` or ``enterTutorial`` used to show only ``[*]``. After
:data:`SHOW_AFTER_S` a line appears under the cell (``waiting on setPoint (3.2 s): bot-1
walking to (57, 24), 12 of 40 tiles walked, 28 to go``), updated every :data:`PERIOD_S`, and
is emptied when the cell ends. A display whose data ends empty is nothing nbval compares or a
notebook keeps meaningfully, so outputs stay the same however long the cell took; the cell's
own prints stream above it as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
SHOW_AFTER_S = 1.0
PERIOD_S = 0.25


class Line(Protocol):
    def update(self, text: str) -> None: ...

    def close(self) -> None: ...


def _walk(bot_id: str, snapshot: dict[str, Any]) -> str | None:
    walk = snapshot.get("walk")
    if not walk:
        return None
    walked, remaining = walk["walked"], walk["remaining"]
    x, y = walk["target"]
    return f"{bot_id} walking to ({x}, {y}), {walked} of {walked + remaining} tiles walked, {remaining} to go"


def _tutorial(bot_id: str, snapshot: dict[str, Any]) -> str:
    stage = snapshot.get("tutorial_stage")
    return f"{bot_id} in the tutorial" + (f", at {stage}" if stage else "")


def _status(bot_id: str, snapshot: dict[str, Any]) -> str:
    world = snapshot.get("pending_world") or snapshot.get("current_world")
    return f"{bot_id} is {snapshot.get('status')}" + (f" ({world})" if world else "")


#: What the line adds for a binding the cell waits on, from the bound bot's full snapshot.
DETAILS: dict[str, Callable[[str, dict[str, Any]], str | None]] = {
    "setPoint": _walk,
    "enterTutorial": _tutorial,
    "warp": _status,
    "connect": _status,
}


async def describe(runner: Any, elapsed: float) -> str:
    """The progress text for ``runner``'s running cell."""
    names = runner.waiting_on()
    if not names:
        return f"running ({elapsed:.1f} s)"
    text = f"waiting on {names[0]} ({elapsed:.1f} s)"
    detail, bot_id = DETAILS.get(names[0]), runner.bot_id
    if detail is not None and bot_id is not None:
        extra = detail(bot_id, await runner.fleet.get_bot(bot_id))
        if extra:
            text += f": {extra}"
    return text


async def with_cell_progress(work: Awaitable[T], runner: Any, new_line: Callable[[], Line]) -> T:
    """Await ``work`` (the cell's run); past :data:`SHOW_AFTER_S` show and update a progress
    line made by ``new_line``. A failing update only skips that update.

    ``work`` is awaited in the caller's task: a quick cell (most of them) costs one timer, not
    a task of its own and an ``asyncio.wait`` per period (each a turn of the event loop, which
    a trivial cell's round trip felt). The updates run in a task started by the timer."""
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    lines: list[Line] = []
    shower: asyncio.Task[None] | None = None

    def show() -> None:
        nonlocal shower
        shower = loop.create_task(_show_progress(runner, started, new_line, lines))

    timer = loop.call_later(SHOW_AFTER_S, show)
    try:
        return await work
    finally:
        timer.cancel()
        if shower is not None:
            shower.cancel()  # it never updates again: the cancel lands at its next await
        if lines:
            lines[0].close()


async def _show_progress(
    runner: Any, started: float, new_line: Callable[[], Line], lines: list[Line]
) -> None:
    """Every :data:`PERIOD_S`, the progress text of ``runner``'s cell on the line (made by
    ``new_line`` on the first update, kept in ``lines``)."""
    while True:
        with contextlib.suppress(Exception):
            text = await describe(runner, time.monotonic() - started)
            if not lines:
                lines.append(new_line())
            lines[0].update(text)
        await asyncio.sleep(PERIOD_S)
