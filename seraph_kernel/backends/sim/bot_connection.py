"""Connecting, authenticating, keeping the link alive (pings), reconnecting with backoff,
disconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from seraph_kernel.backends.sim.bot_core import (
    CONNECTED,
    FAIL_STATUS,
    SimBotCore,
)
from seraph_kernel.backends.sim.link import LinkClosed, SimLink


class SimBotConnection(SimBotCore):
    """Connecting and staying connected."""

    async def _open(self, ip: str, port: int, status: str | None) -> tuple[str, str] | None:
        """Connect to one host and authenticate; ``(code, message)`` on failure. ``status``
        is shown meanwhile (``None``: connecting → authenticating)."""
        link = SimLink(self._on_message, self._on_lost)
        try:
            return await self._handshake(link, ip, port, status)
        except asyncio.CancelledError:
            link.abort()  # never leave a half-open session behind
            raise

    async def _handshake(
        self, link: SimLink, ip: str, port: int, status: str | None
    ) -> tuple[str, str] | None:
        try:
            await asyncio.wait_for(link.open(ip, port), self._timeout)
        except TimeoutError:
            return "TIMEOUT", f"connect to {ip}:{port}: timed out"
        except OSError as exc:
            return "OTHER", f"connect to {ip}:{port}: {os.strerror(exc.errno) if exc.errno else exc}"
        if status is None:
            self._set_status("authenticating")
        hello = {"username": self.username, "device_id": self.settings["device_id"]}
        if self.settings.get("token"):
            hello["token"] = self.settings["token"]
        try:
            reply = await link.request("hello", self._timeout, **hello)
        except LinkClosed:
            await link.close()
            return "DISCONNECTED", f"{ip}:{port} closed the connection"
        except TimeoutError:
            await link.close()
            return "TIMEOUT", f"{ip}:{port}: no answer to hello"
        if reply["t"] != "auth_ok":
            await link.close()
            return reply.get("code", "OTHER"), reply.get("message", "authentication failed")
        self._link = link
        self.user_id = reply["user_id"]
        self._token = reply["token"]
        self._me = reply["me"]
        self._move_interval = reply["move_interval_ms"] / 1000
        self.current_host, self.current_port = reply["host"], reply["port"]
        self._ping_task = self._spawn(self._ping_loop(link))
        return None

    async def _ping_loop(self, link: SimLink) -> None:
        while not link.closed:
            started = time.perf_counter()
            try:
                await link.request("ping", self._timeout)
            except (LinkClosed, TimeoutError):
                return
            self.ping_ms = max(0, round((time.perf_counter() - started) * 1000))
            await asyncio.sleep(self._ping_interval)

    async def connect(self, wait: bool = True) -> str | None:
        if self._link is not None and self._status in CONNECTED:
            return None
        task = self._connect_task
        if task is None or task.done():
            if self._reconnect_task is not None and not self._reconnect_task.done():
                self._reconnect_task.cancel()
            self._want_connected = True
            task = self._connect_task = self._spawn(self._connect_flow())
        return await asyncio.shield(task) if wait else None

    async def _connect_flow(self) -> str | None:
        """Runs in its own task; only :meth:`disconnect` cancels it."""
        self.last_error = None
        self._set_status("connecting")
        try:
            failure = await self._open(*self._entry, status=None)
        except asyncio.CancelledError:
            return self._fail("DISCONNECTED", "connect: cancelled by disconnect")
        if failure is not None:
            code, message = failure
            self._want_connected = False
            self.last_error = message
            self._log(f"connect failed: {message}", "error")
            self._set_status(FAIL_STATUS.get(code, "error"))
            return code
        self.connected_since = int(time.time() * 1000)
        self._emit("bot", {"type": "connect"})
        self._log(f"connected to {self.current_host} as {self.username}")
        self._set_status("menu_ready")
        world, self._return_world = self._return_world, None
        if world:  # connect() while reconnecting: finish the job and go back into the world
            code = await self._join(world)
            if code is not None:
                self._log(f"could not return to {world}: {code}", "warn")
        return None

    async def _reconnect_loop(self) -> None:
        delay, cap = self._backoff
        attempt = 0
        while self._want_connected:
            await asyncio.sleep(delay)
            attempt += 1
            failure = await self._open(*self._entry, status="reconnecting")
            if failure is None:
                self.connected_since = int(time.time() * 1000)
                self._emit("bot", {"type": "connect"})
                self._log(f"reconnected after {attempt} attempt(s)")
                self._set_status("menu_ready")
                if not self._return_world:
                    return
                code = await self._join(self._return_world)
                if code is None:
                    self._return_world = None
                    return
                if self._link is not None:  # the world refused us, the connection is fine
                    self._log(f"could not return to {self._return_world}: {code}", "warn")
                    self._return_world = None
                    return
            else:
                code, message = failure
                self.last_error = message
                if code in ("BANNED", "AUTH_FAILED"):
                    self._want_connected = False
                    self._set_status(FAIL_STATUS.get(code, "error"))
                    return
            if self._attempts is not None and attempt >= self._attempts:
                self._want_connected = False
                self.last_error = f"reconnect: gave up after {attempt} attempts ({self.last_error})"
                self._set_status("error")
                return
            self._set_status("reconnecting")
            delay = min(delay * 2, cap)

    async def disconnect(self) -> None:
        self._want_connected = False
        self._return_world = None
        for task in (self._reconnect_task, self._connect_task):
            if task is not None and task is not asyncio.current_task() and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        link = self._link
        if link is not None:
            with contextlib.suppress(LinkClosed, TimeoutError):
                await link.request("bye", min(self._timeout, 2.0))
            await link.close()
            self._drop_link_state()
            self._emit("bot", {"type": "disconnect", "reason": None})
            self._log("disconnected")
        self.connected_since = None
        self._set_status("disconnected")

    async def close(self) -> None:
        await self.disconnect()
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        if self._tasks:
            await asyncio.gather(
                *[t for t in self._tasks if t is not asyncio.current_task()], return_exceptions=True
            )
