"""The costs the kernel drops from ipykernel's execute round trip (issue 14; figures in
``docs/runtime.md``, "Kernel round trip"), each seen from inside a real kernel process, and
the behaviour they must keep."""

from __future__ import annotations

import time
import uuid

import pytest
import zmq

from seraph_kernel.kernel.input_history import BATCH, IDLE_S


def python_lines(kernel, source: str) -> list[str]:
    return kernel.ok("%%python\n" + source).stdout.splitlines()


def test_shell_requests_are_read_on_the_main_thread(kernel):
    names = python_lines(
        kernel, "import threading\nprint(*sorted(t.name for t in threading.enumerate()), sep='\\n')"
    )
    assert "IOPub" in names and "Control" in names
    assert "Shell channel" not in names
    reply = kernel.request("kernel_info")
    assert "kernel subshells" not in reply.get("supported_features", [])


def test_flushing_empty_streams_skips_the_iopub_thread(kernel):
    lines = python_lines(
        kernel,
        "import sys\n"
        "iopub = get_ipython().kernel.iopub_thread\n"
        "scheduled, schedule = [], iopub.schedule\n"
        "iopub.schedule = lambda f: (scheduled.append(f), schedule(f))[1]\n"
        "sys.stdout.flush(); sys.stderr.flush(); sys.stdout.flush()\n"
        "iopub.schedule = schedule\n"
        "print(len(scheduled))",
    )
    assert lines == ["0"]


def test_a_cells_own_messages_skip_the_iopub_thread(kernel):
    kernel.ok(
        "%%python\n"
        "iopub = get_ipython().kernel.iopub_thread\n"
        "scheduled, schedule = [], iopub.schedule\n"
        "iopub.schedule = lambda f: (scheduled.append(f), schedule(f))[1]"
    )
    result = kernel.ok("return 1+1")
    assert result.result["text/plain"] == "2"
    lines = python_lines(kernel, "iopub.schedule = schedule\nprint(len(scheduled))")
    assert lines == ["0"]


def test_a_new_iopub_subscriber_is_welcomed_while_cells_run(kernel):
    """The IOPub thread still reads subscriptions from the socket the main thread sends on
    (``iopub_welcome`` answers a topic's first subscriber, prefixed with the topic)."""
    info = kernel.manager.get_connection_info()
    sub = zmq.Context.instance().socket(zmq.SUB)
    try:
        sub.connect(f"{info['transport']}://{info['ip']}:{info['iopub_port']}")
        topic = f"probe-{uuid.uuid4().hex}".encode()
        sub.setsockopt(zmq.SUBSCRIBE, topic)
        welcomed = False
        deadline = time.monotonic() + 30
        while not welcomed and time.monotonic() < deadline:
            kernel.ok("return 1+1")
            while not welcomed and sub.poll(100):
                frames = sub.recv_multipart()
                welcomed = frames[0] == topic and any(b"iopub_welcome" in frame for frame in frames)
        assert welcomed, "no iopub_welcome for a new IOPub subscriber"
    finally:
        sub.close(0)


def test_python_output_still_arrives_in_order_before_the_reply(kernel):
    code = "import sys\nprint('one')\nsys.stdout.flush()\nprint('two', file=sys.stderr)\nprint('three')"
    result = kernel.ok("%%python\n" + code)
    assert result.stdout == "one\nthree\n"
    assert result.stderr == "two\n"


def test_no_sleep_before_the_reply_and_no_debug_records(kernel):
    lines = python_lines(
        kernel,
        "import logging\nkernel = get_ipython().kernel\n"
        "print(kernel._execute_sleep)\nprint(kernel.log.isEnabledFor(logging.DEBUG))",
    )
    assert lines == ["0.0", "False"]


