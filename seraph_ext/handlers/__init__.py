"""The REST handlers, one module per resource, and the route table the extension mounts."""

from __future__ import annotations

from typing import Any

from seraph_ext.handlers import bots, catalog, events, info, jobs, openapi, scripts, storage
from seraph_ext.handlers.base import NotFoundHandler

#: Every path under these prefixes answers JSON, including unknown routes (404).
PREFIXES = ("bots", "scripts", "jobs", "catalog", "seraph", "storage")


def routes() -> list[tuple[Any, ...]]:
    """``(pattern, handler)`` pairs relative to the server's base_url; the catch-all is last."""
    table: list[tuple[Any, ...]] = []
    for module in (bots, scripts, jobs, catalog, storage, events, info, openapi):
        table.extend(module.handlers)
    prefixes = "|".join(PREFIXES)
    table.append((rf"/api/(?:{prefixes})(?:/.*)?", NotFoundHandler))
    return table
