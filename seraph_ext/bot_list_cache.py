"""The encoded ``GET /api/bots`` body, shared by requests until a bot changes.

Dashboards poll the bot list from many tabs; building and encoding 100 snapshots costs more
than the rest of the request. The body is reused while no fleet event arrived since it was
built (events are delivered synchronously on the loop, so a change made by a request is seen
by the next one) and for at most ``max_age_s``, which bounds how stale un-evented fields such
as ``ping_ms`` can be. Console lines (``log`` events) change no snapshot and do not count: a
thousand printing scripts would otherwise keep the body from ever being reused.

With 10,000 bots the body is 5 MB and takes a few hundred milliseconds to build, so it is built
a page of ``list_bots`` at a time (``commands/paging.py``), yielding to the event loop between
pages: other requests (and the bots' network I/O) keep being served meanwhile, and requests
arriving during a build share it instead of starting their own. A body is also reused for up to
``BUILD_AGE_FACTOR`` times as long as its build took, when that is longer than ``max_age_s``,
so polling a large idle fleet does not rebuild it on every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass

from seraph_kernel.fleet.base import Fleet
from seraph_kernel.fleet.events import BusSubscription

DEFAULT_MAX_AGE_S = 0.25
#: Bots encoded between two yields to the event loop while the body is built.
BUILD_PAGE = 500
#: A body is reused for at least this many times the duration of its build.
BUILD_AGE_FACTOR = 4


@dataclass(frozen=True)
class EncodedList:
    """The response body and its ETag (clients polling with ``If-None-Match`` get 304)."""

    body: bytes
    etag: str


class BotListCache:
    """``await cache.get()``: the JSON of ``{"bots": [...]}`` and its ETag."""

    def __init__(self, fleet: Fleet, max_age_s: float = DEFAULT_MAX_AGE_S) -> None:
        self._fleet = fleet
        self._max_age_s = max_age_s
        subscription = fleet.subscribe()
        self._changes = subscription if isinstance(subscription, BusSubscription) else None
        if self._changes is None:
            subscription.close()
        self._encoded: EncodedList | None = None
        self._built_at = 0.0
        self._build_s = 0.0
        self._dropped_seen = 0
        self._building: asyncio.Future[EncodedList] | None = None

    async def get(self) -> EncodedList:
        """Events arriving while the list is built stay queued, so the next call rebuilds."""
        if self._building is not None:
            return await asyncio.shield(self._building)
        expired = time.monotonic() - self._built_at > max(self._max_age_s, BUILD_AGE_FACTOR * self._build_s)
        if self._changed() or self._encoded is None or expired:
            self._built_at = time.monotonic()
            self._building = asyncio.ensure_future(self._build())
            try:
                self._encoded = await asyncio.shield(self._building)
            finally:
                self._building = None
            self._build_s = time.monotonic() - self._built_at
        return self._encoded

    async def _build(self) -> EncodedList:
        """``{"bots": [...]}`` exactly as ``json.dumps`` of the whole list would encode it."""
        parts: list[bytes] = []
        after = None
        while True:
            page = await self._fleet.invoke("list_bots", {"limit": BUILD_PAGE, "after": after})
            if page["bots"]:
                parts.append(json.dumps(page["bots"], separators=(",", ":")).encode()[1:-1])
            after = page.get("next")  # a fleet that does not page answers the whole list
            if after is None:
                break
            await asyncio.sleep(0)
        body = b'{"bots":[' + b",".join(parts) + b"]}"
        return EncodedList(body, f'"{hashlib.sha1(body).hexdigest()}"')

    def close(self) -> None:
        if self._changes is not None:
            self._changes.close()

    def _changed(self) -> bool:
        """Drain the events received since the last call; whether one of them may have changed
        a snapshot (any but a console line; events lost to the queue's bounds count too)."""
        if self._changes is None:
            return True
        changed = self._changes.dropped != self._dropped_seen
        self._dropped_seen = self._changes.dropped
        while (event := self._changes.get_nowait()) is not None:
            changed = changed or event.kind != "log"
        return changed
