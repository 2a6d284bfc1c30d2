"""What crosses a process boundary: between the server and its fleet process
(``fleet/process_fleet.py``), or between Ray actors (``shards/``).

Seraph's errors carry their REST status and fields, and their constructors take other
arguments than ``Exception.args``, so they do not survive pickling as themselves. They cross as
``(module, class, args, fields)`` and are rebuilt. Messages between the server and its fleet
process are frames: an 8-byte length, then a pickle (both ends are this package's own code;
scripts only ever hand it JSON values).
"""

from __future__ import annotations

import asyncio
import importlib
import pickle
import struct
from typing import Any

from seraph_kernel.errors import SeraphError

#: Where an error class may be rebuilt from (a packed error names its module).
ERROR_MODULES = ("seraph_kernel.errors", "seraph_kernel.store.database", "seraph_kernel.library.errors")

Packed = tuple[str, str, tuple[Any, ...], dict[str, Any]]


def pack_error(err: BaseException) -> Packed:
    """``err`` as plain data; anything but a Seraph error becomes a plain ``SeraphError``."""
    cls = type(err)
    if isinstance(err, SeraphError) and cls.__module__ in ERROR_MODULES:
        return cls.__module__, cls.__name__, tuple(str(a) for a in err.args), dict(vars(err))
    return "seraph_kernel.errors", "SeraphError", (f"{cls.__name__}: {err}",), {}


def unpack_error(packed: Packed) -> SeraphError:
    """The error :func:`pack_error` packed, with its message and fields."""
    module, name, args, fields = packed
    if module not in ERROR_MODULES:
        return SeraphError(*args)
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and issubclass(cls, SeraphError)):
        return SeraphError(*args)
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    vars(err).update(fields)
    return err


def answer(call: Any) -> tuple[bool, Any]:
    """Run ``call()`` as an actor method's body: ``(True, result)`` or ``(False, packed error)``."""
    try:
        return True, call()
    except SeraphError as err:
        return False, pack_error(err)


def result(reply: tuple[bool, Any]) -> Any:
    """The result of an :func:`answer` reply, or its error raised here."""
    ok, value = reply
    if ok:
        return value
    raise unpack_error(value)


FRAME_HEADER = struct.Struct("!Q")


def write_frame(writer: asyncio.StreamWriter, message: Any) -> None:
    """Queue one message on ``writer`` (no await between header and body, so frames written by
    several tasks never interleave); the caller drains."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(FRAME_HEADER.pack(len(body)))
    writer.write(body)


async def read_frame(reader: asyncio.StreamReader) -> Any:
    """The next message, or ``None`` at the end of the stream (or when the other end is gone:
    a failed write to it ends the shared transport with a ``ConnectionError``)."""
    try:
        header = await reader.readexactly(FRAME_HEADER.size)
        (size,) = FRAME_HEADER.unpack(header)
        return pickle.loads(await reader.readexactly(size))
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