def test_history_is_written_in_batches_and_still_answers(kernel):
    kernel.ok("batch_marker = 42")
    lines = python_lines(
        kernel,
        "manager = get_ipython().history_manager\n"
        "print(manager.db_cache_size)\n"
        "print(any('batch_marker = 42' in entry[1] for entry in manager.db_input_cache))",
    )
    assert lines == [str(BATCH), "True"]
    reply = kernel.request("history", hist_access_type="tail", n=5, output=False, raw=True)
    assert any("batch_marker = 42" in entry[2] for entry in reply["history"])


def test_history_is_written_once_the_kernel_is_idle(kernel):
    """A kernel killed outright keeps what was run before its last idle second."""
    kernel.ok("idle_marker = 7")
    check = (
        "manager = get_ipython().history_manager\n"
        "query = 'SELECT source FROM history WHERE session = ?'\n"
        "rows = manager.db.execute(query, (manager.session_number,))\n"
        "print(any('idle_marker = 7' in row[0] for row in rows))"
    )
    written = []
    for _ in range(10):
        time.sleep(IDLE_S + 0.5)  # each check is a cell too: it starts the wait again
        written = python_lines(kernel, check)
        if written == ["True"]:
            break
    assert written == ["True"]


def test_a_lua_cells_input_is_stored_off_its_path_and_python_sees_it(kernel):
    """IPython's ``store_inputs`` (``_i`` names, trait notifications) runs once the kernel is
    idle or Python is about to run, not on each cell's path; Python still sees every input."""
    kernel.ok(
        "%%python\nmanager = get_ipython().history_manager\n"
        "stored, store = [], manager.store_inputs\n"
        "def counted(line, source, raw=None):\n"
        "    stored.append((line, get_ipython().execution_count, source))\n"
        "    return store(line, source, raw)\n"
        "manager.store_inputs = counted"
    )
    kernel.ok("deferred_marker = 1")
    kernel.ok("deferred_marker = 2")
    lines = python_lines(
        kernel,
        "manager.store_inputs = store\n"
        "print(_ii)\nprint(_i)\nprint(In[-2])\n"
        "print(all(count > line for line, count, source in stored if source.startswith('deferred_marker')))\n"
        "print(sum(source.startswith('deferred_marker') for line, count, source in stored))",
    )
    assert lines == ["deferred_marker = 1", "deferred_marker = 2", "deferred_marker = 2", "True", "2"]


def test_a_history_request_right_after_a_cell_has_its_input(kernel):
    kernel.ok("tail_marker = 3")
    reply = kernel.request("history", hist_access_type="tail", n=3, output=False, raw=True)
    assert any("tail_marker = 3" in entry[2] for entry in reply["history"])


def test_the_parent_header_goes_back_as_the_client_wrote_it(kernel):
    """The kernel does not parse request dates (jupyter_client's dateutil parse of both header
    dates cost a few percent of a trivial round trip): the reply's parent header carries the
    request's date string byte for byte."""
    client = kernel.client
    message = client.session.msg("execute_request", {"code": "return 1", "silent": False})
    message["header"]["date"] = "2026-12-02T03:04:05.6+00:00"  # valid ISO 8601, not jupyter_client's form
    client.shell_channel.send(message)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        frames = client.shell_channel.socket.recv_multipart()
        _, wire = client.session.feed_identities(frames)
        parent = client.session.unpack(wire[2])
        if parent.get("msg_id") == message["header"]["msg_id"]:
            break
    assert parent["date"] == "2026-12-02T03:04:05.6+00:00"


@pytest.mark.timeout(120)
def test_trivial_cells_and_an_interrupt_answer_promptly(kernel):
    """Generous bounds, not a benchmark (``bench/kernel_roundtrip.py`` is): 50 trivial cells
    within a few seconds in all, and an interrupted spin still ends the cell."""
    started = time.monotonic()
    for _ in range(50):
        assert kernel.ok("return 1+1").result["text/plain"] == "2"
    assert time.monotonic() - started < 20
    msg_id = kernel.client.execute("while true do end", stop_on_error=False)
    time.sleep(0.5)
    kernel.manager.interrupt_kernel()
    result = kernel.collect(msg_id, timeout=20)
    assert result.reply["ename"] == "KeyboardInterrupt"
