"""A small Chrome DevTools Protocol client over tornado's websocket, for driving Debian's
headless ``chromium`` in tests (no browser download, no extra package)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import httpx
from tornado.websocket import websocket_connect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Page:
    """One browser tab: send commands, evaluate JavaScript, take screenshots."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._next_id = 0

    async def call(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = 60
    ) -> dict[str, Any]:
        self._next_id += 1
        message_id = self._next_id
        await self._connection.write_message(
            json.dumps({"id": message_id, "method": method, "params": params or {}})
        )
        while True:
            raw = await asyncio.wait_for(self._connection.read_message(), timeout)
            if raw is None:
                raise ConnectionError("the browser closed the DevTools connection")
            message = json.loads(raw)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    async def evaluate(self, expression: str, timeout: float = 60) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        result = await self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 60, interval: float = 0.25) -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"still falsy after {timeout} s: {expression}")
            await asyncio.sleep(interval)

    async def mouse(self, kind: str, x: float, y: float) -> None:
        """One mouse event (``mouseMoved``, ``mousePressed``, ``mouseReleased``) at a page point."""
        pressed = kind != "mouseMoved"
        params = {"type": kind, "x": x, "y": y, "button": "left" if pressed else "none"}
        await self.call("Input.dispatchMouseEvent", {**params, "clickCount": 1 if pressed else 0})

    async def click(self, x: float, y: float) -> None:
        """A real click, as a person makes one: move there, press, release."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.mouse(kind, x, y)

    async def screenshot(self, clip: dict[str, float] | None = None) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode((await self.call("Page.captureScreenshot", params))["data"])


@contextlib.asynccontextmanager
async def headless_chromium(width: int = 1280, height: int = 900) -> AsyncIterator[Page]:
    """A headless chromium with one tab, closed on exit."""
    port = free_port()
    # ignore_cleanup_errors: a crashed helper process may leave a file behind; that must not fail a test
    with tempfile.TemporaryDirectory(prefix="seraph-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            targets = await _targets(port)
            page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            connection = await websocket_connect(page_url, max_message_size=64 << 20)
            try:
                yield Page(connection)
            finally:
                connection.close()
        finally:
            _end_process_group(process)


def _end_process_group(process: subprocess.Popen[bytes]) -> None:
    """Chromium's renderer and utility processes outlive a terminated browser process and keep
    writing to the profile: end the whole group before the profile is removed."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


async def _targets(port: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                response = await client.get(f"http://127.0.0.1:{port}/json/list")
                targets = response.json()
                if any(target["type"] == "page" for target in targets):
                    return targets
            except (httpx.HTTPError, ValueError):
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            await asyncio.sleep(0.2)
