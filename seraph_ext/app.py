"""The Seraph server extension: owns the server's fleet (a LocalFleet in a child process by
default) and mounts the REST API.

Startup order under jupyter_server: ``initialize_settings`` and ``initialize_handlers`` run
while the server is built (no event loop yet); ``_start_jupyter_server_extension`` runs on the
server's loop once it is serving, and starts the fleet there. Requests that arrive before the
fleet is up wait for it (or answer 503 if it failed). ``stop_extension`` ends event streams,
then closes the fleet: scripts stop (their cleanups run) and bots disconnect.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from tornado import web
from traitlets import Bool, Float, Int, Unicode

from seraph_ext.bot_list_cache import BotListCache
from seraph_ext.handlers import routes
from seraph_kernel.config import QUOTA_FIELDS, FleetConfig
from seraph_kernel.fleet.base import Fleet, Subscription

ENV_SERVER_URL = "SERAPH_SERVER_URL"
ENV_TOKEN = "SERAPH_TOKEN"
ENV_RAY_ADDRESS = "SERAPH_RAY_ADDRESS"
ENV_RAY_SHARDS_PER_NODE = "SERAPH_RAY_SHARDS_PER_NODE"
ENV_FLEET_PROCESS = "SERAPH_FLEET_PROCESS"
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "localhost"}


class SeraphExtension(ExtensionApp):
    """``c.SeraphExtension.<trait>`` configures it; unset fleet traits fall back to the
    environment (``SERAPH_SIM_SEED``, ``SERAPH_SIM_ADDRESS``, ``SERAPH_DB``), then defaults."""

    name = "seraph_ext"
    load_other_extensions = True

    sim_seed = Int(None, allow_none=True, help="World seed of the embedded sim (env SERAPH_SIM_SEED).").tag(
        config=True
    )
    sim_address = Unicode(
        None, allow_none=True, help="host:port of an external seraph-sim (env SERAPH_SIM_ADDRESS)."
    ).tag(config=True)
    db_path = Unicode(None, allow_none=True, help="SQLite file of bots, storage, runs (env SERAPH_DB).").tag(
        config=True
    )
    script_memory_bytes = Int(None, allow_none=True, help="Memory cap of each script's Lua VM.").tag(
        config=True
    )
    script_budget_ms = Int(
        None, allow_none=True, help="Longest a script may run without yielding; 0 disables the budget."
    ).tag(config=True)
    cleanup_deadline_ms = Int(None, allow_none=True, help="Deadline of each cleanup block on stop.").tag(
        config=True
    )
    end_phase_deadline_ms = Int(
        None, allow_none=True, help="Deadline of a script's whole end: every cleanup and __close handler."
    ).tag(config=True)
    output_limit_bytes = Int(None, allow_none=True, help="Largest JSON of a script's returned values.").tag(
        config=True
    )
    console_bytes = Int(None, allow_none=True, help="Bytes of console lines kept per script (1 MiB).").tag(
        config=True
    )
    console_total_bytes = Int(
        None, allow_none=True, help="Bytes of console lines kept by all scripts of the process (64 MiB)."
    ).tag(config=True)
    storage_entry_bytes = Int(
        None, allow_none=True, help="Largest storage entry, key plus JSON value (1 MiB)."
    ).tag(config=True)
    storage_bot_bytes = Int(None, allow_none=True, help="Storage quota of each bot's scope (16 MiB).").tag(
        config=True
    )
    storage_global_bytes = Int(None, allow_none=True, help="Storage quota of globalStorage (64 MiB).").tag(
        config=True
    )
    storage_total_bytes = Int(
        None, allow_none=True, help="Storage quota of every scope together (1 GiB)."
    ).tag(config=True)
    max_body_bytes = Int(2 * 1024 * 1024, help="Largest request body accepted (413 above).").tag(config=True)
    sse_heartbeat_seconds = Float(15.0, help="Idle time before the event stream sends a heartbeat.").tag(
        config=True
    )
    bot_list_max_age_seconds = Float(
        0.25, help="Longest GET /api/bots reuses its encoded body when no bot event arrived."
    ).tag(config=True)
    strict_surface = Bool(
        False,
        help="Mount only Seraph's documented HTTP surface (/invoke, /api/commands, the bots and scripts "
        "routes of its docs, the event stream); every command stays reachable through /invoke.",
    ).tag(config=True)
    ray_address = Unicode(
        None,
        allow_none=True,
        help="Run the fleet as shards on Ray (docs/scale.md): 'auto' joins the cluster 'ray start' "
        "runs here, 'local' starts a Ray of this server, anything else is a cluster address; unset, "
        "one process as always, and Ray is never imported (env SERAPH_RAY_ADDRESS).",
    ).tag(config=True)
    ray_shards_per_node = Int(
        None,
        allow_none=True,
        help="Shards (each its own process) on every Ray node, default 1: one machine's scripts use as "
        "many cores as it has shards, since a shard's Python holds one GIL "
        "(env SERAPH_RAY_SHARDS_PER_NODE).",
    ).tag(config=True)
    fleet_process = Bool(
        None,
        allow_none=True,
        help="Run the fleet (bots, scripts, the embedded sim) in a child process of the server, so "
        "scripts never hold the server's GIL and a crash restarts the fleet, not the server "
        "(docs/runtime.md). Default on; env SERAPH_FLEET_PROCESS=0 turns it off.",
    ).tag(config=True)
    export_env = Bool(
        True, help="Export SERAPH_SERVER_URL and SERAPH_TOKEN to the kernels this server starts."
    ).tag(config=True)

    fleet: Fleet | None = None
    bot_list: BotListCache
    streams: set[Subscription]

    def initialize_settings(self) -> None:
        self.streams = set()
        self._ready = asyncio.Event()
        self._start_error: BaseException | None = None
        self.fleet_config = self._fleet_config()

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes(strict=self.strict_surface))

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        from seraph_kernel.fleet.local import LocalFleet
        from seraph_kernel.fleet.process_fleet import ProcessFleet

        if self.export_env:
            self._export_env(serverapp.identity_provider.token or "")
        ray_address = self.ray_address or os.environ.get(ENV_RAY_ADDRESS) or None
        try:
            if ray_address:
                from seraph_kernel.shards.router import RayFleet

                fleet: Fleet = RayFleet(self.fleet_config, ray_address, self._shards_per_node())
            elif self._fleet_in_a_process():
                fleet = ProcessFleet(self.fleet_config)
            else:
                fleet = LocalFleet(self.fleet_config)
            await fleet.start()
        except Exception as err:
            self._start_error = err
            self.log.exception("Seraph fleet failed to start")
        else:
            self.fleet = fleet
            self.bot_list = BotListCache(fleet, self.bot_list_max_age_seconds)
            self.log.info("Seraph REST API at %sapi/bots (%s)", self.server_url(), self.fleet_config)
        finally:
            self._ready.set()

    def _shards_per_node(self) -> int:
        if self.ray_shards_per_node is not None:
            return self.ray_shards_per_node
        value = os.environ.get(ENV_RAY_SHARDS_PER_NODE, "1").strip()
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{ENV_RAY_SHARDS_PER_NODE} must be a whole number, not {value!r}") from None

    def _fleet_in_a_process(self) -> bool:
        if self.fleet_process is not None:
            return self.fleet_process
        return os.environ.get(ENV_FLEET_PROCESS, "1").strip().lower() not in ("0", "false", "no", "off")

    async def ready_fleet(self) -> Fleet:
        """The started fleet; waits for startup, 503 if it failed or the server is stopping."""
        await self._ready.wait()
        if self.fleet is None:
            raise web.HTTPError(503, "seraph fleet unavailable: %s", self._start_error or "stopped")
        return self.fleet

    async def stop_extension(self) -> None:
        for subscription in list(self.streams):
            subscription.close()
        fleet, self.fleet = self.fleet, None
        if fleet is not None:
            self.bot_list.close()
            await fleet.close()
        self._restore_env()

    def _export_env(self, token: str) -> None:
        """Kernel managers copy ``os.environ`` when they launch a kernel, so kernels inherit
        the URL and token; the previous values come back on stop."""
        self._saved_env = {name: os.environ.get(name) for name in (ENV_SERVER_URL, ENV_TOKEN)}
        os.environ[ENV_SERVER_URL] = self.server_url()
        os.environ[ENV_TOKEN] = token

    def _restore_env(self) -> None:
        for name, value in getattr(self, "_saved_env", {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def server_url(self) -> str:
        """A URL this machine's kernels can reach the server at, with base_url and a trailing /."""
        app = self.serverapp
        host = app.ip if app.ip not in _WILDCARD_HOSTS else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if app.certfile else "http"
        return f"{scheme}://{host}:{app.port}{app.base_url}"

    def _fleet_config(self) -> FleetConfig:
        overrides: dict[str, Any] = {}
        if self.sim_seed is not None:
            overrides["seed"] = self.sim_seed
        if self.sim_address:
            overrides["sim_address"] = self.sim_address
        if self.db_path:
            overrides["db_path"] = os.path.expanduser(self.db_path)
        for name in (
            "script_memory_bytes",
            "cleanup_deadline_ms",
            "end_phase_deadline_ms",
            "output_limit_bytes",
            *QUOTA_FIELDS,
        ):
            if getattr(self, name) is not None:
                overrides[name] = getattr(self, name)
        if self.script_budget_ms is not None:
            overrides["script_budget_ms"] = self.script_budget_ms or None
        return FleetConfig.from_env(**overrides)
