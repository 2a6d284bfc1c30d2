"""Give freed heap memory back to the operating system.

A Lua VM that filled its 64 MiB cap and was dropped leaves its pages in glibc's free lists:
the process keeps them (and its RSS) until the same arena needs them again. ``malloc_trim``
returns them. It walks every arena, so it runs at most once per ``MIN_INTERVAL_S`` and only
after a VM that held at least ``WORTH_TRIMMING_BYTES`` was freed. ctypes releases the GIL
during the call. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

WORTH_TRIMMING_BYTES = 4 << 20
MIN_INTERVAL_S = 1.0

_lock = threading.Lock()
_last = 0.0
_pending = 0
_timer: threading.Timer | None = None


def _load_trim() -> object | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _load_trim()


def freed(nbytes: int) -> None:
    """``nbytes`` of Lua memory were just freed: once that adds up to enough, trim the heap now,
    or when the last trim is ``MIN_INTERVAL_S`` old (call it from a worker thread, never from
    the event loop)."""
    global _pending, _timer
    if _malloc_trim is None:
        return
    with _lock:
        _pending += nbytes
        if _pending < WORTH_TRIMMING_BYTES or _timer is not None:
            return
        wait = _last + MIN_INTERVAL_S - time.monotonic()
        if wait > 0:
            _timer = threading.Timer(wait, _trim)
            _timer.daemon = True
            _timer.start()
            return
    _trim()


def _trim() -> None:
    global _last, _pending, _timer
    with _lock:
        _last, _pending, _timer = time.monotonic(), 0, None
    _malloc_trim(0)
