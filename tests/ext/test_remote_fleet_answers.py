"""RemoteFleet decoding answers it cannot trust: whatever listens at the configured address
(a proxy's HTML page, a foreign or hostile server) may send text that is not JSON, or JSON
nested too deeply for Python to decode. Each is a clear ``RemoteError``, never a
``RecursionError`` in the kernel, and a bad event frame is skipped without dropping the
stream. Our own server cannot send these, so a small tornado server on loopback does."""

from __future__ import annotations

import asyncio

import pytest
from tornado import web
from tornado.httpserver import HTTPServer

from seraph_ext.testing import free_port
from seraph_kernel.errors import RemoteError
from seraph_kernel.fleet.remote import RemoteFleet

DEEP = "[" * 10_000 + "]" * 10_000
GOOD_FRAME = 'event: bot\ndata: {"client_id": "b1", "type": "chat", "text": "after"}\n\n'


class Answers(web.RequestHandler):
    """``POST /invoke`` answers the next ``(status, body)`` the test queued."""

    def initialize(self, queue: list[tuple[int, str]]) -> None:
        self.queue = queue

    def post(self) -> None:
        status, body = self.queue.pop(0)
        self.set_status(status)
        self.finish(body)


class Events(web.RequestHandler):
    """An event stream whose first frames are too deep or not objects, then a good one."""

    async def get(self) -> None:
        self.closed = asyncio.Event()
        self.set_header("Content-Type", "text/event-stream")
        for frame in (": connected\n\n", f"event: bot\ndata: {DEEP}\n\n", "data: 5\n\n", GOOD_FRAME):
            self.write(frame)
            await self.flush()
        await self.closed.wait()

    def on_connection_close(self) -> None:
        self.closed.set()


@pytest.fixture
async def foreign():
    """``(url, queue)`` of a server that answers what the test queues."""
    queue: list[tuple[int, str]] = []
    app = web.Application([(r"/invoke", Answers, {"queue": queue}), (r"/api/seraph/events", Events)])
    port = free_port()
    server = HTTPServer(app)
    server.listen(port, "127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port}/", queue
    finally:
        server.stop()
        await server.close_all_connections()


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, DEEP, "nested too deeply to decode"),
        (200, "<html>proxy login</html>", "not JSON"),
        (200, "", "not JSON"),
    ],
)
async def test_answers_that_are_not_json_are_a_clear_remote_error(foreign, status, body, message):
    url, queue = foreign
    queue.append((status, body))
    remote = RemoteFleet(url)
    try:
        with pytest.raises(RemoteError, match=message) as failed:
            await remote.list_bots()
        assert failed.value.http_status == 502
    finally:
        await remote.close()


async def test_an_error_answer_nested_too_deeply_keeps_its_status(foreign):
    url, queue = foreign
    queue.append((500, DEEP))
    remote = RemoteFleet(url)
    try:
        with pytest.raises(RemoteError) as failed:
            await remote.list_bots()
        assert failed.value.http_status == 500
    finally:
        await remote.close()


async def test_event_frames_that_are_not_objects_are_skipped_and_the_stream_stays(foreign):
    url, _ = foreign
    remote = RemoteFleet(url)
    subscription = remote.subscribe()
    try:
        event = await asyncio.wait_for(anext(subscription), 10)
        assert (event.kind, event.client_id, event.data["text"]) == ("bot", "b1", "after")
        assert remote.stream_connects == 1
    finally:
        subscription.close()
        await remote.close()
