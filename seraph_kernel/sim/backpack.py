"""The backpack's rules on the server: trashing items, equipping a tool and wearing clothes
(and their undo), expanding the backpack for gems, buying packs; and the connection handlers
of their messages (``trash``, ``equip``, ``unequip``, ``wear``, ``unwear``, ``expand_inventory``,
``buy_pack``). None of them needs the player in a world; dropping (which leaves a collectable
on the player's tile) lives in :meth:`World.drop`.

Worn items stay in the backpack (the snapshot's inventory still counts them); the last unit
of a worn item cannot be dropped or trashed until it is taken off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim import progress
from seraph_kernel.sim.accounts import Account
from seraph_kernel.sim.content import (
    EXPAND_GEMS,
    EXPAND_SLOTS,
    HAND,
    MAX_SLOTS,
    TOOLS,
    WEAR_SLOTS,
)
from seraph_kernel.sim.world import RuleError, check_removal

if TYPE_CHECKING:
    from seraph_kernel.sim.connection import ClientConnection


def _named(block_id: int) -> str:
    return f"{c.name_of(block_id)} ({block_id})"


def trash(account: Account, block_id: int, amount: int) -> None:
    """Destroy ``amount`` of ``block_id`` (it must be trashable: ``block_flags`` bit 0x2)."""
    block = c.block(block_id)
    if block is None or not block.flag_bits & c.FLAG_TRASHABLE:
        raise RuleError(f"trash: {_named(block_id)} cannot be trashed")
    check_removal(account, "trash", block_id, amount)
    account.take_item(block_id, amount)


def _put_on(account: Account, what: str, block_id: int, slot: str | None) -> None:
    if slot is None:
        kind = "a tool" if what == "equip" else "clothes"
        raise RuleError(f"{what}: {_named(block_id)} is not {kind}")
    if account.inventory.get(block_id, 0) < 1:
        raise RuleError(f"{what}: no {_named(block_id)} in the inventory")
    account.worn[slot] = block_id


def _take_off(account: Account, what: str, block_id: int, slots: set[str]) -> None:
    for slot, worn in list(account.worn.items()):
        if worn == block_id and slot in slots:
            del account.worn[slot]
            return
    raise RuleError(f"{what}: {_named(block_id)} is not {'equipped' if what == 'unequip' else 'worn'}")


def equip(account: Account, block_id: int) -> None:
    """Hold a tool in the hand (replacing the one held)."""
    _put_on(account, "equip", block_id, HAND if block_id in TOOLS else None)


def unequip(account: Account, block_id: int) -> None:
    _take_off(account, "unequip", block_id, {HAND})


def wear(account: Account, block_id: int) -> None:
    """Put clothes on their slot (replacing what was worn there)."""
    _put_on(account, "wear", block_id, WEAR_SLOTS.get(block_id))


def unwear(account: Account, block_id: int) -> None:
    _take_off(account, "unwear", block_id, set(WEAR_SLOTS.values()))


def expand(account: Account) -> int:
    """Pay the next expansion's gems and add its slots; the new capacity."""
    if account.slots + EXPAND_SLOTS > MAX_SLOTS:
        raise RuleError(f"expand_inventory: the backpack is at its largest ({account.slots} slots)")
    price = EXPAND_GEMS * (account.expansions + 1)
    if account.gems < price:
        raise RuleError(f"expand_inventory: costs {price} gems, the account has {account.gems}")
    account.gems -= price
    account.expansions += 1
    account.slots += EXPAND_SLOTS
    progress.record(account, "backpack_expanded")
    return account.slots


# -- the connection's handlers --------------------------------------------------------------
def _item_action(
    action: Callable[[Account, int], None],
) -> Callable[[ClientConnection, dict[str, Any]], None]:
    def handle(conn: ClientConnection, msg: dict[str, Any]) -> None:
        assert conn.account is not None
        action(conn.account, int(msg["block_id"]))
        conn.push_me()
        conn.reply(msg, "ok")

    return handle


def _trash(conn: ClientConnection, msg: dict[str, Any]) -> None:
    assert conn.account is not None
    trash(conn.account, int(msg["block_id"]), int(msg["amount"]))
    conn.push_me()
    conn.reply(msg, "ok")


def _expand(conn: ClientConnection, msg: dict[str, Any]) -> None:
    assert conn.account is not None
    slots = expand(conn.account)
    conn.push_me()
    conn.reply(msg, "ok", slots=slots)


def _buy_pack(conn: ClientConnection, msg: dict[str, Any]) -> None:
    assert conn.account is not None
    name = msg["pack"]
    if not isinstance(name, str):
        raise RuleError(f"buy_pack: expected a pack name, got {name!r}")
    try:
        rolled = progress.buy_pack(conn.server.seed, conn.account, name)
    except progress.ShopError as exc:
        raise RuleError(f"buy_pack: {exc}") from None
    conn.push_me()
    conn.reply(msg, "ok", items=[[b, n] for b, n in rolled])


HANDLERS: dict[str, Callable[[ClientConnection, dict[str, Any]], None]] = {
    "trash": _trash,
    "equip": _item_action(equip),
    "unequip": _item_action(unequip),
    "wear": _item_action(wear),
    "unwear": _item_action(unwear),
    "expand_inventory": _expand,
    "buy_pack": _buy_pack,
}
