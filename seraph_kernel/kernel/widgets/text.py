"""Plain-text and HTML forms of bot snapshots, shared by magics and widgets.

Every form is deterministic for a seeded world (no timestamps, no ping), so notebooks that
show them compare cleanly under nbval.
"""

from __future__ import annotations

import html
from typing import Any

FLEET_COLUMNS = ("id", "status", "world", "position")


def position_text(position: dict[str, Any] | None) -> str:
    """``(42, 18)`` from a ``player_position``; ``-`` outside a world."""
    if not position or position.get("map_x") is None:
        return "-"
    return f"({round(position['map_x'])}, {round(position['map_y'])})"


def inventory_text(items: list[dict[str, Any]] | None) -> str:
    if not items:
        return "empty"
    parts = [f"{item.get('name') or item.get('block_id')} x{item.get('amount')}" for item in items]
    return f"{len(items)} item{'' if len(items) == 1 else 's'}: " + ", ".join(parts)


def snapshot_rows(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields a user watches, in order, as text."""
    return [
        ("status", str(snapshot.get("status"))),
        ("world", snapshot.get("current_world") or "-"),
        ("position", position_text(snapshot.get("player_position"))),
        ("gems", str(snapshot.get("gems", 0))),
        ("level", str(snapshot.get("xp_level", 0))),
        ("inventory", inventory_text(snapshot.get("inventory"))),
        ("last_error", snapshot.get("last_error") or "none"),
    ]


def snapshot_text(snapshot: dict[str, Any]) -> str:
    title = f"{snapshot.get('id')} ({snapshot.get('username')})"
    return "\n".join([title] + [f"  {name}: {value}" for name, value in snapshot_rows(snapshot)])


def snapshot_html(snapshot: dict[str, Any]) -> str:
    title = html.escape(f"{snapshot.get('id')} ({snapshot.get('username')})")
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(name)}</th>"
        f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
        for name, value in snapshot_rows(snapshot)
    )
    return f"<b>{title}</b><table class='seraph-snapshot'>{rows}</table>"


def fleet_rows(bots: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [
        (
            str(bot.get("id")),
            str(bot.get("status")),
            bot.get("current_world") or "-",
            position_text(bot.get("player_position")),
        )
        for bot in bots
        if not bot.get("deleted")
    ]


def fleet_text(bots: list[dict[str, Any]]) -> str:
    rows = fleet_rows(bots)
    if not rows:
        return "no bots (%create_bot makes one)"
    table = [FLEET_COLUMNS, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(FLEET_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table
    )


def fleet_html(bots: list[dict[str, Any]]) -> str:
    rows = fleet_rows(bots)
    if not rows:
        return "<i>no bots (%create_bot makes one)</i>"
    head = "".join(f"<th style='text-align:left;padding-right:1em'>{c}</th>" for c in FLEET_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left;padding-right:1em'>{html.escape(c)}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table class='seraph-fleet'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
