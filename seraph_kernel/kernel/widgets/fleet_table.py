"""The fleet table (``%bots``): one row per bot with status, world and position, live."""

from __future__ import annotations

from typing import Any

import ipywidgets

from seraph_kernel.fleet.base import Fleet, FleetEvent
from seraph_kernel.kernel.widgets.base import SeraphWidgetMixin
from seraph_kernel.kernel.widgets.live import LiveUpdates
from seraph_kernel.kernel.widgets.text import fleet_html, fleet_text


def _row_changes(event: FleetEvent) -> bool:
    return event.kind == "session" or (
        event.kind == "bot" and event.data.get("type") in ("position", "world")
    )


class FleetTable(SeraphWidgetMixin, ipywidgets.HTML):
    """An HTML table of :func:`~seraph_kernel.kernel.widgets.text.fleet_rows`."""

    def __init__(self, fleet: Fleet, bots: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(value=fleet_html(bots), **kwargs)
        self._fleet = fleet
        self.bots = bots

    @classmethod
    async def create(cls, fleet: Fleet, live: bool = True) -> FleetTable:
        table = cls(fleet, await fleet.list_bots())
        if live:
            table.start_live(LiveUpdates(fleet, None, table.refresh, _row_changes))
        return table

    async def refresh(self) -> None:
        bots = await self._fleet.list_bots()
        if bots != self.bots:
            self.bots = bots
            self.value = fleet_html(bots)

    def plain_text(self) -> str:
        return fleet_text(self.bots)
