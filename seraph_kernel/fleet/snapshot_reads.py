"""A remote fleet's snapshot reads, answered again without a round trip while nothing changed.

A script written for Seraph reads its bot's state freely: ``client:point()`` in the inner loop
of a search is a read of the game state in Seraph's own process. Through ``RemoteFleet`` every
read was a ``get_bot`` round trip to the server (7.5 ms), and the farming notebook's search for
the nearest block (two ``client:point()`` per candidate tile, 11,000 reads) took 91 s on a
Jupyter server against 9 s in a kernel of its own.

A snapshot read is kept for at most ``ttl_s`` and only while nothing could have changed it that
this client would know of: any other command this client sends (an action, a walk, a create)
forgets every kept snapshot when it is sent and when it answers, and so does any event of the
server's stream other than a console line (a status change, a move, a tile, a dropped frame),
and the stream connecting again. A read whose request was in flight while something was
forgotten is not kept. What the server changes without telling (another client's action that
sends no event) is seen at most ``ttl_s`` late: the same staleness a read already had under
load.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from seraph_kernel.fleet.base import JSON

#: The longest a kept snapshot answers a read.
SNAPSHOT_TTL_S = 0.1


class SnapshotReads:
    """Kept ``get_bot`` answers by bot id; the answers are shared: callers only read them."""

    def __init__(self, ttl_s: float = SNAPSHOT_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._kept: dict[str, tuple[float, JSON]] = {}
        #: Counts the times everything was forgotten: a read started before one is not kept.
        self.generation = 0
        self.hits = 0

    def get(self, bot_id: str) -> JSON | None:
        """The kept snapshot of ``bot_id``, or ``None`` (none kept, or older than ``ttl_s``)."""
        kept = self._kept.get(bot_id)
        if kept is None:
            return None
        if self._clock() - kept[0] > self.ttl_s:
            del self._kept[bot_id]
            return None
        self.hits += 1
        return kept[1]

    def keep(self, bot_id: str, generation: int, snapshot: JSON) -> None:
        """Keep the answer of a read that started at ``generation``, unless something was
        forgotten since."""
        if generation == self.generation:
            self._kept[bot_id] = (self._clock(), snapshot)

    def forget(self) -> None:
        """Something may have changed: no kept snapshot answers again."""
        self.generation += 1
        self._kept.clear()
