"""An account's progress: the counters the rules bump (seeds planted, trees harvested, blocks
broken, packs bought, backpack expansions), the quests they complete (each pays its reward
once) and the achievements they earn; and buying packs with byte coins.

The client sees all of it in its ``me`` message (``counters``, ``quests_done``,
``achievements``), so a bot's snapshot shows its quests and achievements.
"""

from __future__ import annotations

import random
from typing import Any

from seraph_kernel.sim.accounts import Account
from seraph_kernel.sim.content import ACHIEVEMENTS, PACKS, QUESTS


class ShopError(Exception):
    """A purchase the rules refuse."""


def record(account: Account, counter: str, amount: int = 1) -> None:
    """Bump ``counter``; complete the quests (paying their rewards) and earn the achievements
    it reaches."""
    value = account.counters[counter] = account.counters.get(counter, 0) + amount
    for name, quest in QUESTS.items():
        if quest["counter"] == counter and value >= quest["goal"] and name not in account.quests_done:
            account.quests_done.append(name)
            _pay(account, quest["reward"])
    for name, achievement in ACHIEVEMENTS.items():
        reached = achievement["counter"] == counter and value >= achievement["goal"]
        if reached and name not in account.achievements:
            account.achievements.append(name)


def _pay(account: Account, reward: dict[str, Any]) -> None:
    account.gems += reward.get("gems", 0)
    account.byte_coins += reward.get("byte_coins", 0)
    for block, amount in reward.get("items", {}).items():
        account.add_item(int(block), amount)


def buy_pack(seed: int, account: Account, name: str) -> list[tuple[int, int]]:
    """Pay the pack's byte coins and roll its items into the backpack: the ``(block, amount)``
    pairs rolled. :class:`ShopError` for an unknown pack, too few byte coins, or a backpack
    that cannot take every roll (nothing is paid then)."""
    pack = PACKS.get(name)
    if pack is None:
        raise ShopError(f"unknown pack {name!r} (packs: {', '.join(sorted(PACKS))})")
    price = pack["byteCoinsPrice"]
    if account.byte_coins < price:
        raise ShopError(f"{name} costs {price} byte coins, the account has {account.byte_coins}")
    rng = random.Random(f"{seed}:{account.user_id}:pack:{account.packs_opened}")
    entries = pack["items"]
    weights = [e["weight"] for e in entries]
    rolled = [rng.choices(entries, weights)[0] for _ in range(pack["rolls"])]
    new = {e["blockType"] for e in rolled} - set(account.inventory)
    if len(account.inventory) + len(new) > account.slots:
        raise ShopError(f"{name}: the backpack has no room for {len(new)} new items")
    account.byte_coins -= price
    account.packs_opened += 1
    for e in rolled:
        account.add_item(e["blockType"], e["amount"])
    record(account, "packs_bought")
    return [(e["blockType"], e["amount"]) for e in rolled]
