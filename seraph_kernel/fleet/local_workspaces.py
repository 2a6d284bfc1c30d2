"""The workspace side of a LocalFleet (docs/workspaces.md): each workspace's seed, its own
embedded sim world with the backend its bots connect through, and its library project.

The LocalFleet keeps the bots (keyed by global id) and answers the workspace commands; this
holds what a workspace has besides its bots, so deleting one releases all of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from seraph_kernel.backends.base import Backend, load_backend
from seraph_kernel.commands.workspaces import SHARED
from seraph_kernel.errors import InvalidArgument
from seraph_kernel.fleet.base import JSON
from seraph_kernel.fleet.workspaces import storage_scope_of
from seraph_kernel.library.service import Library

PROJECT_PREFIX = "workspace:"


class WorkspaceHost:
    """Worlds, seeds and library projects of the workspaces of one fleet."""

    def __init__(self, default_seed: int, sim_options: Callable[[], dict[str, JSON]]) -> None:
        """``sim_options()``: the sim backend's options of the fleet (its address is replaced
        by each workspace's world)."""
        self._default_seed = default_seed
        self._sim_options = sim_options
        self._worlds: dict[str, tuple[Any, Backend]] = {}
        self._seeds: dict[str, int] = {}
        self._projects: dict[str, str] = {}
        self._lock = asyncio.Lock()

    def seed(self, name: str) -> int:
        """The seed of workspace ``name``'s worlds and default usernames."""
        return self._seeds.get(name, self._default_seed)

    def has_world(self, name: str) -> bool:
        return name in self._worlds

    def names(self) -> set[str]:
        """Workspaces with a world of their own."""
        return set(self._worlds)

    async def create(self, name: str, seed: int | None) -> None:
        """Start ``name``'s world from ``seed``; the same name again must keep its seed."""
        if name == SHARED:
            raise InvalidArgument("name", "the shared workspace plays the server's world")
        seed = self._default_seed if seed is None else seed
        if name in self._worlds and self.seed(name) != seed:
            raise InvalidArgument("seed", f"workspace {name} already plays seed {self.seed(name)}")
        self._seeds.setdefault(name, seed)
        await self.sim_backend(name)

    async def sim_backend(self, name: str) -> Backend:
        """The sim backend of workspace ``name``, with its own embedded world (started once):
        two workspaces warping to MINEWORLD each get a fresh MINEWORLD from their seed."""
        async with self._lock:
            if name not in self._worlds:
                from seraph_kernel.sim.server import SimWorldServer

                server = SimWorldServer(seed=self.seed(name), host="127.0.0.1")
                await server.start()
                options = {**self._sim_options(), "address": server.address}
                self._worlds[name] = (server, load_backend("sim").from_config(options))
            return self._worlds[name][1]

    def backend(self, name: str, backend: str) -> Backend | None:
        """The backend a new bot of ``name`` uses, when the workspace has its own (``sim``)."""
        world = self._worlds.get(name)
        return world[1] if world is not None and backend == "sim" else None

    def row(self, name: str, bots: int) -> dict[str, JSON]:
        """What ``list_workspaces`` says of one workspace."""
        return {
            "name": name,
            "bots": bots,
            "storage_scope": storage_scope_of(name),
            "own_world": name in self._worlds,
            "seed": self.seed(name),
        }

    def project(self, library: Library, name: str, create: bool = True) -> str | None:
        """The library project holding workspace ``name``'s scripts (made on first use);
        ``None`` for the shared workspace, whose scripts belong to no project."""
        if name == SHARED:
            return None
        if name not in self._projects:
            for project in library.store.projects():
                if project["name"] == PROJECT_PREFIX + name:
                    self._projects[name] = project["id"]
        if name not in self._projects and create:
            self._projects[name] = library.store.create_project(PROJECT_PREFIX + name)["id"]
        return self._projects.get(name)

    async def forget(self, library: Library, name: str) -> None:
        """Remove the workspace's library scripts, stop its world, forget its seed."""
        project = self.project(library, name, create=False)
        if project is not None:
            for script in library.store.scripts(project):
                await library.remove(script["id"])
        self._projects.pop(name, None)
        self._seeds.pop(name, None)
        world = self._worlds.pop(name, None)
        if world is not None:
            await world[1].close()
            await world[0].stop()

    async def close(self) -> None:
        """Stop every workspace's world (their bots are closed by the fleet first)."""
        for server, backend in self._worlds.values():
            await backend.close()
            await server.stop()
        self._worlds.clear()
