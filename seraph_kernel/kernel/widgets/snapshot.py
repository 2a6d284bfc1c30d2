"""The snapshot widget (``%snapshot``): a bot's status, world, position, gems, level,
inventory and last error, updated from the fleet's events for that bot."""

from __future__ import annotations

from typing import Any

import ipywidgets

from seraph_kernel.fleet.base import Fleet
from seraph_kernel.kernel.widgets.base import SeraphWidgetMixin
from seraph_kernel.kernel.widgets.live import LiveUpdates
from seraph_kernel.kernel.widgets.text import snapshot_html, snapshot_text


class SnapshotWidget(SeraphWidgetMixin, ipywidgets.HTML):
    """One bot's full snapshot as a small table."""

    def __init__(self, fleet: Fleet, bot_id: str, snapshot: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(value=snapshot_html(snapshot), **kwargs)
        self._fleet = fleet
        self.bot_id = bot_id
        self.snapshot = snapshot

    @classmethod
    async def create(cls, fleet: Fleet, bot_id: str, live: bool = True) -> SnapshotWidget:
        widget = cls(fleet, bot_id, await fleet.get_bot(bot_id))
        if live:
            widget.start_live(LiveUpdates(fleet, bot_id, widget.refresh, lambda event: event.kind != "log"))
        return widget

    async def refresh(self) -> None:
        snapshot = await self._fleet.get_bot(self.bot_id)
        text = snapshot_html(snapshot)
        self.snapshot = snapshot
        if text != self.value:
            self.value = text

    def plain_text(self) -> str:
        return snapshot_text(self.snapshot)
