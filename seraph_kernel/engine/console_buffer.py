"""ConsoleBuffer: the captured output of one script (001 ``GET /api/scripts/console``).

Bounded (newest lines win) so a chatty script cannot grow the host's memory, thread-safe
because Lua prints from scheduler worker threads while REST handlers read on the event loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

MAX_LINE_BYTES = 16 * 1024
LEVELS = ("info", "warn", "error")


def clip_line(text: str, limit: int = MAX_LINE_BYTES) -> str:
    """Cut a single line that is longer than ``limit`` bytes and say how much was cut."""
    if len(text) <= limit // 4:
        return text
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + f"… [truncated {len(data) - limit} bytes]"


class ConsoleBuffer:
    """The newest ``max_lines`` lines ``{ts_ms, level, text, seq}``; ``seq`` only grows."""

    def __init__(self, max_lines: int = 5000, listener: Callable[[dict[str, Any]], None] | None = None):
        self._lines: deque[dict[str, Any]] = deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self._seq = 0
        self.listener = listener

    def append(self, level: str, text: str) -> dict[str, Any]:
        """Add a line; ``listener`` (if any) is called with it on this thread."""
        if level not in LEVELS:
            level = "info"
        text = clip_line(str(text))
        with self._lock:
            self._seq += 1
            line = {"ts_ms": int(time.time() * 1000), "level": level, "text": text, "seq": self._seq}
            self._lines.append(line)
        if self.listener is not None:
            self.listener(line)
        return line

    def lines(self, after: int | None = None) -> list[dict[str, Any]]:
        """Copies of the kept lines, only those with ``seq > after`` when given."""
        with self._lock:
            if after is None:
                return [dict(line) for line in self._lines]
            return [dict(line) for line in self._lines if line["seq"] > after]

    def clear(self) -> None:
        with self._lock:
            self._lines.clear()

    @property
    def last_seq(self) -> int:
        return self._seq

    def __len__(self) -> int:
        return len(self._lines)
