"""The fleet's bots in listing order (``bot-2`` before ``bot-10``), and pages of it.

Sorting 10,000 ids by their natural key costs more than building a page of 100 snapshots, so
the order is kept until the set of bots changes, and a page is found by bisection: ``after``
need not be a bot that exists (it may have been deleted since it was handed out as ``next``),
the page starts where that id would sort."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from typing import Any

_DIGITS = re.compile(r"(\d+)")


def natural_key(bot_id: str) -> list[Any]:
    """``bot-2`` before ``bot-10``: digit runs compare as numbers (runs alternate text and
    number from the start, so any two keys compare)."""
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(bot_id)]


class BotOrder:
    """Bot ids sorted by :func:`natural_key`, then by the id itself (``bot-01`` and ``bot-1``
    have equal keys); :meth:`changed` after a bot is added or removed."""

    def __init__(self) -> None:
        self._ids: list[str] | None = None
        self._keys: list[tuple[list[Any], str]] = []

    def changed(self) -> None:
        """The set of bots changed: sort again on the next read."""
        self._ids = None

    def ids(self, bots: Iterable[str]) -> list[str]:
        """Every id of ``bots`` in order (``bots`` is read only after :meth:`changed`)."""
        if self._ids is None:
            self._keys = sorted((natural_key(bot_id), bot_id) for bot_id in bots)
            self._ids = [bot_id for _, bot_id in self._keys]
        return self._ids

    def page(
        self, bots: Iterable[str], after: str | None, limit: int, keep: Callable[[str], bool] | None = None
    ) -> tuple[list[str], str | None]:
        """Up to ``limit`` ids sorting after ``after`` (from the start when ``None``) among
        those ``keep`` accepts, and the ``after`` of the next page (``None`` on the last)."""
        ids = self.ids(bots)
        start = 0 if after is None else bisect_right(self._keys, (natural_key(after), after))
        page: list[str] = []
        for index in range(start, len(ids)):
            if keep is None or keep(ids[index]):
                if len(page) == limit:
                    return page, page[-1]
                page.append(ids[index])
        return page, None
