"""The kernel's Session sends the frames jupyter_client's would (issue 14's round trip)."""

from __future__ import annotations

import json

import pytest
from jupyter_client.session import Session

from seraph_kernel.kernel.session import KernelSession

KEY = b"0123456789abcdef"


class Wire:
    """A stream that keeps what is sent."""

    def __init__(self) -> None:
        self.sent: list[list[bytes]] = []

    def send_multipart(self, parts: list, copy: bool = True) -> None:
        self.sent.append([bytes(part) for part in parts])


def pair(**traits):
    plain = Session(key=KEY, session="s-1", username="kernel", **traits)
    ours = KernelSession(key=KEY, session="s-1", username="kernel", **traits)
    return plain, ours


def without_date(frame: bytes) -> dict:
    header = json.loads(frame)
    assert isinstance(header.pop("date"), str)
    return header


PARENT = Session(key=KEY).msg("execute_request", {"code": "return 1"})

CASES = [
    ("status", {"execution_state": "busy"}, PARENT, b"kernel.s.status", None),
    ("execute_result", {"data": {"text/plain": "2"}, "execution_count": 1}, PARENT, None, {"a": 1}),
    ("execute_reply", {"status": "ok"}, PARENT, [b"client-1", b"client-2"], None),
    ("comm_open", None, None, None, None),
]


@pytest.mark.parametrize(("msg_type", "content", "parent", "ident", "metadata"), CASES)
def test_the_frames_are_jupyter_clients(msg_type, content, parent, ident, metadata):
    plain, ours = pair(metadata={"base": True})
    expected, got = Wire(), Wire()
    sent = plain.send(expected, msg_type, content, parent=parent, ident=ident, metadata=metadata)
    returned = ours.send(got, msg_type, content, parent=parent, ident=ident, metadata=metadata)
    (want,), (have,) = expected.sent, got.sent
    split = want.index(b"<IDS|MSG>")
    assert have[: split + 1] == want[: split + 1]  # identities and delimiter
    assert without_date(have[split + 2]) == without_date(want[split + 2])
    assert have[split + 3 :] == want[split + 3 :]  # parent, metadata, content
    checker = Session(key=KEY)
    message = checker.deserialize(have[split + 1 :])  # the signature holds
    assert message["msg_type"] == msg_type and message["content"] == (content or {})
    assert returned.keys() == sent.keys()
    assert returned["msg_id"] == sent["msg_id"]


def test_message_ids_count_on():
    _, ours = pair()
    wire = Wire()
    ids = [ours.send(wire, "status", {"execution_state": "idle"})["msg_id"] for _ in range(3)]
    numbers = [int(msg_id.rsplit("_", 1)[1]) for msg_id in ids]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_new_key_signs_the_next_message():
    _, ours = pair()
    wire = Wire()
    ours.send(wire, "status", {"execution_state": "idle"})
    ours.key = b"another key"
    ours.send(wire, "status", {"execution_state": "busy"})
    frames = wire.sent[-1]
    message = Session(key=b"another key").deserialize(frames[frames.index(b"<IDS|MSG>") + 1 :])
    assert message["content"] == {"execution_state": "busy"}
    with pytest.raises(ValueError, match="Invalid Signature"):
        Session(key=KEY).deserialize(frames[frames.index(b"<IDS|MSG>") + 1 :])


def test_buffers_go_through_jupyter_clients_send():
    _, ours = pair()
    wire = Wire()
    ours.send(wire, "comm_msg", {"data": {}}, buffers=[b"\x00\x01"])
    frames = wire.sent[-1]
    message = Session(key=KEY).deserialize(frames[frames.index(b"<IDS|MSG>") + 1 :])
    assert [bytes(buffer) for buffer in message["buffers"]] == [b"\x00\x01"]


def test_the_kernel_uses_it(kernel):
    lines = kernel.ok("%%python\nprint(type(get_ipython().kernel.session).__name__)").stdout.splitlines()
    assert lines == ["KernelSession"]
