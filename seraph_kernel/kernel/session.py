"""The kernel's ``Session``: jupyter_client's, with a shorter path for the messages a cell sends.

A trivial cell sends five messages (``status`` twice, ``execute_input``, ``execute_result``, the
reply). ``Session.send`` builds each through ``msg``, ``msg_header``, ``serialize`` and
``sign``, reading fifteen traits on the way; in a kernel that has sat idle between cells each of
those layers runs with cold caches. :class:`KernelSession` builds the same message in one
function from trait values it keeps in a tuple (rebuilt whenever a trait changes): the same
frames on the wire, a few percent of a trivial cell's round trip (issue 14; ``docs/runtime.md``,
"Kernel round trip"). Anything unusual (buffers, tracking, a given header, a message dict, an
adapted protocol version, debug output) goes through jupyter_client's own ``send``.

Requests also keep their header dates as the client wrote them (:func:`keep_header_dates`).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

import jupyter_client.session
from jupyter_client._version import protocol_version
from jupyter_client.session import DELIM, DONE, Session, extract_header


def _dates_as_written(obj: Any) -> Any:
    return obj


def keep_header_dates() -> None:
    """Make this process's ``Session.deserialize`` leave header dates as strings. It parses the
    two dates of every request with dateutil (about a fifth of its time, 2-4% of a trivial
    cell's round trip), nothing in the kernel reads them, and the parent header then goes back
    to the client as it came. ``deserialize`` calls the module's ``extract_dates`` on the header
    and the parent header only."""
    jupyter_client.session.extract_dates = _dates_as_written


class KernelSession(Session):
    """``Session`` whose ``send`` of a plain message skips its layers (same frames)."""

    def __init__(self, **kwargs: Any) -> None:
        self._fast: tuple[Any, ...] | None = None
        super().__init__(**kwargs)
        self.observe(self._forget_fast)

    def _forget_fast(self, change: Any) -> None:
        self._fast = None

    def _fast_values(self) -> tuple[Any, ...]:
        """The traits ``send`` reads, or ``()`` when every message needs jupyter_client's path."""
        if self.adapt_version or self.debug:
            return ()
        return (
            self.session,
            self.username,
            self.pack,
            self.auth,
            self.metadata,
            self.copy_threshold,
            self.check_pid,
            self.pid,
        )

    def send(  # type: ignore[override]
        self,
        stream: Any,
        msg_or_type: Any,
        content: dict[str, Any] | None = None,
        parent: dict[str, Any] | None = None,
        ident: bytes | list[bytes] | None = None,
        buffers: list[Any] | None = None,
        track: bool = False,
        header: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        fast = self._fast
        if fast is None:
            fast = self._fast = self._fast_values()
        plain = type(msg_or_type) is str and (content is None or isinstance(content, dict))
        if not fast or not plain or buffers or track or header is not None or stream is None:
            return super().send(stream, msg_or_type, content, parent, ident, buffers, track, header, metadata)
        session, username, pack, auth, base_metadata, copy_threshold, check_pid, pid = fast
        pid_now = os.getpid()
        if check_pid and pid_now != pid:  # a forked child: jupyter_client's warning, nothing sent
            return super().send(stream, msg_or_type, content, parent, ident, buffers, track, header, metadata)
        number = self.message_count
        self.message_count = number + 1
        msg_id = f"{session}_{pid_now}_{number}"
        head = {
            "msg_id": msg_id,
            "msg_type": msg_or_type,
            "username": username,
            "session": session,
            "date": datetime.now(timezone.utc),
            "version": protocol_version,
        }
        meta = base_metadata.copy()
        if metadata is not None:
            meta.update(metadata)
        msg = {
            "header": head,
            "msg_id": msg_id,
            "msg_type": msg_or_type,
            "parent_header": {} if parent is None else extract_header(parent),
            "content": {} if content is None else content,
            "metadata": meta,
        }
        parts = [pack(head), pack(msg["parent_header"]), pack(meta), pack(msg["content"])]
        if auth is None:
            signature = b""
        else:  # Session.sign inline: calling it measured 1.01-1.10x (median 1.04) the round trip
            digest = auth.copy()
            for part in parts:
                digest.update(part)
            signature = digest.hexdigest().encode()
        to_send = list(ident) if isinstance(ident, list) else ([] if ident is None else [ident])
        to_send.append(DELIM)
        to_send.append(signature)
        to_send.extend(parts)
        stream.send_multipart(to_send, copy=max(len(part) for part in to_send) < copy_threshold)
        msg["tracker"] = DONE
        return msg
