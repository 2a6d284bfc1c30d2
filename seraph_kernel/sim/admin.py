"""The simulator's admin API, for fault tests and operators: kick, ban, drop every connection,
per-world caps, pause (refuse connections as if the server were down), and tick statistics.

In-process: ``server.admin.kick("P1", "bye")``. Standalone: the same operations as ``admin``
frames on a connection opened with ``admin_hello {token}`` (``seraph-sim`` prints the token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seraph_kernel.sim.worldgen import normalize_name

if TYPE_CHECKING:
    from seraph_kernel.sim.server import SimWorldServer


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank; ``0.0`` for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Admin:
    def __init__(self, server: SimWorldServer) -> None:
        self._server = server

    def kick(self, username: str, reason: str = "kicked by an admin") -> bool:
        """Kick a connected account; whether it was connected."""
        conn = self._server.sessions.get(username)
        if conn is None:
            return False
        conn.kick(reason)
        return True

    def ban(self, username: str) -> None:
        """Refuse the account from now on, and kick it if it is connected."""
        self._server.banned.add(username)
        conn = self._server.sessions.get(username)
        if conn is not None:
            conn.kick(f"account {username} is banned", code="BANNED")

    def unban(self, username: str) -> None:
        self._server.banned.discard(username)

    def drop_all(self) -> int:
        """Close every player connection without a word (a crash, seen from the clients)."""
        conns = [c for c in self._server.connections if not c.admin]
        for conn in conns:
            conn.close()
        return len(conns)

    def set_world_cap(self, world: str, cap: int) -> None:
        """The player cap of one world (created if needed)."""
        if int(cap) < 0:
            raise ValueError(f"set_world_cap: cap must be >= 0, got {cap}")
        self._server.world(normalize_name(world)).cap = int(cap)

    def grant(self, username: str, gems: int = 0, byte_coins: int = 0, experience: int = 0) -> dict[str, Any]:
        """Add to an account's gems, byte coins and experience from outside the game (a shop
        purchase, a support gift). The server pushes nothing: a client sees the change when it
        asks for its account again (``me {}``, ``client:refresh()``). The account's new values."""
        amounts = {"gems": gems, "byte_coins": byte_coins, "experience": experience}
        for name, amount in amounts.items():
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                raise ValueError(f"grant: {name} must be a non-negative integer, got {amount!r}")
        account = self._server.accounts.get(username)
        account.gems += gems
        account.byte_coins += byte_coins
        account.experience += experience
        return {"gems": account.gems, "byte_coins": account.byte_coins, "experience": account.experience}

    def pause(self) -> None:
        """Drop everyone and refuse new connections until :meth:`resume`."""
        self._server.paused = True
        self.drop_all()

    def resume(self) -> None:
        self._server.paused = False

    def stats(self) -> dict[str, Any]:
        """Tick duration percentiles (ms) and counts."""
        ticks = [t * 1000 for t in self._server.tick_durations]
        return {
            "ticks": len(ticks),
            "tick_p50_ms": round(percentile(ticks, 0.5), 3),
            "tick_p99_ms": round(percentile(ticks, 0.99), 3),
            "tick_max_ms": round(max(ticks, default=0.0), 3),
            "connections": sum(1 for c in self._server.connections if not c.admin),
            "players": sum(len(w.players) for w in self._server.worlds.values()),
            "worlds": len(self._server.worlds),
        }

    def handle(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Run one ``admin`` frame: ``{op, ...args}``; the reply body."""
        op = msg.get("op")
        if op == "kick":
            return {"kicked": self.kick(msg["username"], msg.get("reason") or "kicked by an admin")}
        if op == "ban":
            self.ban(msg["username"])
        elif op == "unban":
            self.unban(msg["username"])
        elif op == "drop_all":
            return {"dropped": self.drop_all()}
        elif op == "set_world_cap":
            self.set_world_cap(msg["world"], msg["cap"])
        elif op == "grant":
            amounts = {k: msg[k] for k in ("gems", "byte_coins", "experience") if k in msg}
            return self.grant(msg["username"], **amounts)
        elif op == "pause":
            self.pause()
        elif op == "resume":
            self.resume()
        elif op == "stats":
            return self.stats()
        elif op == "reset_stats":
            self._server.tick_durations.clear()
        else:
            raise ValueError(f"unknown admin op {op!r}")
        return {}
