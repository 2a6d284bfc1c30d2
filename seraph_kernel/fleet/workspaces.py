"""Workspaces: each notebook kernel's own bots, worlds and ``globalStorage`` on a shared fleet.

A LocalFleet keys every bot by a *global id*. A bot of the shared workspace keeps its plain id
(``bot-1``, as before workspaces); a bot of workspace ``nb-1a2b3c4d`` has the global id
``nb-1a2b3c4d~bot-1``. ``~`` can never appear in a bot id a client chooses (``commands/ids.py``),
so the split is unambiguous, and it is unreserved in URLs, so ``/api/bots/nb-1a2b3c4d~bot-1``
reaches it with curl.

:class:`WorkspaceFleet` is the Fleet a kernel (or a detached script of a workspace bot) sees:
ids go in short and come back short, ``globalStorage`` is the workspace's scope, lists and
events hold only the workspace's bots. Design and lifetime: ``docs/workspaces.md``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from seraph_kernel.commands import Command, checked
from seraph_kernel.commands.bots import ID as BOT_ID
from seraph_kernel.commands.workspaces import SHARED, workspace_name
from seraph_kernel.errors import SeraphError
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, Subscription, WorldView
from seraph_kernel.fleet.direct_storage import DirectStorage

if TYPE_CHECKING:
    from seraph_kernel.fleet.local import LocalFleet

SEPARATOR = "~"
#: Storage scope prefix of a workspace's ``globalStorage``.
SCOPE_PREFIX = "workspace:"
#: Fields of answers and events that hold bot ids.
ID_FIELDS = ("id", "client_id", "session_id")


def new_workspace_name() -> str:
    """A fresh name for a kernel's own workspace: ``nb-`` and 8 hex digits."""
    return f"nb-{secrets.token_hex(4)}"


def global_id(workspace: str, short_id: str) -> str:
    """The fleet-wide id of ``short_id`` in ``workspace``."""
    return short_id if workspace == SHARED else f"{workspace}{SEPARATOR}{short_id}"


def split_id(bot_id: str) -> tuple[str, str]:
    """``(workspace, short id)`` of a global id."""
    workspace, sep, short = bot_id.partition(SEPARATOR)
    return (workspace, short) if sep else (SHARED, bot_id)


def workspace_of(bot_id: str | None) -> str | None:
    """The workspace a global bot id belongs to (``None`` for no bot)."""
    return None if bot_id is None else split_id(bot_id)[0]


def storage_scope_of(workspace: str) -> str:
    """The storage scope that is ``globalStorage`` in ``workspace``."""
    return "global" if workspace == SHARED else f"{SCOPE_PREFIX}{workspace}"


