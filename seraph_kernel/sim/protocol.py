"""Wire format of the sim protocol: length-prefixed JSON frames (see docs/sim-protocol.md).

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON encoding one
object with a ``"t"`` (message type) field. Tile layers travel as base64 of zlib-compressed
little-endian ``uint16`` arrays.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import sys
import zlib
from array import array
from typing import Any

MAX_FRAME = 64 * 1024 * 1024
_LEN = struct.Struct(">I")


class ProtocolError(Exception):
    """A peer sent something that is not a valid frame."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame, ready to write."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return _LEN.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    """The next message; raises ``asyncio.IncompleteReadError`` at EOF and
    :class:`ProtocolError` on garbage."""
    (size,) = _LEN.unpack(await reader.readexactly(4))
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes exceeds the {MAX_FRAME} byte limit")
    body = await reader.readexactly(size)
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise ProtocolError(f"frame is not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise ProtocolError("frame is not an object with a string 't' field")
    return message


def pack_layer(layer: array) -> str:
    """A ``uint16`` layer as base64(zlib(little-endian bytes))."""
    if sys.byteorder != "little":
        layer = array("H", layer)
        layer.byteswap()
    return base64.b64encode(zlib.compress(layer.tobytes(), 1)).decode("ascii")


def unpack_layer(text: str, size: int) -> array:
    """The inverse of :func:`pack_layer`; checks the length."""
    layer = array("H")
    layer.frombytes(zlib.decompress(base64.b64decode(text)))
    if sys.byteorder != "little":
        layer.byteswap()
    if len(layer) != size:
        raise ProtocolError(f"layer has {len(layer)} tiles, expected {size}")
    return layer
