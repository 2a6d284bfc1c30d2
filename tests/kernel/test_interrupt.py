"""The Jupyter interrupt ends a running Lua cell, reports KeyboardInterrupt, keeps the VM."""

from __future__ import annotations

import time

FAR_TILE = """
local here = getClient():point()
local best
for x = 1, 98 do
  for y = 1, 58 do
    local d = math.abs(x - here.x) + math.abs(y - here.y)
    if d > 20 and #getClient():getPath(Vector2i.new(x, y)) > 20 then return x, y end
  end
end
"""


def interrupt_after_start(kernel, code, settle=0.5):
    """Run ``code``, interrupt it once it is running; the result and seconds to the reply."""
    msg_id = kernel.client.execute(code)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = kernel.client.get_iopub_msg(timeout=10)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "execute_input":
            break
    time.sleep(settle)
    kernel.manager.interrupt_kernel()
    asked = time.monotonic()
    result = kernel.collect(msg_id, timeout=10)
    return result, time.monotonic() - asked


def test_interrupt_ends_a_spinning_loop_and_keeps_globals(kernel):
    kernel.ok("kept = 'still here'")
    result, _ = interrupt_after_start(kernel, "spins = 0\nwhile true do spins = spins + 1 end")
    assert result.reply["status"] == "error"
    assert result.reply["ename"] == "KeyboardInterrupt"
    assert result.error["ename"] == "KeyboardInterrupt"
    assert kernel.ok("kept").result["text/plain"] == '"still here"'
    assert kernel.ok("spins > 0").result["text/plain"] == "true"


def test_interrupt_ends_a_pcall_protected_loop(kernel):
    result, _ = interrupt_after_start(kernel, "pcall(function() while true do end end)\nprint('not reached')")
    assert result.reply["ename"] == "KeyboardInterrupt"
    assert "not reached" not in result.stdout


def test_interrupt_ends_a_long_walk(kernel):
    kernel.ok("%create_bot\n%connect\n%warp MINEWORLD")
    x, y = kernel.ok(FAR_TILE).result["text/plain"].split(", ")
    result, _ = interrupt_after_start(kernel, f"getClient():setPoint(Vector2i.new({x}, {y}))")
    assert result.reply["ename"] == "KeyboardInterrupt"
    stopped = "local before = getClient():point()\nsleep(600)\nreturn before == getClient():point()"
    assert kernel.ok(stopped).result["text/plain"] == "true"
    assert kernel.ok("1 + 1").result["text/plain"] == "2"


def test_interrupt_cancels_a_waiting_magic(kernel):
    result, _ = interrupt_after_start(kernel, "%%python\nimport time\ntime.sleep(30)")
    assert result.reply["ename"] == "KeyboardInterrupt"


def test_interrupt_cancels_awaiting_python_and_the_kernel_lives_on(kernel):
    result, _ = interrupt_after_start(kernel, "%%python\nimport asyncio\nawait asyncio.sleep(30)")
    assert result.reply["ename"] == "CancelledError"  # what ipykernel reports for an interrupted await
    assert kernel.ok("%%python\n40 + 2").result["text/plain"] == "42"
    assert kernel.ok("1 + 1").result["text/plain"] == "2"


def test_an_interrupt_between_cells_changes_nothing(kernel):
    kernel.ok("between = 1")
    kernel.manager.interrupt_kernel()
    time.sleep(0.3)
    assert kernel.ok("between + 1").result["text/plain"] == "2"


def test_python_replacing_the_handler_does_not_stop_the_next_interrupt(kernel):
    """SIGINT is installed once, not per request: after Python code (which may replace it)
    the kernel puts it back."""
    kernel.ok("%%python\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)")
    result, _ = interrupt_after_start(kernel, "while true do end")
    assert result.reply["ename"] == "KeyboardInterrupt"


def test_a_lua_cells_request_swaps_no_signal_handler(kernel):
    """ipykernel swaps SIGINT's handler before and after each request (issue 14's round trip)."""
    kernel.ok(
        "%%python\nimport signal, ipykernel.kernelbase as base\n"
        "swaps, kernel = [], get_ipython().kernel\n"
        "def counted(real):\n"
        "    def swap(*args):\n"
        "        swaps.append(kernel.get_parent('shell')['content'].get('code'))\n"
        "        return real(*args)\n"
        "    return swap\n"
        "real_base, real_signal = base.signal, signal.signal\n"
        "base.signal, signal.signal = counted(real_base), counted(real_signal)"
    )
    for _ in range(3):
        assert kernel.ok("return 'swapless'").result["text/plain"] == '"swapless"'
    lines = kernel.ok(
        "%%python\nbase.signal, signal.signal = real_base, real_signal\n"
        "print(sum('swapless' in (code or '') for code in swaps))"
    ).stdout.splitlines()
    assert lines == ["0"]
