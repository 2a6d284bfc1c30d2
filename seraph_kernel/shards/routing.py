"""Which bot a command concerns, so the front door and the shards send it to the bot's owner."""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands import BOT, Command


def bot_of(command: Command, values: dict[str, Any]) -> str | None:
    """The bot a checked command acts on or reads the scripts of (``id`` of per-bot commands,
    ``get_bot`` and ``delete_bot``, ``client_id`` of script commands), or ``None``: a
    fleet-wide command (``create_bot`` names a bot that has no owner yet)."""
    if command.name == "create_bot":
        return None
    by_id = command.runs_on == BOT or "id" in values
    bot_id = values.get("id") if by_id else values.get("client_id")
    return bot_id if isinstance(bot_id, str) else None
