"""The account: re-reading it from the server (Seraph's ``client:refresh()``)."""

from __future__ import annotations

from seraph_kernel.backends.sim.bot_core import SimBotCore


class SimBotAccount(SimBotCore):
    """The account fields of the snapshot (gems, byte coins, level, xp) read again on demand."""

    async def refresh(self) -> str | None:
        """Ask the server for the account (``me {}``): its reply replaces the cached one (in
        :meth:`_on_message`), so a change the server did not push shows. ``NOT_CONNECTED``
        without a session."""
        link = self._need_link()
        if link is None:
            return self._fail("NOT_CONNECTED", f"refresh: {self.bot_id} is not connected")
        result = await self._call(link, "me")
        if isinstance(result, str):
            return result
        self._emit("session", {"snapshot": self.snapshot()})
        return None
