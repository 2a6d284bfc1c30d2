"""The tutorial flow: character creation, the spawn-pod walk, the exit to the hub."""

from __future__ import annotations

from seraph_kernel.backends.sim.bot_core import (
    SimBotCore,
)
from seraph_kernel.sim import catalog
from seraph_kernel.sim.tutorial import CHARACTER_CREATION, COMPLETED, TUTORIAL_WORLD
from seraph_kernel.sim.worldgen import HUB, TUTORIAL


class SimBotTutorial(SimBotCore):
    """The tutorial flow: character creation, the spawn-pod walk, the exit to the hub."""

    async def tutorial(self, wait: bool = True) -> str | None:
        if self.tutorial_running:
            return self._fail("TUTORIAL_BUSY", "tutorial: already running")
        if self._need_link() is None:
            return self._fail("NOT_CONNECTED", f"tutorial: {self.bot_id} is not connected")
        self.tutorial_running = True
        self._emit("session", {"snapshot": self.snapshot()})
        task = self._spawn(self._tutorial_flow())
        return await task if wait else None

    def _stage(self, stage: str | None) -> None:
        self.tutorial_stage = stage
        if stage:
            self._log(f"tutorial: {stage}")

    async def _tutorial_flow(self) -> str | None:
        try:
            if self._me.get("tutorial_state", 0) < COMPLETED:
                self._stage("joining tutorial")
                err = await self._start_warp(TUTORIAL, wait=True)
                if err is None and self._me.get("tutorial_state") == CHARACTER_CREATION:
                    self._stage("character creation")
                    err = await self._tutorial_step("create_character")
                if err is None and self._me.get("tutorial_state") == TUTORIAL_WORLD:
                    self._stage("spawn pod walk")
                    err = await self._walk_to_pod()
                    if err is None:
                        err = await self._tutorial_step("exit")
                if err is not None:
                    return err
            self._stage("exit to PIXELSTATION")
            return await self._start_warp(HUB, wait=True)
        finally:
            self.tutorial_running = False
            self._stage(None)
            self._emit("session", {"snapshot": self.snapshot()})

    async def _walk_to_pod(self) -> str | None:
        if self._world is None:
            return self._fail("NOT_IN_WORLD", "tutorial: not in the tutorial world")
        pods = self._world.find(catalog.SPAWN_POD)
        if not pods:
            return self._fail("OTHER", "tutorial: no spawn pod in the tutorial world")
        return await self.walk_to(*pods[0])

    async def _tutorial_step(self, step: str) -> str | None:
        result = await self._act("tutorial", step=step)
        return result if isinstance(result, str) else None
