"""Which bot a command concerns, so the front door and the shards send it to the bot's owner."""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands import BOT, Command
from seraph_kernel.fleet.bot_order import natural_key


def bot_of(command: Command, values: dict[str, Any]) -> str | None:
    """The bot a checked command acts on or reads the scripts of (``id`` of per-bot commands,
    ``get_bot`` and ``delete_bot``, ``client_id`` of script commands), or ``None``: a
    fleet-wide command (``create_bot`` names a bot that has no owner yet)."""
    if command.name == "create_bot":
        return None
    by_id = command.runs_on == BOT or "id" in values
    bot_id = values.get("id") if by_id else values.get("client_id")
    return bot_id if isinstance(bot_id, str) else None


def merged_bots(answers: list[dict[str, Any]], limit: int | None, after: str | None) -> dict[str, Any]:
    """The shards' ``list_bots`` answers as one, in id order. Paged (``limit``/``after``), each
    shard answered its first ``limit`` bots after ``after`` (its default page size without
    ``limit``): the farm's page is the first of them all, and ``next`` is its last id while any
    shard has more."""
    found = {bot["id"]: bot for answer in answers for bot in answer["bots"]}
    bots = [found[bot_id] for bot_id in sorted(found, key=lambda b: (natural_key(b), b))]
    if limit is None and after is None:
        return {"bots": bots}
    size = limit if limit is not None else max(len(answer["bots"]) for answer in answers)
    page = bots[:size]
    more = len(bots) > len(page) or any(answer.get("next") for answer in answers)
    return {"bots": page, "next": page[-1]["id"] if more and page else None}


def rehome_targets(lost_node: str, nodes: dict[str, str]) -> list[str]:
    """The shards (of ``nodes``: shard name -> node id, the lost one left out) that take a lost
    shard's bots: those on other nodes, since its node's other shards are likely gone with it
    (their pumps have not noticed yet); only its siblings when no other node has a shard."""
    elsewhere = [name for name, node in nodes.items() if node != lost_node]
    return elsewhere or list(nodes)
