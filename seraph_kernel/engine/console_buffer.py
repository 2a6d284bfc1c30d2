"""ConsoleBuffer: the captured output of one script (001 ``GET /api/scripts/console``).

Bounded so a chatty script cannot grow the host's memory: each buffer keeps its newest lines
within a line count *and* a byte size, and every buffer of the process shares one
:class:`ConsoleBudget`, a total byte cap across all consoles. Thread-safe because Lua prints
from scheduler worker threads while REST handlers read on the event loop.

When the total is over its cap, the appending buffer gives up its own oldest lines if it holds
at least an equal share of the cap (``cap / number of buffers``); otherwise the buffer holding
the most bytes gives up its oldest lines. A chatty script so pays for its own output, and a new
script's first lines are never refused because older consoles filled the process.
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from sys import getsizeof
from typing import Any

MAX_LINE_BYTES = 16 * 1024
DEFAULT_MAX_LINES = 5000
DEFAULT_MAX_BYTES = 1 << 20
DEFAULT_TOTAL_BYTES = 64 << 20
#: What a kept line costs besides its text: the line's dict and its numbers.
LINE_OVERHEAD = 240
LEVELS = ("info", "warn", "error")


#: Texts up to this many characters are never over ``MAX_LINE_BYTES`` (4 bytes a character).
_CLIP_CHARS = MAX_LINE_BYTES // 4
_NO_LINES: tuple[()] = ()
"""The columns of a buffer holding no line: an empty deque is 760 bytes, four per buffer, and
most detached scripts of a farm never print (issue 14's RSS per script)."""


def clip_line(text: str, limit: int = MAX_LINE_BYTES) -> str:
    """Cut a single line that is longer than ``limit`` bytes and say how much was cut."""
    if len(text) <= limit // 4:
        return text
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + f"… [truncated {len(data) - limit} bytes]"


def line_cost(text: str) -> int:
    """The bytes a kept line counts for: the memory its text takes plus a fixed overhead."""
    return sys.getsizeof(text) + LINE_OVERHEAD


class _Held:
    """The bytes one buffer holds, kept apart from the buffer so its finalizer can read them."""

    __slots__ = ("bytes",)

    def __init__(self) -> None:
        self.bytes = 0


class ConsoleBudget:
    """The total bytes the console buffers sharing it may hold together (one per process:
    :func:`process_budget`). A buffer that is garbage-collected gives its bytes back."""

    def __init__(self, limit_bytes: int = DEFAULT_TOTAL_BYTES) -> None:
        self.limit_bytes = limit_bytes
        # Reentrant: a buffer's finalizer takes it, and the garbage collector may run one on a
        # thread that already holds it (an allocation inside ``_largest``).
        self._lock = threading.RLock()
        self._used = 0
        self._buffers: weakref.WeakSet[ConsoleBuffer] = weakref.WeakSet()

    @property
    def used_bytes(self) -> int:
        """Bytes held by every buffer of this budget."""
        return self._used

    @property
    def over(self) -> bool:
        return self._used > self.limit_bytes

    def __len__(self) -> int:
        """How many live buffers share this budget."""
        with self._lock:
            return len(self._buffers)

    def _register(self, buffer: ConsoleBuffer, held: _Held) -> None:
        with self._lock:
            self._buffers.add(buffer)
        weakref.finalize(buffer, self._change, held, None)

    def _change(self, held: _Held, delta: int | None) -> None:
        """Add ``delta`` bytes to ``held`` and the total; ``None`` gives all of ``held`` back."""
        with self._lock:
            if delta is None:
                delta = -held.bytes
            held.bytes += delta
            self._used += delta

    def _fair_share(self) -> int:
        with self._lock:
            return self.limit_bytes // max(1, len(self._buffers))

    def _largest(self, exclude: ConsoleBuffer) -> ConsoleBuffer | None:
        with self._lock:
            buffers = list(self._buffers)
        others = [b for b in buffers if b is not exclude and b.bytes > 0]
        return max(others, key=lambda b: b.bytes, default=None)


_PROCESS_BUDGET = ConsoleBudget()


def process_budget() -> ConsoleBudget:
    """The budget every buffer uses unless given another; a fleet sets its ``limit_bytes``
    from ``FleetConfig.console_total_bytes``."""
    return _PROCESS_BUDGET


class ConsoleBuffer:
    """The newest lines ``{ts_ms, level, text, seq}`` within ``max_lines`` and ``max_bytes``
    (the newest line is always kept); ``seq`` only grows."""

    def __init__(
        self,
        max_lines: int = DEFAULT_MAX_LINES,
        listener: Callable[[dict[str, Any]], None] | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        budget: ConsoleBudget | None = None,
    ):
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.budget = budget if budget is not None else _PROCESS_BUDGET
        # the kept lines, column by column (no container object per line: lines kept by the
        # thousand would each count for the garbage collector, which then ran full collections
        # over the whole process every few hundred lines); their seqs are consecutive, ending
        # at ``_seq``; ``_NO_LINES`` until the first line comes and after ``clear``
        self._stamps: deque[int] | tuple[()] = _NO_LINES
        self._levels: deque[str] | tuple[()] = _NO_LINES
        self._texts: deque[str] | tuple[()] = _NO_LINES
        # what each line counted for when it came: ``getsizeof`` of a text grows later if
        # anything asks for its UTF-8 (pickling it to the server, encoding it), and giving back
        # the larger size when the line goes made the buffer forget bytes it still held
        self._costs: deque[int] | tuple[()] = _NO_LINES
        self._lock = threading.Lock()
        self._seq = 0
        self._held = _Held()
        self.listener = listener
        #: Called with every batch of new lines (the list) instead of ``listener``, when set.
        self.batch_listener: Callable[[list[dict[str, Any]]], None] | None = None
        self.budget._register(self, self._held)

    @property
    def bytes(self) -> int:
        """The bytes the kept lines count for (see :func:`line_cost`)."""
        return self._held.bytes

    def append(self, level: str, text: str) -> dict[str, Any]:
        """Add a line; the listeners (if any) are called with it on this thread."""
        return self.append_many(((level, text),))[0]

    def append_many(self, lines: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """Add ``(level, text)`` lines in order, as one change: one lock, one timestamp, one
        change of the budget (a script's prints arrive in batches, see loader.lua). Hands
        ``batch_listener`` the list (else ``listener`` each line) on this thread."""
        ts_ms = int(time.time() * 1000)
        budget = self.budget
        added: list[dict[str, Any]] = []
        with self._lock:
            if self._texts is _NO_LINES:
                self._stamps, self._levels, self._texts, self._costs = deque(), deque(), deque(), deque()
            stamps, levels, texts, costs = self._stamps, self._levels, self._texts, self._costs
            seq = self._seq
            delta = 0
            for level, text in lines:
                if type(text) is not str:
                    text = str(text)
                if len(text) > _CLIP_CHARS:
                    text = clip_line(text)
                if level not in LEVELS:
                    level = "info"
                seq += 1
                stamps.append(ts_ms)
                levels.append(level)
                texts.append(text)
                added.append({"ts_ms": ts_ms, "level": level, "text": text, "seq": seq})
                cost = getsizeof(text) + LINE_OVERHEAD  # line_cost, inlined: the hot path
                costs.append(cost)
                delta += cost
            self._seq = seq
            # the lines and the lines they push out are one change of the budget (one lock)
            held = self._held.bytes + delta
            while len(texts) > 1 and (len(texts) > self.max_lines or held > self.max_bytes):
                stamps.popleft()
                levels.popleft()
                texts.popleft()
                dropped = costs.popleft()
                held -= dropped
                delta -= dropped
            budget._change(self._held, delta)
            if budget._used > budget.limit_bytes and self._held.bytes >= budget._fair_share():
                while len(texts) > 1 and budget.over:
                    self._drop_oldest()
        if budget.over:
            self._reclaim()
        if self.batch_listener is not None:
            self.batch_listener(added)
        elif self.listener is not None:
            for line in added:
                self.listener(line)
        return added

    def _drop_oldest(self) -> None:
        """Forget the oldest line; the caller holds ``self._lock``."""
        self._stamps.popleft()
        self._levels.popleft()
        self._texts.popleft()
        self.budget._change(self._held, -self._costs.popleft())

    def _reclaim(self) -> None:
        """The total is over: the buffers holding the most bytes give up their oldest lines.
        Only one buffer lock is held at a time, so two appenders cannot deadlock."""
        budget = self.budget
        while budget.over:
            victim = budget._largest(exclude=self)
            if victim is None:
                return
            with victim._lock:
                if not victim._texts:
                    continue
                while victim._texts and budget.over:
                    victim._drop_oldest()

    def lines(self, after: int | None = None) -> list[dict[str, Any]]:
        """Copies of the kept lines, only those with ``seq > after`` when given."""
        with self._lock:
            n = len(self._texts)
            first = self._seq - n + 1  # the seq of the oldest kept line
            skip = 0 if after is None else min(n, max(0, after - first + 1))
            return [
                {"ts_ms": ts_ms, "level": level, "text": text, "seq": seq}
                for seq, ts_ms, level, text in zip(
                    range(first + skip, self._seq + 1),
                    islice(self._stamps, skip, None),
                    islice(self._levels, skip, None),
                    islice(self._texts, skip, None),
                    strict=True,
                )
            ]

    def clear(self) -> None:
        """Forget every line (their bytes go back to the budget); ``seq`` keeps growing."""
        with self._lock:
            self._stamps = self._levels = self._texts = self._costs = _NO_LINES
            self.budget._change(self._held, None)

    @property
    def last_seq(self) -> int:
        return self._seq

    def __len__(self) -> int:
        return len(self._texts)
