"""The encoded ``GET /api/bots`` body, shared by requests until a bot changes.

Dashboards poll the bot list from many tabs; building and encoding 100 snapshots costs more
than the rest of the request. The body is reused while no fleet event arrived since it was
built (events are delivered synchronously on the loop, so a change made by a request is seen
by the next one) and for at most ``max_age_s``, which bounds how stale un-evented fields such
as ``ping_ms`` can be.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from seraph_kernel.fleet.base import Fleet
from seraph_kernel.fleet.events import BusSubscription

DEFAULT_MAX_AGE_S = 0.25


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

    async def get(self) -> EncodedList:
        """Events arriving while the list is built stay queued, so the next call rebuilds."""
        expired = time.monotonic() - self._built_at > self._max_age_s
        if self._changed() or self._encoded is None or expired:
            self._built_at = time.monotonic()
            bots = await self._fleet.list_bots()
            body = json.dumps({"bots": bots}, separators=(",", ":")).encode()
            self._encoded = EncodedList(body, f'"{hashlib.sha1(body).hexdigest()}"')
        return self._encoded

    def close(self) -> None:
        if self._changes is not None:
            self._changes.close()

    def _changed(self) -> bool:
        """Drain the events received since the last call; whether there were any."""
        if self._changes is None:
            return True
        changed = False
        while self._changes.get_nowait() is not None:
            changed = True
        return changed
