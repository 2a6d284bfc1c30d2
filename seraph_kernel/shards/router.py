"""``RayFleet``: the front door's Fleet over shards that are Ray actors.

The Jupyter server extension (the Ray driver) keeps one front door: the REST routes, ``/invoke``,
the SSE stream and the kernels' ``RemoteFleet`` use this Fleet as they use a ``LocalFleet``.
Each command goes to the shard that owns its bot; fleet-wide ones fan out and merge; new bots
go to the least-loaded shard; every shard's events are pulled into one bus. A node may hold
several shards (``shards_per_node``): each is a process of its own, so one machine's cores all
run scripts. A shard whose node dies is noticed by its event pull (or by a call that fails):
its bots move to the other shards, which reconnect them into their worlds, and its runs end
``FAILED`` "node lost", or start again when they asked for ``restart: on-failure``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections import Counter
from typing import Any

import ray
from ray.exceptions import RayActorError

from seraph_kernel.commands import BOT, Command, checked
from seraph_kernel.config import FleetConfig
from seraph_kernel.errors import BotExists, SeraphError, UnknownBot
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, Subscription, WorldView, copied_world
from seraph_kernel.fleet.bot_order import natural_key
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.fleet.local import AUTO_ID_PATTERN
from seraph_kernel.fleet.wire import result
from seraph_kernel.fleet.workspaces import SHARED, WorkspaceFleet, global_id, split_id, workspace_name
from seraph_kernel.shards.cluster import NAMESPACE, alive_nodes, connect, on_node
from seraph_kernel.shards.routing import bot_of, merged_bots, rehome_targets
from seraph_kernel.shards.shard import ShardActor
from seraph_kernel.shards.store import FarmStore

logger = logging.getLogger(__name__)
NODE_LOST = "node lost"
#: Events one pull of a shard's stream brings at most, how long it waits for the first, and how
#: long the shard then lets others gather (what the stream's events wait at most beyond that).
PULL_EVENTS = 1000
PULL_WAIT_S = 1.0
PULL_LINGER_S = 0.02
#: Commands every shard answers for its slice, merged here.
FAN_OUT = frozenset({"list_bots", "seraph_stop_all", "list_workspaces"})


class ShardLost(SeraphError):
    """A shard's node went away during a call; its bots are being moved."""

    http_status = 503


@dataclasses.dataclass(eq=False)
class Shard:
    name: str
    node_id: str
    actor: Any
    pump: asyncio.Task[None] | None = None


