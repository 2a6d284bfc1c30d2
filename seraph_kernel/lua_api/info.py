"""``getInfo(blockId)`` / ``getInfos()``: the block catalog as Seraph's ``ItemInfo``.

A row is ``{id, name, flags, collision}`` plus the catalog's ``hits``, ``inventory_type`` and
``drops`` when it has them. As in Seraph, ``flags`` and ``collision`` are numbers (bitmasks a
script tests with ``bit32.band``); the catalog's readable forms stay as ``flagNames`` (a list)
and ``collisionName`` (``"solid"``, ``"platform"``, ``"none"``).

``getInfo`` answers ``nil`` for an id the catalog does not know; a known id always has a
``name`` (``"#<id>"`` when the catalog gives none). The catalog is fetched once per VM."""

from __future__ import annotations

from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError, ModuleContext
from seraph_kernel.lua_api.client.conventions import lua_arity, require_int, without_nulls


def item_info(row: dict[str, Any]) -> dict[str, Any]:
    """A catalog row (``fleet.block_infos``) as Seraph's ``ItemInfo``."""
    info = without_nulls(row)
    info["name"] = str(info.get("name") or f"#{info['id']}")
    info["flagNames"] = list(info.get("flags") or [])
    info["collisionName"] = info.get("collision")
    info["flags"] = int(info.pop("flag_bits", 0))
    info["collision"] = int(info.pop("collision_bits", 0))
    return info


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
            rows = sorted(await fleet.block_infos(), key=lambda info: int(info["id"]))
            infos = [item_info(row) for row in rows]
            self._by_id = {int(info["id"]): info for info in infos}
            self._infos = infos
        return self._infos

    async def get_info(self, block_id: Any = None) -> dict[str, Any] | None:
        """The block's ``ItemInfo``, or ``None`` (Lua ``nil``) for an unknown id."""
        block = require_int("getInfo", "blockId", block_id)
        await self._load("getInfo")
        return self._by_id.get(block)

    async def get_infos(self) -> list[dict[str, Any]]:
        return await self._load("getInfos")


def install(ctx: ModuleContext) -> None:
    catalog = BlockCatalog(ctx.services)
    ctx.env.getInfo = ctx.async_function("getInfo", lua_arity(catalog.get_info))
    ctx.env.getInfos = ctx.async_function("getInfos", lua_arity(catalog.get_infos))
