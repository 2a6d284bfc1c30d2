"""The fleet's one storage thread.

Every SQLite write of a fleet runs here, one at a time and in the order the event loop asked
for it, so the loop never waits on the database's lock while a script writes 60 KB values (in
the soak of issue 16 those waits were the worst of ``/api/status``'s tail). Reads that must see
earlier writes (a library session closed by its run's end) run here too, queued behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class StorageThread:
    """One worker thread; ``executor`` for code that submits itself (Lua's storage bindings)."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="seraph-storage")

    def write_behind(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """``fn(*args)`` after every call queued before it; nobody need wait, so a failure is
        logged here (awaiting the future still sees it)."""
        future = self.executor.submit(fn, *args)
        future.add_done_callback(_log_failure(fn))
        return future

    async def call(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` after every call queued before it; its result."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def shutdown(self) -> None:
        """Run what is queued, then stop the thread."""
        self.executor.shutdown(wait=True)


def _log_failure(fn: Callable[..., Any]) -> Callable[[Future[Any]], None]:
    def log(future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            name = getattr(fn, "__qualname__", repr(fn))
            logger.error("storage write %s failed", name, exc_info=future.exception())

    return log