class WorkspaceFleet(Fleet):
    """The fleet as one workspace sees it (a view of a LocalFleet: starting or closing it does
    not start or close the fleet)."""

    def __init__(self, fleet: LocalFleet, name: str) -> None:
        self.fleet = fleet
        self.name = workspace_name(name)
        self._prefix = "" if name == SHARED else f"{name}{SEPARATOR}"

    @property
    def kind(self) -> str:
        return self.fleet.kind

    def workspace(self, name: str) -> Fleet:
        return self.fleet.workspace(name)

    # -- ids ------------------------------------------------------------------------------------
    def to_global(self, short_id: str) -> str:
        return global_id(self.name, short_id)

    def to_short(self, bot_id: str) -> str | None:
        """The short id of a bot of this workspace; ``None`` for another workspace's bot."""
        if self.name == SHARED:
            return bot_id if SEPARATOR not in bot_id else None
        return bot_id[len(self._prefix) :] if bot_id.startswith(self._prefix) else None

    def _shorten(self, value: JSON) -> JSON:
        """``value`` with every bot id of this workspace (fields :data:`ID_FIELDS`) short."""
        if isinstance(value, list):
            return [self._shorten(item) for item in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            if key in ID_FIELDS and isinstance(item, str):
                short = self.to_short(item)
                out[key] = item if short is None else short
            else:
                out[key] = self._shorten(item)
        return out

    def _scope(self, scope: str) -> str:
        if scope == "global":
            return storage_scope_of(self.name)
        if scope.startswith("bot:"):
            return "bot:" + self.to_global(scope[4:])
        return scope

    def direct_storage(self) -> DirectStorage | None:
        direct = self.fleet.direct_storage()
        return None if direct is None else direct.within(self._scope)

    # -- the dispatcher ---------------------------------------------------------------------------
    async def invoke(self, cmd: str, args: dict[str, JSON] | None = None) -> JSON:
        """Check ``args`` as the user wrote them (short ids), run the command on the fleet with
        global ids, answer with short ones; errors name the short ids too."""
        command, values = checked(cmd, args)
        try:
            result = await self._run(command, values)
        except SeraphError as err:
            raise self._shorten_error(err) from None
        return self._shorten(result)

    async def _run(self, command: Command, values: dict[str, JSON]) -> JSON:
        name = command.name
        if BOT_ID in command.args:
            values["id"] = self.to_global(values["id"])
        if isinstance(values.get("client_id"), str):
            values["client_id"] = self.to_global(values["client_id"])
        if isinstance(values.get("scope"), str):
            values["scope"] = self._scope(values["scope"])
        if name == "list_bots":
            return await self._list_bots(command, values)
        if name == "create_bot":
            values["workspace"] = self.name
        elif name == "seraph_jobs":
            jobs = (await self.fleet.run_checked(command, values))["jobs"]
            return {"jobs": [job for job in jobs if self.to_short(job["client_id"]) is not None]}
        elif name == "seraph_stop_all":
            return {"stopped": await self.fleet.stop_workspace_scripts(self.name)}
        elif name in ("library_create", "library_list") and values.get("project_id") is None:
            values["project_id"] = await self.fleet.workspace_project(self.name)
        elif name == "seraph_info":
            info = await self.fleet.run_checked(command, values)
            return {**info, "workspace": self.name, "seed": await self.fleet.workspace_seed(self.name)}
        return await self.fleet.run_checked(command, values)

    async def _list_bots(self, command: Command, values: dict[str, JSON]) -> JSON:
        """This workspace's bots; a page's ``after`` and ``next`` are short ids too."""
        values["workspace"] = self.name
        if isinstance(values.get("after"), str):
            values["after"] = self.to_global(values["after"])
        answer = await self.fleet.run_checked(command, values)
        if isinstance(answer, dict) and isinstance(answer.get("next"), str):
            answer["next"] = self.to_short(answer["next"])
        return answer

    def _shorten_error(self, err: SeraphError) -> SeraphError:
        if self._prefix and err.args and isinstance(err.args[0], str):
            err.args = (err.args[0].replace(self._prefix, ""), *err.args[1:])
        return err

    async def world(self, bot_id: str) -> WorldView | None:
        try:
            return await self.fleet.world(self.to_global(bot_id))
        except SeraphError as err:
            raise self._shorten_error(err) from None

    # -- events -----------------------------------------------------------------------------------
    def subscribe(self, client_id: str | None = None) -> Subscription:
        inner = self.fleet.subscribe(None if client_id is None else self.to_global(client_id))
        return WorkspaceSubscription(inner, self)

    def short_event(self, event: FleetEvent) -> FleetEvent | None:
        """``event`` as this workspace sees it, or ``None`` for another workspace's bot."""
        short = None if event.client_id is None else self.to_short(event.client_id)
        if event.client_id is not None and short is None:
            return None
        return FleetEvent(event.kind, short, self._shorten(event.data))


class WorkspaceSubscription(Subscription):
    """A fleet subscription keeping only one workspace's events, with short ids."""

    def __init__(self, inner: Subscription, workspace: WorkspaceFleet) -> None:
        self._inner = inner
        self._workspace = workspace

    @property
    def live_stream(self) -> bool:
        return bool(getattr(self._inner, "live_stream", False))

    @live_stream.setter
    def live_stream(self, value: bool) -> None:
        self._inner.live_stream = value  # type: ignore[attr-defined]

    def __aiter__(self) -> AsyncIterator[FleetEvent]:
        return self

    async def __anext__(self) -> FleetEvent:
        while True:
            event = self._workspace.short_event(await self._inner.__anext__())
            if event is not None:
                return event

    def get_nowait(self) -> FleetEvent | None:
        while (event := self._inner.get_nowait()) is not None:
            short = self._workspace.short_event(event)
            if short is not None:
                return short
        return None

    @property
    def dropped(self) -> int:
        return self._inner.dropped

    def backlog(self) -> dict[str, int]:
        return self._inner.backlog()

    def close(self) -> None:
        self._inner.close()
