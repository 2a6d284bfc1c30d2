"""A cell's ``print`` output shows while the cell still runs: lines wait in the VM for the next
yield (issue 14), and a cell that computes without yielding gets them handed over by its hook
within well under a second."""

from __future__ import annotations

import time


def stream_text_while_running(kernel, code: str, wanted: str, timeout: float = 5.0) -> tuple[str, str]:
    """Run ``code`` (which never ends by itself) and read its stdout until ``wanted`` shows;
    then interrupt it. The stdout seen before the interrupt, and the cell's error name."""
    msg_id = kernel.client.execute(code)
    seen = ""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, f"no {wanted!r} while the cell runs (saw {seen!r})"
        message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        assert not (kind == "status" and content["execution_state"] == "idle"), "the cell ended"
        if kind == "stream" and content["name"] == "stdout":
            seen += content["text"]
    kernel.manager.interrupt_kernel()
    result = kernel.collect(msg_id, timeout=10)
    return seen, result.reply.get("ename")


def test_a_computing_cell_shows_its_progress_before_it_ends(kernel):
    code = "print('started')\nwhile true do end"
    seen, ename = stream_text_while_running(kernel, code, "started\n")
    assert seen == "started\n"
    assert ename == "KeyboardInterrupt"


def test_a_cell_printing_in_a_loop_without_yielding_streams_its_lines(kernel):
    code = "local i = 0\nwhile true do i = i + 1; if i % 100000 == 0 then print('tick', i // 100000) end end"
    seen, ename = stream_text_while_running(kernel, code, "tick\t3\n")
    assert seen.startswith("tick\t1\ntick\t2\ntick\t3\n")
    assert ename == "KeyboardInterrupt"


def test_a_cells_lines_arrive_in_order_in_few_stream_messages(kernel):
    result = kernel.ok("for i = 1, 200 do print(i) if i % 50 == 0 then warn('half', i) end end")
    streams = [content for kind, content in result.outputs if kind == "stream"]
    assert result.stdout == "".join(f"{i}\n" for i in range(1, 201))
    assert result.stderr == "".join(f"half\t{i}\n" for i in (50, 100, 150, 200))
    assert len(streams) <= 20, "one stream message a line"
