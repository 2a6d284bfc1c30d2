"""``%script wait``: a notebook waits for a detached script to end, then reads its console."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def bot(kernel):
    kernel.ok("%create_bot waiter")
    kernel.ok("%use waiter")
    kernel.ok("%connect")
    return "waiter"


def test_wait_returns_once_the_script_completed(kernel, bot):
    kernel.ok('%%script count\nfor i = 1, 3 do print("step {}", i); sleep(100) end\nreturn "done"')
    waited = kernel.ok("%script wait count").stdout
    assert waited == "waiter/count\n  state: COMPLETE\n  running: no\n  last_error: none\n"
    assert kernel.ok("%script console count").stdout == "step 1\nstep 2\nstep 3\n"


def test_wait_reports_a_failed_script_with_its_error(kernel, bot):
    kernel.ok('%%script broken\nsleep(10)\nerror("out of picks")')
    waited = kernel.ok("%script wait broken").stdout
    assert "state: FAILED" in waited
    assert "last_error: executor:2: out of picks" in waited


def test_wait_gives_up_after_its_timeout_and_the_script_keeps_running(kernel, bot):
    kernel.ok("%%script forever\nwhile true do sleep(20) end")
    result = kernel.execute("%script wait forever --timeout 0.3")
    assert result.reply["status"] == "error"
    assert "still running after 0.3 s" in result.reply["evalue"]
    assert "running: yes" in kernel.ok("%script status forever").stdout
    kernel.ok("%script stop forever")
