"""Cell inputs on their way to IPython's history, stored when the kernel is idle.

IPython's ``HistoryManager.store_inputs`` keeps the input lists, the SQLite batch and the
``_i``/``_ii``/``_iii``/``_iN`` names of the Python namespace. Its four trait assignments (each
with change notification) and the namespace push cost a trivial Lua cell about a tenth of its
round trip (issue 14; ``docs/runtime.md``, "Kernel round trip"). Only Python reads those names,
so a cell's input waits here and is stored, in order, when anything may look at the history:
before Python runs (``%%python``), before a history request, at shutdown, once the kernel has
run no cell for :data:`IDLE_S`, and every :data:`BATCH` inputs. The SQLite batch is then
written on IPython's history thread.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

BATCH = 200
"""Inputs the history keeps in memory before its thread writes them to SQLite (IPython's
default, 0, commits a transaction per cell while the next one runs; each commit's thread
competed with the next cell for the GIL). Also the most inputs waiting here."""
IDLE_S = 1.0
"""The inputs are stored and the batch written once the kernel has run no cell for this long,
so a kernel killed outright loses only the inputs of its last second of work."""


class DeferredInputs:
    """Inputs not yet given to ``manager.store_inputs``; used on the kernel's event loop only."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        manager.db_cache_size = BATCH
        self._waiting: list[tuple[int, str]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._last = 0.0

    def add(self, count: int, code: str) -> None:
        """Keep ``code`` (cell ``count``) for the history; a list append on the cell's path."""
        self._waiting.append((count, code))
        self._last = time.monotonic()
        if len(self._waiting) >= BATCH:
            self.store()
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(IDLE_S, self._when_idle)

    def store(self) -> None:
        """Give IPython every waiting input, oldest first."""
        waiting, self._waiting = self._waiting, []
        for count, code in waiting:
            self.manager.store_inputs(count, code)

    def _when_idle(self) -> None:
        """The timer: wait again while cells ran in the last :data:`IDLE_S` (one timer, not one
        per cell); then store the inputs and wake the history thread to write them."""
        rest = self._last + IDLE_S - time.monotonic()
        if rest > 0:
            self._timer = asyncio.get_running_loop().call_later(rest, self._when_idle)
            return
        self._timer = None
        self.store()
        if self.manager.db_input_cache and self.manager.save_flag is not None:
            self.manager.save_flag.set()
