"""``GET /api/seraph/events``: the fleet's events as Server-Sent Events.

Frames are ``event: session`` (``{"snapshot": {...}}`` on every status change), ``event: log``
(``{timestamp_ms, level, scope, session_id, message}``) and, additively, ``event: bot``
(fine-grained bot events). Every frame's data also carries ``client_id`` (the bot the event
belongs to) and ``workspace`` (its workspace, ``docs/workspaces.md``). ``?client_id=`` keeps
one bot's events, ``?workspace=`` one workspace's; with the ``X-Seraph-Workspace`` header the
stream is that workspace's, with short ids. A ``: connected`` comment is sent once the
subscription exists, and ``: heartbeat`` comments while idle, so proxies keep the stream open
and a vanished client is noticed. Browsers' ``EventSource`` cannot set headers: ``?token=``
authenticates here as on every Jupyter route.

Events that queued up while a frame was being sent go out together, in one write and one
flush (a thousand printing scripts make ten thousand lines a second). A client too slow for
the stream loses its oldest events rather than growing the server's memory, and is told so
by an ``event: dropped`` frame ``{"dropped": <events lost since the last such frame>}``.
``session`` snapshots are coalesced instead (``seraph_kernel/fleet/events.py``): a slow client
gets the latest snapshot of each bot, once, and is not told of the older ones it skipped
(nothing is lost). ``GET /api/seraph/info`` shows each stream's backlog.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from seraph_ext.handlers.base import SeraphHandler
from seraph_ext.handlers.params import MAX_ID_LENGTH
from seraph_kernel.commands.workspaces import workspace_name
from seraph_kernel.errors import InvalidArgument
from seraph_kernel.fleet.base import FleetEvent, Subscription
from seraph_kernel.fleet.workspaces import workspace_of

CONTENT_TYPE = "text/event-stream"
#: Most bytes of frames written before one flush.
BATCH_BYTES = 256 << 10
#: The fallback for data orjson refuses (keys that are not strings): ``json.dumps`` with
#: ``separators`` builds a new encoder per call.
_JSON_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def _encode(data: dict[str, Any]) -> str:
    """Compact JSON of a frame's data: orjson (a tenth of the ``json`` encoder's cost, which was
    the largest single cost of a ten-thousand-lines-a-second stream), ``json`` when it refuses."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:
        return _JSON_ENCODE(data)


def sse_frame(event: FleetEvent, workspace: str | None = None) -> str:
    """One SSE frame: ``event: <kind>`` and a single-line JSON ``data:`` with the event's bot
    and its workspace (``workspace`` when the stream is one workspace's, with short ids)."""
    data = {
        "client_id": event.client_id,
        "workspace": workspace or workspace_of(event.client_id),
        **event.data,
    }
    return f"event: {event.kind}\ndata: {_encode(data)}\n\n"


def dropped_frame(count: int) -> str:
    """Tells a slow client that ``count`` events were dropped before the next frame."""
    return f"event: dropped\ndata: {json.dumps({'dropped': count})}\n\n"


class EventsHandler(SeraphHandler):
    """Streams until the client leaves or the server shuts down."""

    _track_activity = False
    _subscription: Subscription | None = None

    @web.authenticated
    @authorized
    async def get(self) -> None:
        client_id = self.query("client_id")
        if client_id is not None and not 0 < len(client_id) <= MAX_ID_LENGTH:
            raise InvalidArgument("client_id", f"must be 1 to {MAX_ID_LENGTH} characters")
        only = self.query("workspace")
        if only is not None:
            workspace_name(only)
        inside = self.workspace_header()
        fleet = await self.fleet()
        subscription = self._subscription = fleet.subscribe(client_id)
        subscription.live_stream = True  # a caller follows the bot (the library's require_sessions)
        self.extension.streams.add(subscription)
        heartbeat = self.extension.sse_heartbeat_seconds
        self.set_header("Content-Type", CONTENT_TYPE)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        try:
            await self._send(": connected\n\n")
            reported = 0
            while not self._client_gone:
                event = subscription.get_nowait()
                if event is None:
                    try:
                        event = await asyncio.wait_for(anext(subscription), heartbeat)
                    except asyncio.TimeoutError:
                        await self._send(": heartbeat\n\n")
                        continue
                    except StopAsyncIteration:
                        break
                frames = []
                if subscription.dropped > reported:
                    frames.append(dropped_frame(subscription.dropped - reported))
                    reported = subscription.dropped
                size = 0
                while event is not None:
                    if only is None or (inside or workspace_of(event.client_id)) == only:
                        frames.append(frame := sse_frame(event, inside))
                        size += len(frame)
                    event = subscription.get_nowait() if size < BATCH_BYTES else None
                if frames:
                    await self._send("".join(frames))
        except StreamClosedError:
            pass
        finally:
            subscription.close()
            self.extension.streams.discard(subscription)
        if not self._client_gone:
            self.finish(set_content_type=CONTENT_TYPE)

    async def _send(self, text: str) -> None:
        self.write(text)
        await self.flush()

    def on_connection_close(self) -> None:
        super().on_connection_close()
        if self._subscription is not None:
            self._subscription.close()


handlers = [(r"/api/seraph/events", EventsHandler)]
