"""The kernel's ``IPKernelApp``: ipykernel's own, minus the round-trip costs a Lua kernel has no
use for (issue 14: a trivial cell answers within ILua's time).

- No shell-channel thread. ipykernel 7 receives every shell request on a thread of its own and
  forwards it to the main thread over an inproc socket, only so that subshells can run beside a
  busy main thread. Lua cells never block the main thread (they run on the engine's workers)
  and ``kernel_info`` offers no subshells, so requests go straight to the main thread's loop.
- ``sys.stdout``/``sys.stderr`` flushes that have nothing to send return at once. ipykernel
  flushes both streams twice per request, each time a round trip to the IOPub thread; only
  ``%%python`` writes to them (Lua output is published directly).
- IOPub messages of the main thread leave from the main thread (``kernel/iopub.py``) instead
  of waking ipykernel's IOPub thread four times per cell.
- The app's ``Session`` is :class:`~seraph_kernel.kernel.session.KernelSession`: a cell's
  messages are built in one function, and request dates are not parsed.
- The app's logger drops debug records at once. traitlets leaves it at DEBUG and filters in
  the handler, so each of ipykernel's four ``log.debug`` calls per request built a record.
"""

from __future__ import annotations

import logging
from typing import Any

import zmq
from ipykernel.iostream import OutStream
from ipykernel.kernelapp import IPKernelApp
from traitlets import DottedObjectName

from seraph_kernel.kernel.iopub import DirectIOPubThread
from seraph_kernel.kernel.session import KernelSession, keep_header_dates


class QuietFlushOutStream(OutStream):
    """An ``OutStream`` whose ``flush`` skips the IOPub thread round trip when nothing was
    written since the last flush began (each ``write`` marks a flush as pending)."""

    def flush(self) -> None:
        if not self._flush_pending and not self._subprocess_flush_pending:
            return
        super().flush()


class SeraphKernelApp(IPKernelApp):
    """Launches :class:`~seraph_kernel.kernel.kernel.SeraphKernel` without ipykernel's
    shell-channel thread and with :class:`QuietFlushOutStream` for ``sys.stdout``/``stderr``."""

    outstream_class = DottedObjectName(
        "seraph_kernel.kernel.app.QuietFlushOutStream",
        help="The stream class of sys.stdout and sys.stderr (ipykernel's, with cheap empty flushes).",
    ).tag(config=True)

    def initialize(self, argv: Any = None) -> None:
        keep_header_dates()
        super().initialize(argv)

    def _session_default(self) -> KernelSession:
        return KernelSession(parent=self)

    def get_default_logging_config(self) -> dict[str, Any]:
        """traitlets' logging setup, with the logger at the console handler's level unless
        ``logging_config`` adds handlers of its own (they may want more)."""
        config = super().get_default_logging_config()
        if not self.logging_config:
            for logger in config.get("loggers", {}).values():
                logger["level"] = logging.getLevelName(self.log_level)
        return config

    def init_control(self, context: object) -> None:
        """ipykernel's control channel; the shell-channel thread it also makes is dropped
        before it starts, so shell requests are read on the main thread."""
        super().init_control(context)
        self.shell_channel_thread = None

    def init_iopub(self, context: zmq.Context) -> None:
        """ipykernel's IOPub channel, with :class:`DirectIOPubThread` as its thread."""
        self.iopub_socket = context.socket(zmq.XPUB)
        self.iopub_socket.linger = 1000
        self._apply_curve_server_options(self.iopub_socket)
        self.iopub_port = self._bind_socket(self.iopub_socket, self.iopub_port)
        self.configure_tornado_logger()
        self.iopub_thread = DirectIOPubThread(self.iopub_socket, pipe=True, session=self.session)
        self.iopub_thread.start()
        self.iopub_socket = self.iopub_thread.background_socket
