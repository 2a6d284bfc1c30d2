"""Joining worlds (the join burst, redirects between hosts), leaving, and the world queries
(recent, active, info)."""

from __future__ import annotations

from typing import Any

from seraph_kernel.backends.base import JSON
from seraph_kernel.backends.sim.bot_core import (
    MAX_REDIRECTS,
    SimBotCore,
)
from seraph_kernel.backends.sim.link import LinkClosed, SimLink
from seraph_kernel.errors import ActionError, InvalidArgument
from seraph_kernel.sim.instances import instance_name, special_target
from seraph_kernel.sim.worldgen import NAME_RE


class SimBotWorlds(SimBotCore):
    """Worlds: joining, leaving, asking about them."""

    async def warp(self, world: str, wait: bool = True, special: bool = False) -> str | None:
        """``special`` joins the bot's own instance of a family (``NETHER``, ``MINES-2``…);
        ``"NAME:ENTRY"`` arrives at the portal entry ``ENTRY`` of that world."""
        if not isinstance(world, str):
            raise InvalidArgument("world", f"expected a world name, got {type(world).__name__}")
        if self.tutorial_running:
            return self._fail("TUTORIAL_BUSY", "warp: the tutorial is running")
        return await self._start_warp(world, wait, special)

    async def _start_warp(self, world: str, wait: bool, special: bool = False) -> str | None:
        name, _, entry = world.strip().upper().partition(":")
        if not NAME_RE.match(name) or (entry and not NAME_RE.match(entry)):
            return self._fail("INVALID_WORLD", f"warp: invalid world name {world!r}")
        if self._need_link() is None:
            return self._fail("NOT_CONNECTED", f"warp: {self.bot_id} is not connected")
        if special:
            target = special_target(name)
            if target is None or self.user_id is None:
                return self._fail("INVALID_WORLD", f"warp: {name} is no instanced world (NETHER, MINES-0..4)")
            name = instance_name(*target, self.user_id)
        if self.current_world == name and self._status == "in_world" and not entry:
            return None
        task = self._spawn(self._join(name, entry or None))
        return await task if wait else None

    async def _join(self, name: str, entry: str | None = None) -> str | None:
        """The join burst: join → (redirect →) world → ready → spawned."""
        async with self._world_lock:
            link = self._need_link()
            if link is None:
                return self._fail("NOT_CONNECTED", f"warp: {self.bot_id} is not connected")
            self.pending_world = name
            self._set_status("joining_world")
            for _ in range(MAX_REDIRECTS + 1):
                try:
                    where = {"world": name} if entry is None else {"world": name, "entry": entry}
                    reply = await link.request("join", self._timeout, **where)
                except LinkClosed:
                    return self._fail("DISCONNECTED", f"warp {name}: connection lost")
                except TimeoutError:
                    self.pending_world = None
                    self._set_status("in_world" if self.current_world else "menu_ready")
                    return self._fail("TIMEOUT", f"warp {name}: no answer")
                if reply["t"] == "error":
                    self.pending_world = None
                    self._set_status("in_world" if self.current_world else "menu_ready")
                    self._log(f"warp {name} failed: {reply['message']}", "warn")
                    return self._fail(reply["code"], reply["message"])
                if reply["t"] == "redirect":
                    link = await self._redirect(link, reply)
                    if link is None:
                        return self._fail("DISCONNECTED", self.last_error or f"warp {name}: redirect failed")
                    continue
                return await self._enter(link, name)
            return self._fail("OTHER", f"warp {name}: too many redirects")

    async def _redirect(self, link: SimLink, reply: dict[str, Any]) -> SimLink | None:
        """Follow a redirect to the world's host; the new link, or ``None`` (then the bot is
        reconnecting or failed)."""
        name = reply["world"]
        await link.close()
        self._drop_link_state()
        self.pending_world = name
        self._set_status("redirecting")
        self._log(f"redirected to {reply['host']} for {name}")
        failure = await self._open(reply["ip"], reply["port"], status="redirecting")
        if failure is not None:
            self.last_error = failure[1]
            if self._want_connected:
                self._return_world = name
                self._set_status("reconnecting")
                if self._reconnect_task is None or self._reconnect_task.done():
                    self._reconnect_task = self._spawn(self._reconnect_loop())
            return None
        self.pending_world = name
        self._set_status("joining_world")
        return self._link

    async def _enter(self, link: SimLink, name: str) -> str | None:
        """After the ``world`` reply (handled in :meth:`_on_message`): ready → in_world."""
        self._set_status("awaiting_ready")
        try:
            spawned = await link.request("ready", self._timeout)
        except LinkClosed:
            return self._fail("DISCONNECTED", f"warp {name}: connection lost")
        except TimeoutError:
            return self._fail("TIMEOUT", f"warp {name}: no answer to ready")
        self._pos = (spawned["x"], spawned["y"])
        self._last_move_at = float("-inf")
        self.current_world, self.pending_world = name, None
        self._emit("bot", {"type": "world", "world": name})
        self._log(f"joined {name} on {self.current_host}")
        self._set_status("in_world")
        return None

    async def leave(self) -> str | None:
        link = self._need_link()
        if link is None:
            return self._fail("NOT_CONNECTED", f"leave: {self.bot_id} is not connected")
        if self.current_world is None:
            return self._fail("NOT_IN_WORLD", f"leave: {self.bot_id} is not in a world")
        async with self._world_lock:
            result = await self._call(link, "leave")
            if isinstance(result, str):
                return result
            self._world, self._pos, self.current_world = None, None, None
            self._emit("bot", {"type": "world", "world": None})
            self._set_status("menu_ready")
        return None

    async def _query(self, t: str, timeout_ms: int | None, **fields: Any) -> dict[str, Any]:
        link = self._need_link()
        if link is None:
            raise ActionError("NOT_CONNECTED", f"{t}: {self.bot_id} is not connected")
        result = await self._call(link, t, timeout_ms / 1000 if timeout_ms else None, **fields)
        if isinstance(result, str):
            raise ActionError(result, self.last_error)
        return result

    async def recent_worlds(self, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        return (await self._query("recent_worlds", timeout_ms))["worlds"]

    async def active_worlds(self, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        return (await self._query("active_worlds", timeout_ms))["worlds"]

    async def world_info(self, world: str, timeout_ms: int | None = None) -> dict[str, JSON]:
        reply = await self._query("world_info", timeout_ms, world=world)
        return {"name": reply["name"], "player_count": reply["player_count"], "flags": reply["flags"]}
