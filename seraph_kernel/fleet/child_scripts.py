"""The child-script engines of a LocalFleet (``commands/scripting.py``): one per bot, whose runs
are the ordinary runs of ``(bot, "scripting")``.

A script can start runs now, so a run's family is bounded here: a child gets at most what is
left of its parent's timeout (it cannot outlive a deadline), nests one level below its parent
(children that start children end at :data:`MAX_CHILD_DEPTH`), and is stopped when its parent
is stopped; its source is bounded by the command's declaration. Each engine runs one script at
a time, so a family never has more running children than the fleet has bots.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seraph_kernel.commands.scripting import ENGINE_SCRIPT_ID, MAX_CHILD_DEPTH
from seraph_kernel.engine.records import RunRecord, epoch_ms
from seraph_kernel.errors import ScriptLimitExceeded, UnknownBot, UnknownScript
from seraph_kernel.fleet.base import JSON
from seraph_kernel.vocab import CANCELLED

if TYPE_CHECKING:
    from seraph_kernel.fleet.local_scripts import ScriptHost

log = logging.getLogger(__name__)
Key = tuple[str, str]


@dataclass(frozen=True)
class Lineage:
    """Where the engine's current run comes from."""

    parent: Key | None
    depth: int


class ChildScripts:
    """Every bot's engine: the source it last executed and the family of its current run."""

    def __init__(self, host: ScriptHost) -> None:
        self._host = host
        self._sources: dict[str, str] = {}
        self._lineage: dict[str, Lineage] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        host.end_listeners.append(self._run_ended)

    async def execute(
        self, client_id: str, source: str, parent_client_id: str | None, parent_script_id: str | None
    ) -> None:
        """Start ``source`` on the bot's engine, bounded by its parent run (if given)."""
        parent = (parent_client_id, parent_script_id) if parent_client_id and parent_script_id else None
        depth, timeout_ms = self._inherited(parent)
        if depth > MAX_CHILD_DEPTH:
            raise ScriptLimitExceeded(
                f"child scripts nest at most {MAX_CHILD_DEPTH} deep (a child may not start another here)"
            )
        await self._host.execute(client_id, ENGINE_SCRIPT_ID, source, timeout_ms)
        self._sources[client_id] = source
        self._lineage[client_id] = Lineage(parent, depth)

    def _inherited(self, parent: Key | None) -> tuple[int, int | None]:
        """The depth and timeout of a child of ``parent``: one level deeper, and no later a
        deadline than the parent's. A parent that is not a running script counts as a root."""
        if parent is None:
            return 1, None
        try:
            status = self._host.status(*parent)
        except UnknownScript:
            return 1, None
        if not status.get("running"):
            return 1, None
        lineage = self._lineage.get(parent[0]) if parent[1] == ENGINE_SCRIPT_ID else None
        depth = 1 if lineage is None else lineage.depth + 1
        timeout_ms, started_at = status.get("timeout_ms"), status.get("started_at")
        if timeout_ms is None or started_at is None:
            return depth, None
        return depth, max(1, started_at + timeout_ms - epoch_ms())

    async def stop(self, client_id: str) -> None:
        await self._host.stop(client_id, ENGINE_SCRIPT_ID)

    def state(self, client_id: str) -> dict[str, JSON]:
        if not self._host.has_bot(client_id):
            raise UnknownBot(client_id)
        try:
            status = self._host.status(client_id, ENGINE_SCRIPT_ID)
        except UnknownScript:
            status = {"running": False, "last_error": None}
        return {
            "running": bool(status["running"]),
            "source": self._sources.get(client_id, ""),
            "error": status["last_error"],
        }

    def forget_client(self, client_id: str) -> None:
        """The bot was deleted: its engine goes with it."""
        self._sources.pop(client_id, None)
        self._lineage.pop(client_id, None)

    def _run_ended(self, client_id: str, script_id: str, record: RunRecord) -> None:
        """A stopped run takes the children it started with it (and they theirs)."""
        if record.state != CANCELLED:
            return
        for child, lineage in list(self._lineage.items()):
            if lineage.parent == (client_id, script_id):
                task = asyncio.ensure_future(self.stop(child))
                self._stopping.add(task)
                task.add_done_callback(self._stopped)

    def _stopped(self, task: asyncio.Task[None]) -> None:
        self._stopping.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("could not stop a child script", exc_info=task.exception())


class ChildScriptCommands:
    """``LocalFleet``'s ``do_scripting_*`` (the dispatcher runs fleet commands as ``do_<name>``)."""

    def _require_scripts(self) -> ScriptHost:
        raise NotImplementedError

    async def do_scripting_execute(
        self, client_id: str, source: str, parent_client_id: str | None, parent_script_id: str | None
    ) -> None:
        await self._require_scripts().children.execute(client_id, source, parent_client_id, parent_script_id)

    async def do_scripting_stop(self, client_id: str) -> None:
        await self._require_scripts().children.stop(client_id)

    def do_scripting_state(self, client_id: str) -> dict[str, JSON]:
        return self._require_scripts().children.state(client_id)
