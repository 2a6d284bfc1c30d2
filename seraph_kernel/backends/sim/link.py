"""The sim client's connection to one host: requests matched to replies by ``rid``, every
frame (replies included, in arrival order) handed to a callback first, and one notification
when the connection is lost."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from typing import Any

from seraph_kernel.sim.protocol import ProtocolError, encode, read_frame

CLOSING = ("redirect", "bye")
log = logging.getLogger(__name__)


class LinkClosed(ConnectionError):
    """The connection is gone (closed by either side)."""


class SimLink:
    def __init__(
        self, on_message: Callable[[dict[str, Any]], None], on_lost: Callable[[SimLink], None]
    ) -> None:
        self._on_message = on_message
        self._on_lost = on_lost
        self._pending: dict[int, asyncio.Future] = {}
        self._rids = itertools.count(1)
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task | None = None
        self.closed = False
        self.intentional = False  # closed by us: no "lost" notification

    async def open(self, ip: str, port: int) -> None:
        reader, self._writer = await asyncio.open_connection(ip, port, limit=2**20)
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))

    def send(self, t: str, **fields: Any) -> None:
        """Fire and forget."""
        if self.closed or self._writer is None:
            raise LinkClosed("not connected")
        self._writer.write(encode({"t": t, **fields}))

    async def request(self, t: str, timeout: float, **fields: Any) -> dict[str, Any]:
        """Send and wait for the reply with the same ``rid``. Raises :class:`LinkClosed` or
        ``TimeoutError``."""
        rid = next(self._rids)
        future = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            self.send(t, rid=rid, **fields)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(rid, None)

    async def close(self) -> None:
        """Close on purpose (no ``on_lost``); waits for the reader to finish."""
        self.intentional = True
        self._shutdown()
        if self._reader_task is not None and self._reader_task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task

    def abort(self) -> None:
        """Close on purpose without waiting (usable while being cancelled)."""
        self.intentional = True
        self._shutdown()

    def _shutdown(self) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.close()
        if not self.closed:
            self.closed = True
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(LinkClosed("connection closed"))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                msg = await read_frame(reader)
                if msg["t"] in CLOSING:
                    self.intentional = True  # the server closes right after: not a loss
                try:
                    self._on_message(msg)
                except Exception:  # a client bug must not look like a lost connection
                    log.exception("sim client: cannot handle %r", msg.get("t"))
                future = self._pending.get(msg.get("rid")) if "rid" in msg else None
                if future is not None and not future.done():
                    future.set_result(msg)
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError, OSError):
            pass
        finally:
            self._shutdown()
            if not self.intentional:
                self._on_lost(self)
