"""The kernel's fleet, chosen from the environment and started on first use.

Starting a LocalFleet starts an embedded sim world; doing that lazily keeps kernel startup
fast for notebooks that never touch a bot. ``%seraph attach`` swaps the fleet underneath, so
the Lua VM and ``%%python``'s ``fleet`` keep one stable object.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seraph_kernel.fleet.base import Fleet

FleetFactory = Callable[[Path], Fleet]


def fleet_from_environment(scratch_dir: Path) -> Fleet:
    """A RemoteFleet when ``SERAPH_SERVER_URL`` is set (the server extension exports it to
    kernels), else a LocalFleet with its own embedded sim world (``FleetConfig.from_env``).

    On a server, the kernel works in a fresh workspace of its own (``docs/workspaces.md``): its
    bots, worlds and ``globalStorage`` are its own, its worlds come from the seed the kernel
    would play standalone (``SERAPH_SIM_SEED``), so the notebook repeats its outputs however
    many other kernels share the server; the workspace is deleted when the kernel stops.

    The kernel's own LocalFleet keeps its store in ``scratch_dir`` unless ``SERAPH_DB`` names a
    file, so a notebook starts from no bots and its outputs repeat run after run.
    """
    from seraph_kernel.config import ENV_DB, FleetConfig

    if os.environ.get("SERAPH_SERVER_URL"):
        from seraph_kernel.fleet.remote import RemoteFleet
        from seraph_kernel.fleet.workspaces import new_workspace_name

        seed = FleetConfig.from_env().seed
        return RemoteFleet.from_env(workspace=new_workspace_name(), owns_workspace=True, seed=seed)
    from seraph_kernel.fleet.local import LocalFleet

    overrides = {} if os.environ.get(ENV_DB, "").strip() else {"db_path": scratch_dir / "fleet.sqlite"}
    return LocalFleet(FleetConfig.from_env(**overrides))


def remote_fleet(url: str, token: str | None) -> Fleet:
    """A RemoteFleet for ``%seraph attach``, in a fresh workspace of this kernel's own."""
    from seraph_kernel.config import FleetConfig
    from seraph_kernel.fleet.remote import RemoteFleet
    from seraph_kernel.fleet.workspaces import new_workspace_name

    seed = FleetConfig.from_env().seed
    return RemoteFleet(url, token, workspace=new_workspace_name(), owns_workspace=True, seed=seed)


class LazyFleet:
    """Forwards to a fleet made by ``factory`` and started before its first coroutine call.

    ``factory(scratch_dir)`` gets a private folder that is removed on ``close()``."""

    def __init__(self, factory: FleetFactory = fleet_from_environment) -> None:
        self._factory = factory
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._fleet: Fleet | None = None
        self._started: asyncio.Future[None] | None = None

    @property
    def started(self) -> bool:
        """Whether a fleet is up (``%seraph`` does not start one just to describe it)."""
        return self._started is not None and self._started.done() and not self._started.exception()

    def target(self) -> Fleet:
        """The underlying fleet (created, maybe not started)."""
        if self._fleet is None:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="seraph-kernel-")
            self._fleet = self._factory(Path(self._scratch.name))
        return self._fleet

    async def ensure_started(self) -> Fleet:
        """The underlying fleet, started once; a failed start is retried on the next call."""
        fleet = self.target()
        if self._started is None or (self._started.done() and self._started.exception()):
            self._started = asyncio.ensure_future(fleet.start())
        await asyncio.shield(self._started)
        return fleet

    async def replace(self, fleet: Fleet) -> None:
        """Start ``fleet`` and use it from now on; the previous fleet is closed."""
        await fleet.start()
        previous, self._fleet = self._fleet, fleet
        self._started = asyncio.get_running_loop().create_future()
        self._started.set_result(None)
        if previous is not None:
            await previous.close()

    async def reset(self) -> None:
        """Start over with a fresh fleet: a server's fleet in a new workspace of this kernel's
        own (the old own workspace is deleted), or a new embedded LocalFleet (made on next use,
        with a new store and world)."""
        from seraph_kernel.fleet.remote import RemoteFleet

        if isinstance(self._fleet, RemoteFleet):
            from seraph_kernel.fleet.workspaces import new_workspace_name

            await self.replace(self._fleet.workspace(new_workspace_name(), owns_workspace=True))
        else:
            await self.close()

    async def close(self) -> None:
        if self._fleet is not None and self._started is not None:
            await self._fleet.close()
        self._fleet = None
        self._started = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def direct_storage(self) -> None:
        """A cell's VM is made before its fleet may exist: storage goes through ``invoke``."""
        return None

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.target(), name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        @functools.wraps(attribute)
        async def started_first(*args: Any, **kwargs: Any) -> Any:
            fleet = await self.ensure_started()
            return await getattr(fleet, name)(*args, **kwargs)

        return started_first
