"""Paging of ``list_bots`` (issue 14): ``limit`` and ``after`` are additive arguments, so a
dashboard of 10,000 bots reads them a page at a time. Without either the answer is
``{"bots": [...]}`` exactly as before; with one, it also carries ``next``: the ``after`` of the
following page, or ``null`` on the last page."""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands.ids import MAX_BOT_ID_LENGTH
from seraph_kernel.commands.spec import JSON, Arg

#: The page size when only ``after`` is given.
DEFAULT_BOT_PAGE = 100
#: The largest page; a larger ``limit`` is lowered to it (as ``library_sessions`` does).
MAX_BOT_PAGE = 1000

LIMIT = Arg(
    "limit",
    int,
    f"page size: at most this many bots (1 to {MAX_BOT_PAGE}; larger is lowered); answers carry next",
    False,
    low=1,
    high=MAX_BOT_PAGE,
    clamp=True,
)
AFTER = Arg(
    "after",
    str,
    "list the bots after this id in the listing's order (a previous answer's next); "
    "an id no bot has still places the page where that id would sort",
    False,
    max_length=MAX_BOT_ID_LENGTH,
)


def bot_page(result: Any) -> JSON:
    """The ``list_bots`` answer: ``{"bots": [...]}`` for the whole list (the implementation
    returns the list), the page as it is (a dict with ``bots`` and ``next``) when paged."""
    return result if isinstance(result, dict) else {"bots": result}
