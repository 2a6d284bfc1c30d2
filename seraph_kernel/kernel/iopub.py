"""IOPub messages of the main thread sent on the main thread (issue 14: the round trip).

ipykernel's ``IOPubThread`` sends every IOPub message on a thread of its own: each ``send``
appends a closure to a queue and wakes that thread through an inproc pipe, and the woken thread
then competes with the main thread for the GIL. A trivial cell publishes four messages (``busy``,
``execute_input``, ``execute_result``, ``idle``), so it paid four wakes, and the main thread's
calls into Lua and zmq waited for the IOPub thread in between. :class:`DirectIOPubThread` sends a
message of the main thread on the main thread, under a lock every use of the socket takes, when
nothing is queued for the IOPub thread (else it queues behind it, so the order on the wire stays
the order of the calls). Other threads' output (``%%python``'s ``print`` flushed from the IOPub
thread, subprocesses' pipe) goes through the thread as before, so a busy main thread never
delays it.

The IOPub socket is an ``XPUB``: the IOPub thread also reads subscriptions from it, to answer
each with ``iopub_welcome``. ipykernel reads them with a ``ZMQStream``, which touches the socket
outside any lock; here a handler on the IOPub thread's loop reads them under the lock, and a
direct send that leaves input waiting (zmq's descriptor is edge-triggered: the send may have
consumed the edge) schedules a read on the IOPub thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import zmq
from ipykernel.iostream import IOPubThread


class DirectIOPubThread(IOPubThread):
    """``IOPubThread`` whose main-thread sends skip the thread when its queue is empty."""

    def __init__(self, socket: Any, pipe: bool = False, session: Any = False) -> None:
        #: Every use of the socket: direct sends, the thread's sends, subscription reads.
        self._socket_lock = threading.RLock()
        #: Closures scheduled on the thread and not finished yet (a direct send waits for 0).
        self._queued = 0
        self._main_ident = threading.main_thread().ident
        super().__init__(socket, pipe=pipe, session=session)

    def _setup_xpub_listener(self) -> None:
        if not hasattr(self.socket, "getsockopt") or self.socket.getsockopt(zmq.TYPE) != zmq.XPUB:
            return
        # the socket itself, as ZMQStream registers it: the loop's close(all_fds=True) then
        # closes the socket, never zmq's own descriptor under it
        self.io_loop.add_handler(self.socket, self._read_subscriptions, self.io_loop.READ)

    def _read_subscriptions(self, fd: Any = None, events: Any = None) -> None:
        """Answer every subscription waiting on the socket (on the IOPub thread)."""
        with self._socket_lock:
            socket = self.socket
            while socket is not None and socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                try:
                    frames = socket.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._handle_subscription(frames)

    def schedule(self, f: Callable[[], Any]) -> None:
        with self._socket_lock:
            self._queued += 1

        def counted() -> None:
            try:
                f()
            finally:
                with self._socket_lock:
                    self._queued -= 1

        super().schedule(counted)

    def send_multipart(self, *args: Any, **kwargs: Any) -> None:
        if threading.get_ident() == self._main_ident and self.thread.is_alive():
            with self._socket_lock:
                if self._queued == 0 and not self.closed:
                    self._really_send(*args, **kwargs)
                    if self.socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                        self.schedule(self._read_subscriptions)
                    return
        super().send_multipart(*args, **kwargs)

    def _really_send(self, *args: Any, **kwargs: Any) -> None:
        with self._socket_lock:
            super()._really_send(*args, **kwargs)
