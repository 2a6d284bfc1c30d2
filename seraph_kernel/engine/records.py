"""Run records: the state of one execution, in the task shape of spec 004 (states, error
codes, results, times), and the limits runs are held to."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from seraph_kernel.vocab import (
    FAILED,
    PROCESSING,
    QUEUED,
)


@dataclass
class Limits:
    """What one VM / run may use. ``budget_ms=None`` disables the no-yield budget."""

    memory_bytes: int = 64 << 20
    budget_ms: int | None = 5000
    cleanup_deadline_ms: int = 5000
    end_phase_deadline_ms: int = 15000
    output_limit_bytes: int = 1 << 20
    console_lines: int = 5000
    console_bytes: int = 1 << 20
    end_collect_above: float = 0.0
    """A run's end collects the VM's garbage (a full GC: about 0.1 ms for a small VM, several
    per run) only when the VM uses more than this fraction of ``memory_bytes``. 0, the
    default, always collects, so the next run's memory checks see what is really in use."""


def epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class RunRecord:
    """The state of one execution (spec 004's task: state, error, output, times)."""

    state: str = QUEUED
    error: dict[str, str] | None = None
    results: list[Any] = field(default_factory=list)
    started_at: int | None = None
    ended_at: int | None = None
    timeout_ms: int | None = None

    @property
    def running(self) -> bool:
        return self.state in (QUEUED, PROCESSING)

    @property
    def last_error(self) -> str | None:
        """001's ``last_error``: the message of a failed run, else ``None``."""
        if self.state == FAILED and self.error is not None:
            return self.error["message"]
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "last_error": self.last_error,
            "state": self.state,
            "error": dict(self.error) if self.error else None,
            "results": self.results,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "timeout_ms": self.timeout_ms,
        }
