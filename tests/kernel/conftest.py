"""A real Seraph kernel subprocess (installed kernelspec ``seraph``) driven through
jupyter_client, and helpers to read what a cell published."""

from __future__ import annotations

import os
import queue
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


@dataclass
class CellResult:
    """The execute_reply of one cell and the IOPub messages it produced, in order."""

    reply: dict[str, Any]
    outputs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    background: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """IOPub messages of other parents seen meanwhile (live widgets' comm updates)."""

    @property
    def ok(self) -> bool:
        return self.reply["status"] == "ok"

    def stream(self, name: str) -> str:
        return "".join(c["text"] for t, c in self.outputs if t == "stream" and c["name"] == name)

    @property
    def stdout(self) -> str:
        return self.stream("stdout")

    @property
    def stderr(self) -> str:
        return self.stream("stderr")

    @property
    def result(self) -> dict[str, Any] | None:
        """The execute_result's data, if any."""
        found = [c["data"] for t, c in self.outputs if t == "execute_result"]
        return found[0] if found else None

    @property
    def displays(self) -> list[dict[str, Any]]:
        return [c["data"] for t, c in self.outputs if t == "display_data"]

    @property
    def error(self) -> dict[str, Any] | None:
        found = [c for t, c in self.outputs if t == "error"]
        return found[0] if found else None


class KernelDriver:
    """Runs cells and other requests on one kernel client."""

    def __init__(self, manager: Any, client: Any) -> None:
        self.manager = manager
        self.client = client

    def execute(self, code: str, timeout: float = TIMEOUT) -> CellResult:
        msg_id = self.client.execute(code)
        return self.collect(msg_id, timeout)

    def collect(self, msg_id: str, timeout: float = TIMEOUT) -> CellResult:
        outputs: list[tuple[str, dict[str, Any]]] = []
        background: list[tuple[str, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if message["parent_header"].get("msg_id") != msg_id:
                background.append((message["msg_type"], message["content"]))
                continue
            kind = message["msg_type"]
            if kind == "status" and message["content"]["execution_state"] == "idle":
                break
            if kind not in ("status", "execute_input"):
                outputs.append((kind, message["content"]))
        reply = self.shell_reply(msg_id, timeout)
        return CellResult(reply, outputs, background)

    def shell_reply(self, msg_id: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        while True:
            message = self.client.get_shell_msg(timeout=timeout)
            if message["parent_header"].get("msg_id") == msg_id:
                return message["content"]

    def ok(self, code: str, timeout: float = TIMEOUT) -> CellResult:
        """Run a cell that must succeed; the assertion shows its error otherwise."""
        result = self.execute(code, timeout)
        assert result.ok, (code, result.reply.get("ename"), result.reply.get("evalue"))
        return result

    def request(self, method: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        msg_id = getattr(self.client, method)(*args, **kwargs)
        return self.shell_reply(msg_id)

    def drain(self) -> None:
        with pytest.raises(queue.Empty):
            while True:
                self.client.get_iopub_msg(timeout=0.2)


def start_kernel(extra_env: dict[str, str] | None = None) -> KernelDriver:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERAPH_")}
    env.update(extra_env or {})
    manager, client = start_new_kernel(kernel_name="seraph", env=env, startup_timeout=TIMEOUT)
    return KernelDriver(manager, client)


def stop_kernel(driver: KernelDriver) -> None:
    driver.client.stop_channels()
    driver.manager.shutdown_kernel(now=False)


@pytest.fixture(scope="module")
def kernel():
    """One kernel (with its own LocalFleet and embedded sim world) per test module."""
    driver = start_kernel()
    try:
        yield driver
    finally:
        stop_kernel(driver)