class RayFleet(Fleet):
    """Bots and scripts on Ray shards, ``shards_per_node`` on every alive node (``docs/scale.md``)."""

    def __init__(self, config: FleetConfig, address: str, shards_per_node: int = 1) -> None:
        if isinstance(shards_per_node, bool) or not isinstance(shards_per_node, int) or shards_per_node < 1:
            raise ValueError(f"shards per node must be a whole number of at least 1, not {shards_per_node!r}")
        self.config = config
        self.address = address
        self.shards_per_node = shards_per_node
        self._bus = EventBus()
        self._farm = secrets.token_hex(3)
        self._shards: dict[str, Shard] = {}
        self._owners: dict[str, str] = {}
        self._restarts: dict[tuple[str, str], dict[str, JSON]] = {}
        self._store: Any = None
        self._server: Any = None
        self._create_lock = asyncio.Lock()
        self._loss_lock = asyncio.Lock()
        self._closing = False

    @property
    def kind(self) -> str:
        return "ray"

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Join Ray, start the sim (unless one is configured), the store actor on this node and
        ``shards_per_node`` shards on every alive node; place the stored bots on the shards,
        which restore them."""
        self._bus.bind()
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise

    async def _start(self) -> None:
        connect(self.address)
        config = self.config
        if config.sim_address is None:
            from seraph_kernel.sim.server import SimWorldServer

            self._server = SimWorldServer(seed=config.seed, host="127.0.0.1")
            await self._server.start()
            config = dataclasses.replace(config, sim_address=self._server.address)
        nodes = alive_nodes()
        store_class = ray.remote(num_cpus=0, max_restarts=0)(FarmStore)
        self._store = on_node(store_class, nodes[0], name=f"seraph-store-{self._farm}").remote(self.config)
        closed = await self._store.close_unfinished.remote("server stopped")
        if closed:
            logger.warning("closed %d script run(s) left unfinished by the previous process", closed)
        shard_class = ray.remote(num_cpus=0, max_restarts=0, max_concurrency=10_000)(ShardActor)
        placed = [node_id for node_id in nodes for _ in range(self.shards_per_node)]
        for index, node_id in enumerate(placed):
            name = f"seraph-shard-{self._farm}-{index}"
            actor = on_node(shard_class, node_id, name=name).remote(config, name, self._store, NAMESPACE)
            self._shards[name] = Shard(name, node_id, actor)
        names = list(self._shards)
        records = await self._store.records.remote()
        self._owners = {record.id: names[i % len(names)] for i, record in enumerate(records)}
        await self._store.place.remote(self._owners)
        await asyncio.gather(*(shard.actor.start.remote() for shard in self._shards.values()))
        for shard in self._shards.values():
            shard.pump = asyncio.create_task(self._pump(shard))
        logger.info("Seraph on Ray: %d shard(s) on nodes %s", len(placed), ", ".join(n[:8] for n in nodes))

    async def close(self) -> None:
        """Stop every shard (their scripts stop, bots disconnect), the store and the sim."""
        if self._closing:
            return
        self._closing = True
        shards = list(self._shards.values())
        for shard in shards:
            if shard.pump is not None:
                shard.pump.cancel()
        closes = [shard.actor.close.remote() for shard in shards]
        done = await asyncio.gather(*closes, return_exceptions=True)
        for shard, outcome in zip(shards, done, strict=True):
            if isinstance(outcome, Exception):
                logger.warning("shard %s did not close cleanly: %s", shard.name, outcome)
            ray.kill(shard.actor)
        if self._store is not None:
            try:
                await self._store.close.remote()
            except Exception:
                logger.exception("the store actor did not close cleanly")
            ray.kill(self._store)
        if self._server is not None:
            await self._server.stop()
        self._bus.close()
        if ray.is_initialized():
            ray.shutdown()

    # -- the dispatcher ----------------------------------------------------------------------
    async def invoke(self, cmd: str, args: dict[str, JSON] | None = None) -> JSON:
        """Route ``cmd`` to the shard that owns its bot; fan out the fleet-wide ones."""
        command, values = checked(cmd, args)
        return await self.run_checked(command, values)

    async def run_checked(self, command: Command, values: dict[str, JSON]) -> JSON:
        """Route a command whose arguments are checked (a workspace view hands over global ids)."""
        name = command.name
        if name == "create_bot":
            return await self._create_bot(values)
        if name in FAN_OUT or (name == "seraph_jobs" and values.get("client_id") is None):
            return await self._fan_out(name, values)
        if name == "seraph_info":
            info = await self._call(self._primary(), name, values)
            return {**info, **self._farm_info()}
        bot_id = bot_of(command, values)
        if bot_id is not None and bot_id in self._owners:
            answer = await self._call(await self._owner_shard(bot_id), name, values)
        elif command.runs_on == BOT or name in ("get_bot", "delete_bot"):
            raise UnknownBot(str(bot_id))
        else:
            answer = await self._call(self._primary(), name, values)
        if name == "delete_bot":
            await self._forget([values["id"]])
        elif name == "delete_workspace":
            await self._forget([b for b in self._owners if split_id(b)[0] == values["name"]])
        elif name == "seraph_execute":
            key = (values["client_id"], values["script_id"])
            if values.get("restart") == "on-failure":
                self._restarts[key] = values
            else:
                self._restarts.pop(key, None)
        return answer

    def _farm_info(self) -> dict[str, JSON]:
        """What ``seraph_info`` adds on Ray: the front door's node and every shard's bots."""
        bots: dict[str, list[str]] = {name: [] for name in self._shards}
        for bot_id, owner in self._owners.items():
            bots.setdefault(owner, []).append(bot_id)
        shards = [
            {"name": s.name, "node_id": s.node_id, "bots": sorted(bots[s.name], key=natural_key)}
            for s in self._shards.values()
        ]
        node_id = ray.get_runtime_context().get_node_id()
        return {"kind": self.kind, "ray_address": self.address, "ray_node_id": node_id, "shards": shards}

    async def _call(self, shard: Shard, cmd: str, values: dict[str, JSON]) -> JSON:
        """One command on one shard; if the shard is lost, its bots move and the command goes
        once more to where its bot went."""
        try:
            return result(await shard.actor.invoke.remote(cmd, values, self._bus.live_listeners()))
        except RayActorError:
            await self._lose(shard.name)
        bot_id = values.get("id") or values.get("client_id")
        owner = self._owners.get(bot_id) if isinstance(bot_id, str) else None
        if owner is None and not self._shards:
            raise ShardLost(f"{cmd}: no shard is left")
        target = self._shards.get(owner, self._primary()) if owner is not None else self._primary()
        return result(await target.actor.invoke.remote(cmd, values, self._bus.live_listeners()))

    async def _owner_shard(self, bot_id: str) -> Shard:
        """The shard that owns ``bot_id``; while its shard is being lost, the one it moves to."""
        shard = self._shards.get(self._owners[bot_id])
        if shard is None:
            async with self._loss_lock:
                shard = self._shards.get(self._owners[bot_id]) or self._primary()
        return shard

    async def _forget(self, bot_ids: list[str]) -> None:
        """Deleted bots leave the directory."""
        for bot_id in bot_ids:
            self._owners.pop(bot_id, None)
            await self._store.forget.remote(bot_id)

    async def _create_bot(self, values: dict[str, JSON]) -> JSON:
        """A new bot on the least-loaded shard (a workspace's bots on the primary shard, which
        holds the workspaces' own sim worlds); ids are unique across the farm."""
        workspace = SHARED if values.get("workspace") is None else workspace_name(values["workspace"])
        async with self._create_lock:
            short_id = values.get("id") or self._next_bot_id(workspace)
            bot_id = global_id(workspace, short_id)
            if bot_id in self._owners:
                raise BotExists(bot_id)
            shard = self._primary() if workspace != SHARED else self._least_loaded()
            self._owners[bot_id] = shard.name
            await self._store.place.remote({bot_id: shard.name})
            try:
                return await self._call(shard, "create_bot", {**values, "id": short_id})
            except BaseException:
                if self._owners.get(bot_id) == shard.name:
                    self._owners.pop(bot_id, None)
                    await self._store.forget.remote(bot_id)
                raise

    async def _fan_out(self, name: str, values: dict[str, JSON]) -> JSON:
        shards = list(self._shards.values())
        answers = await asyncio.gather(*(self._call(shard, name, values) for shard in shards))
        if name == "list_bots":
            return merged_bots(answers, values.get("limit"), values.get("after"))
        if name == "seraph_stop_all":
            return {"stopped": sum(answer["stopped"] for answer in answers)}
        if name == "list_workspaces":
            rows: dict[str, dict[str, JSON]] = {}
            for answer in answers:
                for row in answer:
                    if row["name"] in rows:
                        kept = rows[row["name"]]
                        kept["bots"] += row["bots"]
                        kept["own_world"] = kept["own_world"] or row["own_world"]
                    else:
                        rows[row["name"]] = dict(row)
            return [rows[key] for key in sorted(rows)]
        jobs: dict[tuple[str, str], dict[str, JSON]] = {}
        for shard, answer in zip(shards, answers, strict=True):
            for job in answer["jobs"]:
                key = (job["client_id"], job["script_id"])
                if key not in jobs or self._owners.get(job["client_id"]) == shard.name:
                    jobs[key] = job
        return {"jobs": list(jobs.values())}

    async def world(self, bot_id: str) -> WorldView | None:
        return await copied_world(self, bot_id)

    # -- workspaces (docs/workspaces.md): each lives on the primary shard, with its bots ------
    def workspace(self, name: str) -> Fleet:
        return WorkspaceFleet(self, name)  # type: ignore[arg-type]

    async def workspace_seed(self, name: str) -> int:
        return await self._primary().actor.workspace_seed.remote(name)

    async def workspace_project(self, name: str) -> str | None:
        return await self._primary().actor.workspace_project.remote(name)

    async def stop_workspace_scripts(self, name: str) -> int:
        return await self._primary().actor.stop_workspace_scripts.remote(name)

    def subscribe(self, client_id: str | None = None) -> Subscription:
        return self._bus.subscribe(client_id)

    # -- placement -----------------------------------------------------------------------------
    def _primary(self) -> Shard:
        """The shard of the front door's node (or the first left): library and workspace
        commands go there."""
        if not self._shards:
            raise ShardLost("no shard is left")
        return next(iter(self._shards.values()))

    def _least_loaded(self) -> Shard:
        loads = self._loads()
        return min(loads, key=loads.__getitem__)

    def _loads(self) -> dict[Shard, int]:
        counts = Counter(self._owners.values())
        return {shard: counts[shard.name] for shard in self._shards.values()}

    def _next_bot_id(self, workspace: str) -> str:
        ids = [split_id(b)[1] for b in self._owners if split_id(b)[0] == workspace]
        numbers = [int(m.group(1)) for b in ids if (m := AUTO_ID_PATTERN.fullmatch(b))]
        return f"bot-{max(numbers, default=0) + 1}"

    # -- events and failure ----------------------------------------------------------------------
    async def _pump(self, shard: Shard) -> None:
        """Pull one shard's events into the bus until the shard goes away."""
        while not self._closing:
            try:
                batch = await shard.actor.next_events.remote(PULL_EVENTS, PULL_WAIT_S, PULL_LINGER_S)
            except RayActorError:
                if not self._closing:
                    await self._lose(shard.name)
                return
            self._bus.publish_many([FleetEvent(*event) for event in batch])

    async def _lose(self, name: str) -> None:
        """Shard ``name`` is gone: move its bots to the others (least-loaded first; those of
        other nodes when there are any, see ``rehome_targets``), end its runs ``FAILED`` "node
        lost" in the store, and start again those that asked for it."""
        async with self._loss_lock:
            shard = self._shards.pop(name, None)
            if shard is None:
                return
            if shard.pump is not None and shard.pump is not asyncio.current_task():
                shard.pump.cancel()
            orphans = sorted((b for b, owner in self._owners.items() if owner == name), key=natural_key)
            logger.error("shard %s (node %s) is lost; moving %d bot(s)", name, shard.node_id, len(orphans))
            if not self._shards:
                return
            targets = rehome_targets(shard.node_id, {s.name: s.node_id for s in self._shards.values()})
            loads = {s.name: n for s, n in self._loads().items() if s.name in targets}
            moved: dict[str, str] = {}
            for bot_id in orphans:
                target = min(loads, key=loads.__getitem__)
                moved[bot_id] = target
                loads[target] += 1
            lost_runs = await self._store.rehome.remote(moved, NODE_LOST)
            self._owners.update(moved)
            by_shard: dict[str, list[str]] = {}
            for bot_id, target in moved.items():
                by_shard.setdefault(target, []).append(bot_id)
            await asyncio.gather(
                *(self._shards[target].actor.adopt.remote(ids) for target, ids in by_shard.items()),
                return_exceptions=True,
            )
        for key in lost_runs:
            spec = self._restarts.get(tuple(key))
            if spec is None:
                continue
            try:
                await self.invoke("seraph_execute", spec)
            except SeraphError as err:
                logger.error("could not start %s/%s again after its node was lost: %s", *key, err)
