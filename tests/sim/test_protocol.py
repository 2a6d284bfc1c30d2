"""Frames on the wire and what the server does with garbage."""

from __future__ import annotations

import asyncio
import struct
from array import array

import pytest

from seraph_kernel.sim.protocol import ProtocolError, encode, pack_layer, unpack_layer


def test_layer_round_trip_and_length_check():
    layer = array("H", [0, 1, 65535, 7] * 50)
    assert unpack_layer(pack_layer(layer), 200) == layer
    with pytest.raises(ProtocolError):
        unpack_layer(pack_layer(layer), 201)


def test_frame_is_big_endian_length_and_json():
    frame = encode({"t": "ping", "rid": 1})
    (size,) = struct.unpack(">I", frame[:4])
    assert frame[4:] == b'{"t":"ping","rid":1}' and size == len(frame) - 4


@pytest.mark.parametrize("garbage", [b"\x00\x00\x00\x03abc", b"\x00\x00\x00\x02[]", b"\xff\xff\xff\xff"])
async def test_server_closes_a_connection_that_sends_garbage(make_server, garbage):
    server = await make_server()
    reader, writer = await asyncio.open_connection(*server.hosts["game-lava.sim"])
    writer.write(garbage)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_requests_before_hello_are_refused(make_server, connect):
    server = await make_server()
    client = await connect(server)
    reply = await client.req("join", world="FOO")
    assert (reply["t"], reply["code"]) == ("error", "NOT_CONNECTED")
    assert (await client.req("ping"))["t"] == "pong"
