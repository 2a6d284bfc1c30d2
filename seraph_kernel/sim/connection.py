"""One client connection on one simulated host: authentication, the message handlers, and the
rate rules (pace of moves, chat spam) that kick a misbehaving client."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from seraph_kernel.sim import backpack, tutorial
from seraph_kernel.sim.accounts import USERNAME_RE, Account
from seraph_kernel.sim.instances import owner_tag, parse_instance
from seraph_kernel.sim.protocol import ProtocolError, encode, read_frame
from seraph_kernel.sim.world import Player, RuleError, World
from seraph_kernel.sim.worldgen import HUB, TUTORIAL, WorldNameError, kind_of, normalize_name
from seraph_kernel.vocab import WORLD_COUNTS

if TYPE_CHECKING:
    from seraph_kernel.sim.server import SimWorldServer

MAX_CHAT = 200
MAX_OUTPUT_BUFFER = 32 * 2**20


class ClientConnection:
    """Reads frames, answers requests (echoing ``rid``) and pushes world events."""

    def __init__(
        self, server: SimWorldServer, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.host = host
        self.reader = reader
        self.writer = writer
        self.account: Account | None = None
        self.world: World | None = None
        self.player: Player | None = None
        self.admin = False
        self.closed = False
        self._violations: deque[float] = deque()
        self._chats: deque[float] = deque()

    # -- transport -------------------------------------------------------------------------
    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        self.writer.write(frame)
        if self.writer.transport.get_write_buffer_size() > MAX_OUTPUT_BUFFER:
            # a client that stopped reading: drop it rather than buffer without bound
            asyncio.get_running_loop().call_soon(self.close)

    def reply(self, msg: dict[str, Any], t: str, **body: Any) -> None:
        self.send(encode({"t": t, "rid": msg.get("rid"), **body}))

    def error(self, msg: dict[str, Any], code: str, message: str) -> None:
        self.reply(msg, "error", code=code, message=message)

    def close(self) -> None:
        """Leave the world, release the account and close the socket (idempotent)."""
        if self.closed:
            return
        self._leave_world()
        self.server.release(self)
        self.closed = True
        self.writer.close()

    def kick(self, reason: str, code: str | None = None) -> None:
        self.send(encode({"t": "kicked", "reason": reason, "code": code}))
        self.close()

    async def run(self) -> None:
        try:
            while not self.closed:
                msg = await read_frame(self.reader)
                self.handle(msg)
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError):
            pass
        finally:
            self.close()

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, msg: dict[str, Any]) -> None:
        t = msg["t"]
        if t == "ping":
            self.reply(msg, "pong", server_time_ms=int(time.time() * 1000))
            return
        if t == "lobbies":
            lobbies = {name: list(self.server.hosts[name]) for name in self.server.lobby_names}
            self.reply(msg, "lobbies", lobbies=lobbies)
            return
        if self.account is None and not self.admin:
            if t == "hello":
                self._hello(msg)
            elif t == "admin_hello":
                self._admin_hello(msg)
            else:
                self.error(msg, "NOT_CONNECTED", f"{t}: say hello first")
            return
        if self.admin:
            self._admin(msg)
            return
        handler = _HANDLERS.get(t)
        if handler is None:
            self.error(msg, "OTHER", f"unknown message type {t!r}")
            return
        try:
            handler(self, msg)
        except RuleError as exc:
            self.error(msg, exc.code, str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            self.error(msg, "OTHER", f"{t}: bad request: {exc}")

    def _hello(self, msg: dict[str, Any]) -> None:
        username = msg.get("username")
        if not isinstance(username, str) or not USERNAME_RE.match(username):
            self.error(msg, "AUTH_FAILED", f"invalid username {username!r}: 3-24 of A-Z a-z 0-9 _")
            self.close()
            return
        if username in self.server.banned:
            self.error(msg, "BANNED", f"account {username} is banned")
            self.close()
            return
        token = msg.get("token")
        if token is not None and not self.server.accounts.check_token(username, token):
            self.error(msg, "AUTH_FAILED", "invalid session token")
            self.close()
            return
        if username in self.server.sessions:
            self.error(msg, "ALREADY_CONNECTED", f"account {username} is already connected")
            self.close()
            return
        self.account = self.server.accounts.get(username)
        self.server.sessions[username] = self
        _ip, port = self.server.hosts[self.host]
        self.reply(
            msg,
            "auth_ok",
            user_id=self.account.user_id,
            token=self.server.accounts.issue_token(self.account),
            host=self.host,
            port=port,
            move_interval_ms=self.server.move_interval_ms,
            me=self.account.public(),
        )

    def _admin_hello(self, msg: dict[str, Any]) -> None:
        if msg.get("token") != self.server.admin_token:
            self.error(msg, "AUTH_FAILED", "bad admin token")
            self.close()
            return
        self.admin = True
        self.reply(msg, "ok")

    def _admin(self, msg: dict[str, Any]) -> None:
        if msg["t"] != "admin":
            self.error(msg, "OTHER", f"admin connection: unexpected {msg['t']!r}")
            return
        try:
            self.reply(msg, "ok", **self.server.admin.handle(msg))
        except (KeyError, TypeError, ValueError) as exc:
            self.error(msg, "OTHER", f"admin: {exc}")

    def push_me(self) -> None:
        if self.account is not None:
            self.send(encode({"t": "me", **self.account.public()}))

    # -- worlds ----------------------------------------------------------------------------
    def _leave_world(self) -> None:
        world = self.world
        if world is not None and self.account is not None:
            world.remove(self.account.user_id)
            if not world.players and parse_instance(world.name) is not None:
                self.server.worlds.pop(world.name, None)  # an instance lives while someone is in it
        self.world = self.player = None

    def _join(self, msg: dict[str, Any]) -> None:
        try:
            name = normalize_name(msg["world"])
        except WorldNameError as exc:
            self.error(msg, exc.code, str(exc))
            return
        assert self.account is not None
        instance = parse_instance(name)
        if instance is not None and instance[2] != owner_tag(self.account.user_id):
            self.error(msg, "WORLD_NOT_FOUND", f"{name} is another player's instance")
            return
        host = self.server.host_of(name)
        if host != self.host:
            ip, port = self.server.hosts[host]
            self._leave_world()
            self.reply(msg, "redirect", world=name, host=host, ip=ip, port=port)
            self.close()
            return
        world = self.server.world(name)
        if len(world.players) >= world.cap and (self.world is not world):
            self.error(msg, "WORLD_FULL", f"world {name} is full ({world.cap} players)")
            return
        at = None
        if msg.get("entry") is not None:
            portal = world.entry(str(msg["entry"]).upper())
            if portal is None:
                self.error(msg, "INVALID_WORLD", f"world {name} has no entry {msg['entry']!r}")
                return
            at = (portal.x, portal.y)
        self._leave_world()
        self.world = world
        self.player = world.add(self.account, self.send, at)
        self.account.visited(name)
        if tutorial.on_join(self.account, world):
            self.push_me()
        self.send(encode({**world.join_message(self.player), "rid": msg.get("rid")}))

    def _ready(self, msg: dict[str, Any]) -> None:
        if self.player is None:
            raise RuleError("ready: not in a world", "NOT_IN_WORLD")
        self.reply(msg, "spawned", x=self.player.x, y=self.player.y)

    def _leave(self, msg: dict[str, Any]) -> None:
        self._leave_world()
        self.reply(msg, "left")

    def _in_world(self, what: str) -> tuple[World, Player]:
        if self.world is None or self.player is None:
            raise RuleError(f"{what}: not in a world", "NOT_IN_WORLD")
        return self.world, self.player

    # -- actions ---------------------------------------------------------------------------
    def _move(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("move")
        now = time.monotonic()
        reason = world.move(player, int(msg["x"]), int(msg["y"]), now, self.server.move_interval_ms / 1000)
        self._pos_reply(msg, player, reason, now)

    def _pos_reply(self, msg: dict[str, Any], player: Player, reason: str | None, now: float) -> None:
        """Where the player really is (a refusal snaps the client back and is a violation)."""
        self.reply(
            msg, "pos", ok=reason is None, x=player.x, y=player.y, mx=player.mx, my=player.my, reason=reason
        )
        if reason is not None:
            self._violation(now)

    def _position(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("position")
        mx, my = float(msg["mx"]), float(msg["my"])
        if not (math.isfinite(mx) and math.isfinite(my)):
            raise RuleError(f"position: not a position: ({mx}, {my})")
        now = time.monotonic()
        interval = self.server.move_interval_ms / 1000
        reason = world.set_position(player, mx, my, now, interval, bool(msg.get("teleport")))
        self._pos_reply(msg, player, reason, now)

    def _portal(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("portal")
        item = world.portal_at(player, int(msg["x"]), int(msg["y"]))
        if item.target_world is not None and item.target_world != world.name:
            self.reply(msg, "portal", world=item.target_world, entry=item.target_entry)
            return
        exit_ = world.entry(item.target_entry) if item.target_entry is not None else None
        x, y = (exit_.x, exit_.y) if exit_ is not None else world.spawn
        player.place_at(x, y, time.monotonic())
        world.moved(player)
        self._pos_reply(msg, player, None, player.last_move)

    def _random_world(self, msg: dict[str, Any]) -> None:
        """A public world to warp to, drawn from the seed, the account and its count of draws."""
        assert self.account is not None
        live = {
            name
            for name, w in self.server.worlds.items()
            if len(w.players) < w.cap and name != TUTORIAL and parse_instance(name) is None
        }
        pool = sorted(live | {HUB, "MINEWORLD"})
        self.account.random_draws += 1
        draw = self.account.random_draws
        rng = random.Random(f"{self.server.seed}:random:{self.account.user_id}:{draw}")
        self.reply(msg, "random_world", world=rng.choice(pool))

    def _violation(self, now: float) -> None:
        limit, window = self.server.violation_limit
        self._violations.append(now)
        while self._violations and now - self._violations[0] > window:
            self._violations.popleft()
        if len(self._violations) >= limit:
            self.kick(f"kicked: {limit} invalid moves within {window:g} s")

    def _hit(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("hit")
        result = world.hit(player, int(msg["x"]), int(msg["y"]))
        if result["broken"]:
            self.push_me()
        self.reply(msg, "ok", **result)

    def _place(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("place")
        world.place(player, int(msg["x"]), int(msg["y"]), int(msg["block_id"]))
        self.push_me()
        self.reply(msg, "ok")

    def _collect(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("collect")
        cid = msg.get("id")
        taken = world.collect(player, None if cid is None else int(cid))
        if taken:
            self.push_me()
        self.reply(msg, "ok", ids=taken)

    def _drop(self, msg: dict[str, Any]) -> None:
        world, player = self._in_world("drop")
        world.drop(player, int(msg["block_id"]), int(msg["amount"]))
        self.push_me()
        self.reply(msg, "ok")

    def _say(self, msg: dict[str, Any]) -> None:
        world, _player = self._in_world("say")
        text = msg["text"]
        if not isinstance(text, str) or not text.strip():
            raise RuleError("say: empty message")
        now = time.monotonic()
        limit, window = self.server.chat_limit
        self._chats.append(now)
        while self._chats and now - self._chats[0] > window:
            self._chats.popleft()
        if len(self._chats) > limit:
            self.kick(f"kicked for spam: more than {limit} messages within {window:g} s")
            return
        assert self.account is not None
        self.reply(msg, "ok")
        world.broadcast(
            {"t": "chat", "user_id": self.account.user_id, "nick": self.account.nick, "text": text[:MAX_CHAT]}
        )

    def _recent(self, msg: dict[str, Any]) -> None:
        assert self.account is not None
        rows = [
            {"name": w, "id": w, "count": self._count(w), "visits": self.account.visits.get(w, 0)}
            for w in self.account.recent
        ]
        self.reply(msg, "worlds", worlds=rows)

    def _count(self, name: str) -> int:
        """A world's player count, or a ``WorldCount`` sentinel."""
        world = self.server.worlds.get(name)
        if world is None:
            return WORLD_COUNTS["UNKNOWN"]
        if len(world.players) >= world.cap:
            return WORLD_COUNTS["FULL"]
        return len(world.players)

    def _active(self, msg: dict[str, Any]) -> None:
        self.reply(msg, "worlds", worlds=self.server.active_worlds())

    def _world_info(self, msg: dict[str, Any]) -> None:
        try:
            name = normalize_name(msg["world"])
        except WorldNameError as exc:
            self.error(msg, exc.code, str(exc))
            return
        world = self.server.worlds.get(name)
        if world is not None:
            self.reply(msg, "world_info", **world.info())
        else:
            flags = {"hub": ["hub"], "tutorial": ["tutorial"], "mine": ["mine"]}.get(kind_of(name), [])
            self.reply(msg, "world_info", name=name, player_count=0, flags=flags)

    def _tutorial(self, msg: dict[str, Any]) -> None:
        assert self.account is not None
        tutorial.step(self.account, self.world, self.player, msg.get("step"), msg.get("nick"))
        self.push_me()
        self.reply(msg, "ok", tutorial_state=self.account.tutorial_state)

    def _me(self, msg: dict[str, Any]) -> None:
        """The account as it is now (a change the server did not push, such as a grant, shows)."""
        assert self.account is not None
        self.reply(msg, "me", **self.account.public())

    def _bye(self, msg: dict[str, Any]) -> None:
        self.reply(msg, "bye")
        self.close()


_HANDLERS = {
    "join": ClientConnection._join,
    "ready": ClientConnection._ready,
    "leave": ClientConnection._leave,
    "move": ClientConnection._move,
    "position": ClientConnection._position,
    "portal": ClientConnection._portal,
    "random_world": ClientConnection._random_world,
    "hit": ClientConnection._hit,
    "place": ClientConnection._place,
    "collect": ClientConnection._collect,
    "drop": ClientConnection._drop,
    "say": ClientConnection._say,
    "recent_worlds": ClientConnection._recent,
    "active_worlds": ClientConnection._active,
    "world_info": ClientConnection._world_info,
    "tutorial": ClientConnection._tutorial,
    "me": ClientConnection._me,
    "bye": ClientConnection._bye,
}
_HANDLERS.update(backpack.HANDLERS)
