"""Paced steps, A* planning, walks (the newest wins, the older gets ``CANCELLED``), single moves."""

from __future__ import annotations

import asyncio
import time

from seraph_kernel.backends.pathfinding import find_path
from seraph_kernel.backends.sim.bot_core import (
    WALK_REPLANS,
    SimBotCore,
    as_ints,
)
from seraph_kernel.backends.sim.client_world import ClientWorld
from seraph_kernel.backends.sim.link import LinkClosed, SimLink
from seraph_kernel.errors import InvalidArgument


def _retrieved(task: asyncio.Future) -> None:
    """Mark a task's outcome as seen, so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()


class SimBotMovement(SimBotCore):
    """Paced steps, A* planning, walks (the newest wins, the older gets ``CANCELLED``), single moves."""

    def _in_world(self, what: str) -> tuple[SimLink, ClientWorld] | str:
        link = self._need_link()
        if link is None:
            return self._fail("NOT_CONNECTED", f"{what}: {self.bot_id} is not connected")
        if self._world is None or self._status != "in_world":
            return self._fail("NOT_IN_WORLD", f"{what}: {self.bot_id} is not in a world")
        return link, self._world

    async def _step(self, link: SimLink, x: int, y: int) -> str | None:
        """One paced move; the server's refusal reason, or ``None``."""
        loop = asyncio.get_running_loop()
        wait = self._last_move_at + self._move_interval + 0.001 - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        sent = time.perf_counter()
        request = asyncio.ensure_future(link.request("move", self._timeout, x=x, y=y))
        request.add_done_callback(_retrieved)  # a link lost under a cancelled step is no error
        try:
            reply = await asyncio.shield(request)
        except asyncio.CancelledError:
            # let a move in flight be confirmed first, so whoever moves next starts from the
            # tile the server has (a step planned from a stale tile would count as a violation)
            await asyncio.wait([request])
            raise
        self.move_latency_ms.append((time.perf_counter() - sent) * 1000)
        if reply["t"] == "error":
            raise LinkClosed(reply["message"])
        return None if reply["ok"] else reply["reason"]

    def _plan(self, world: ClientWorld, x: int, y: int) -> list[tuple[int, int]] | None:
        if self._pos is None:
            return None
        if not (0 <= x < world.width and 0 <= y < world.height):
            return None
        return find_path(world.passable_grid(), world.width, world.height, self._pos, (x, y))

    async def get_path(self, x: int, y: int) -> list[tuple[int, int]]:
        if self._world is None or self._status != "in_world":
            return []
        return self._plan(self._world, int(x), int(y)) or []

    @property
    def walking(self) -> bool:
        return self._walk_task is not None and not self._walk_task.done()

    def cancel_walk(self) -> bool:
        walk, self._walk_task = self._walk_task, None
        if walk is None or walk.done():
            return False
        walk.cancel()
        return True

    async def walk_to(self, x: int, y: int) -> str | None:
        x, y = as_ints("walk_to", x, y)
        state = self._in_world("walk_to")
        if isinstance(state, str):
            return state
        self.cancel_walk()  # the newest walk wins; the older walker gets CANCELLED
        walk = self._walk_task = self._spawn(self._walk(*state, x, y))
        try:
            return await asyncio.shield(walk)
        except asyncio.CancelledError:
            cancelling = getattr(asyncio.current_task(), "cancelling", None)  # Python >= 3.11
            if walk.cancelled() and (cancelling is None or not cancelling()):
                return "CANCELLED"  # a newer walk replaced ours before its first step
            walk.cancel()  # our caller was cancelled: stop the bot, keep cancelling
            raise

    async def _walk(self, link: SimLink, world: ClientWorld, x: int, y: int) -> str | None:
        """The walk itself, in its own task so that :meth:`cancel_walk` ends it with
        ``CANCELLED`` while a cancelled caller still sees ``CancelledError``."""
        try:
            async with self._move_lock:
                for _ in range(WALK_REPLANS):
                    path = self._plan(world, x, y)
                    if path is None:
                        return self._fail("OTHER", f"walk_to: ({x},{y}) is unreachable from {self._pos}")
                    for walked, (nx, ny) in enumerate(path):
                        self.walk_progress = {
                            "target": [x, y],
                            "walked": walked,
                            "remaining": len(path) - walked,
                        }
                        if self._world is not world:  # left it, or the connection dropped under us
                            if link.closed:
                                return self._fail("DISCONNECTED", f"walk_to ({x},{y}): connection lost")
                            return self._fail("NOT_IN_WORLD", "walk_to: left the world")
                        if await self._step(link, nx, ny) is not None:
                            break  # snapped back: plan again from where the server says we are
                    else:
                        return None
                return self._fail("OTHER", f"walk_to: ({x},{y}) kept being blocked")
        except LinkClosed:
            return self._fail("DISCONNECTED", f"walk_to ({x},{y}): connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", f"walk_to ({x},{y}): no answer")
        except asyncio.CancelledError:
            return "CANCELLED"
        finally:
            self.walk_progress = None

    async def move(self, dx: int, dy: int) -> str | None:
        dx, dy = as_ints("move", dx, dy)
        if abs(dx) + abs(dy) != 1:
            raise InvalidArgument("move", f"a step is one tile up, down, left or right, got ({dx},{dy})")
        state = self._in_world("move")
        if isinstance(state, str):
            return state
        link, world = state
        assert self._pos is not None
        x, y = self._pos[0] + dx, self._pos[1] + dy
        if not world.passable(x, y):
            return self._fail("OTHER", f"move: tile ({x},{y}) is blocked")
        try:
            async with self._move_lock:
                reason = await self._step(link, x, y)
        except LinkClosed:
            return self._fail("DISCONNECTED", "move: connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", "move: no answer")
        return None if reason is None else self._fail("OTHER", f"move: {reason}")
