"""Player accounts the sim server keeps for its lifetime: ids, currencies, xp, inventory,
tutorial progress and recent worlds, keyed by username."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from seraph_kernel.sim import catalog as c

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,24}$")
START_SLOTS = 32
MAX_STACK = 999
STARTING_INVENTORY = {c.PICKAXE_BASIC: 1}
LEVEL_STEP = 300  # level n starts at LEVEL_STEP * n * (n - 1) / 2 experience


def level_of(experience: int) -> tuple[int, int]:
    """``(xp_level, xp_amount)``: the level and the experience gained within it."""
    level = 1
    while experience >= LEVEL_STEP * level * (level + 1) // 2:
        level += 1
    return level, experience - LEVEL_STEP * level * (level - 1) // 2


@dataclass
class Account:
    username: str
    user_id: str
    nick: str
    gems: int = 0
    byte_coins: int = 0
    experience: int = 0
    slots: int = START_SLOTS
    tutorial_state: int = 0
    inventory: dict[int, int] = field(default_factory=lambda: dict(STARTING_INVENTORY))
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=10))
    visits: dict[str, int] = field(default_factory=dict)
    #: slot -> worn item (``hand`` holds the equipped tool); see :mod:`seraph_kernel.sim.backpack`
    worn: dict[str, int] = field(default_factory=dict)
    #: progress counters, completed quests and earned achievements (:mod:`seraph_kernel.sim.progress`)
    counters: dict[str, int] = field(default_factory=dict)
    quests_done: list[str] = field(default_factory=list)
    achievements: list[str] = field(default_factory=list)
    expansions: int = 0
    packs_opened: int = 0
    random_draws: int = 0  # how many random worlds were drawn (seeds the next draw)

    def add_item(self, block_id: int, amount: int) -> int:
        """Add up to ``amount``; returns how many fit (slot and stack limits)."""
        have = self.inventory.get(block_id)
        if have is None and len(self.inventory) >= self.slots:
            return 0
        fit = min(amount, MAX_STACK - (have or 0))
        if fit > 0:
            self.inventory[block_id] = (have or 0) + fit
        return max(fit, 0)

    def take_item(self, block_id: int, amount: int = 1) -> bool:
        have = self.inventory.get(block_id, 0)
        if have < amount:
            return False
        if have == amount:
            del self.inventory[block_id]
        else:
            self.inventory[block_id] = have - amount
        return True

    def visited(self, world: str) -> None:
        if world in self.recent:
            self.recent.remove(world)
        self.recent.appendleft(world)
        self.visits[world] = self.visits.get(world, 0) + 1

    def public(self) -> dict[str, Any]:
        """The ``me`` message body: everything the client shows about itself."""
        level, amount = level_of(self.experience)
        return {
            "user_id": self.user_id,
            "username": self.username,
            "nick": self.nick,
            "gems": self.gems,
            "byte_coins": self.byte_coins,
            "experience": self.experience,
            "xp_level": level,
            "xp_amount": amount,
            "slots": self.slots,
            "tutorial_state": self.tutorial_state,
            "inventory": [[b, n] for b, n in sorted(self.inventory.items())],
            "worn": [[slot, b] for slot, b in sorted(self.worn.items())],
            "counters": dict(self.counters),
            "quests_done": list(self.quests_done),
            "achievements": list(self.achievements),
        }


class Accounts:
    """Username → :class:`Account`, with deterministic ids and signed session tokens."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._secret = hashlib.sha256(f"sim-secret:{seed}".encode()).digest()
        self._accounts: dict[str, Account] = {}

    def get(self, username: str) -> Account:
        """The account, created on first use."""
        acc = self._accounts.get(username)
        if acc is None:
            user_id = hashlib.sha256(f"{self._seed}:user:{username}".encode()).hexdigest()[:24]
            acc = self._accounts[username] = Account(username=username, user_id=user_id, nick=username)
        return acc

    def issue_token(self, acc: Account) -> str:
        """A JWT (HS256) naming the account: the snapshot's ``sf_token``."""
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(
            json.dumps({"sub": acc.user_id, "name": acc.username, "iat": int(time.time())}).encode()
        )
        sig = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{sig}"

    def check_token(self, username: str, token: str) -> bool:
        """Whether ``token`` was issued by this server for ``username``."""
        try:
            header, payload, sig = token.split(".")
            want = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(sig, want):
                return False
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, AttributeError):
            return False
        return claims.get("name") == username


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
