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
