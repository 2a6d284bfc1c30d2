"""The REST handlers and the route table the extension mounts: the dispatcher's front doors
(``/invoke``, ``/api/commands``, every command's REST sugar), the event stream and the OpenAPI
file."""

from __future__ import annotations

from typing import Any

from seraph_ext.handlers import commands, events, openapi
from seraph_ext.handlers.base import NotFoundHandler
from seraph_ext.handlers.bots import BotListHandler
from seraph_ext.handlers.info import InfoHandler
from seraph_ext.handlers.library import LibraryExecuteHandler

#: Every path under these prefixes answers JSON, including unknown routes (404).
PREFIXES = ("bots", "scripts", "jobs", "catalog", "seraph", "storage", "commands", "library")
#: Hand-written refinements of generated routes, by the name a route declares.
REFINED = {"bot_list": BotListHandler, "info": InfoHandler, "library_execute": LibraryExecuteHandler}
#: Seraph's documented HTTP surface (``003_…``, ``001_…``, the dispatcher): what
#: ``SeraphExtension.strict_surface`` keeps mounted.
SERAPH_SURFACE = frozenset(
    {
        "GET /api/bots",
        "GET /api/bots/{id}",
        *(f"POST /api/bots/{{id}}/{a}" for a in ("connect", "reconnect", "disconnect", "warp", "leave")),
        *(f"POST /api/bots/{{id}}/{a}" for a in ("walk_to", "tutorial")),
        *(f"GET /api/bots/{{id}}/{a}" for a in ("collectables", "enemies", "minimap")),
        *(f"GET /api/bots/{{id}}/{a}" for a in ("recent_worlds", "active_worlds", "world_info")),
        "POST /api/scripts/execute",
        "POST /api/scripts/stop",
        "GET /api/scripts/status",
        "GET /api/scripts/console",
        "POST /api/scripts/console/clear",
    }
)


def routes(strict: bool = False) -> list[tuple[Any, ...]]:
    """``(pattern, handler[, kwargs])`` relative to the server's base_url; the catch-all is
    last. ``strict`` mounts only Seraph's documented surface (plus the event stream)."""
    table: list[tuple[Any, ...]] = list(commands.handlers)
    table.extend(commands.command_routes(REFINED, SERAPH_SURFACE if strict else None))
    table.extend(events.handlers)
    if not strict:
        table.extend(openapi.handlers)
    prefixes = "|".join(PREFIXES)
    table.append((rf"/api/(?:{prefixes})(?:/.*)?", NotFoundHandler))
    return table
