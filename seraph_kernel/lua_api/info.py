"""``getInfo(blockId)`` / ``getInfos()``: the block catalog, ``{id, name, flags, collision}``
per block (plus the catalog's ``hits``, ``inventory_type`` and ``drops`` when it has them).

``name`` is never nil: an id the catalog does not know reads as ``{id, name = "Block<id>",
flags = {}, collision = "solid"}`` (how the game shows unknown blocks). The catalog is fetched
once per VM."""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError, ModuleContext
from seraph_kernel.lua_api.client.conventions import lua_arity, require_int, without_nulls


class BlockCatalog:
    """The fleet's block catalog, fetched on first use and kept for the VM's life."""

    def __init__(self, services: Any) -> None:
        self._services = services
        self._infos: list[dict[str, Any]] | None = None
        self._by_id: dict[int, dict[str, Any]] = {}

    async def _load(self, name: str) -> list[dict[str, Any]]:
        if self._infos is None:
            fleet = self._services.fleet
            if fleet is None:
                raise LuaArgumentError(f"{name}: no fleet is attached")
            infos = sorted(await fleet.block_infos(), key=lambda info: int(info["id"]))
            infos = [without_nulls(info) for info in infos]
            for info in infos:
                info["name"] = str(info.get("name") or f"Block{info['id']}")
            self._by_id = {int(info["id"]): info for info in infos}
            self._infos = infos
        return self._infos

    async def get_info(self, block_id: Any = None) -> dict[str, Any]:
        block = require_int("getInfo", "blockId", block_id)
        await self._load("getInfo")
        known = self._by_id.get(block)
        if known is None:
            return {"id": block, "name": f"Block{block}", "flags": [], "collision": "solid"}
        return known

    async def get_infos(self) -> list[dict[str, Any]]:
        return await self._load("getInfos")


def install(ctx: ModuleContext) -> None:
    catalog = BlockCatalog(ctx.services)
    ctx.env.getInfo = ctx.async_function("getInfo", lua_arity(catalog.get_info))
    ctx.env.getInfos = ctx.async_function("getInfos", lua_arity(catalog.get_infos))
