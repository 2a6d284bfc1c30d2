"""The per-VM state the bot modules share: the fleet the script's services point at, the
walks it started, its fleet event subscriptions and its cache of world views."""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError, ModuleContext
from seraph_kernel.lua_api.client.event_handlers import BotEvents
from seraph_kernel.lua_api.client.views import WorldViews
from seraph_kernel.lua_api.client.walks import Walks


class ClientState:
    """What the bot modules of one VM share: the fleet, walks, event subscriptions and the
    world-view cache. Built on first use (the fleet may be attached after the VM)."""

    def __init__(self, ctx: ModuleContext) -> None:
        self._ctx = ctx
        self._services = ctx.services
        self._fleet: Any = None
        #: the Lua ``dispatch(client_id, event, index, ...)`` that runs one ``client:on`` handler
        self.dispatch: Any = None
        self.walks: Walks
        self.events: BotEvents
        self.views: WorldViews
        ctx.on_close(self.close)

    def attached(self) -> ClientState:
        """This session, bound to the services' current fleet (rebuilt if the fleet changed)."""
        fleet = self._services.fleet
        if fleet is None:
            raise LuaArgumentError("getClient: no fleet is attached to this script")
        if fleet is not self._fleet:
            self.close()
            self._fleet = fleet
            self.walks = Walks(fleet)
            self.events = BotEvents(fleet, self._spawn_handler)
            self.views = WorldViews(fleet, self.events)
        return self

    @property
    def fleet(self) -> Any:
        return self.attached()._fleet

    def _spawn_handler(self, *args: Any) -> None:
        if self.dispatch is not None:
            self._ctx.spawn(self.dispatch, *args)  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._fleet is not None:
            self.walks.close()
            self.events.close()
