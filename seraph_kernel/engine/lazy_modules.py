"""Modules installed on first use: a VM pays for ``getClient``, ``regex`` or ``storage`` only
once its script touches one of their globals (issue 14, "RSS per script").

The core modules (``vm.CORE_MODULES``) install when the VM is made. Every other module is part
of a *lazy group*, a library of loader.lua's ``P.lazy`` on the env: reading one of the group's
globals (or ``pairs(_ENV)``, or ``setmetatable(_ENV, ...)``) installs the group's modules, in
order, into a *stage* table whose reads fall through to the env, and then sets the staged
globals in the env where the script left them ``nil``. After that the stage reads and writes
the env itself, so module code that kept it as its ``env`` sees what a script changes.

What each module adds, and what it costs in Lua, is found once per process by installing every
module into a probe VM (:func:`module_profiles`). A group installs under the script's memory
cap in the sense of ``lua_memory``: it starts only if its cost (twice what the probe measured)
fits, and then runs with the cap lifted, so it never fails half way; a VM without room gets the
Lua error ``<first module>: not enough memory`` (``pcall`` catches it; the next use tries
again). Installing runs in Python called from the script's coroutine, and the trusted Lua it
runs is on the VM's main state, which has no hook: a stop during it takes effect right after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seraph_kernel.engine.lua_memory import NotEnoughLuaMemory

if TYPE_CHECKING:
    from seraph_kernel.engine.engine import LuaEngine
    from seraph_kernel.engine.vm import LuaVM

Installer = Callable[[Any], None]

INDEPENDENT = ("regex", "storage")
"""Non-core modules that need no other non-core module: each is a group of its own. Every
other one (the client module and those that add to its ``Client`` class, plugins too) shares
one group, installed together in the usual order."""

LUA = """
local lazy, env, install, names = ...
local function build()
  local stage, mt = install()
  local fields = {}
  for k, v in next, stage do fields[k] = v end
  for k in next, fields do stage[k] = nil end
  mt.__newindex = env
  return { fields }
end
local function new_stage()
  local mt = { __index = env }
  return setmetatable({}, mt), mt
end
return lazy(build, { { env, names } }), new_stage
"""


@dataclass(frozen=True)
class ModuleProfile:
    """What installing one module did to the probe VM."""

    names: tuple[str, ...]
    lua_bytes: int


_profiles: dict[str, ModuleProfile] | None = None


def module_profiles(engine: LuaEngine) -> dict[str, ModuleProfile]:
    """Each module's env globals and Lua cost, found once per process in a probe VM where every
    module is installed at once (names a module adds only under some services are not known up
    front: they appear when its group installs)."""
    global _profiles
    if _profiles is None:
        from seraph_kernel.engine.registry import DetachedServices
        from seraph_kernel.engine.vm import LuaVM, module_installers

        probe = LuaVM(engine, DetachedServices(None, lambda _level, _text: None), lazy=False)
        found = {name: ModuleProfile(names, cost) for name, names, cost in probe.install_log}
        probe.close()
        known = {name for name, _ in module_installers()}
        _profiles = {name: found[name] for name in known if name in found}
    return _profiles


def groups(modules: list[tuple[str, Installer]]) -> list[list[tuple[str, Installer]]]:
    """The lazy groups of ``modules`` (non-core, in install order)."""
    shared = [m for m in modules if m[0] not in INDEPENDENT]
    alone = [[m] for m in modules if m[0] in INDEPENDENT]
    return ([shared] if shared else []) + alone


def install_lazily(vm: LuaVM, modules: list[tuple[str, Installer]]) -> None:
    """Register ``modules`` (non-core, in install order) as lazy groups of ``vm``'s env."""
    profiles = module_profiles(vm.engine)
    ctx = vm.context
    for group in groups(modules):
        names = sorted({n for name, _ in group for n in profiles[name].names} if group else ())
        cost = 2 * sum(profiles[name].lua_bytes for name, _ in group)
        holder: dict[str, Any] = {}
        install = ctx.function(group[0][0], _installer(vm, group, cost, holder))
        settle, holder["new_stage"] = ctx.lua(
            LUA, vm.privileged.lazy, ctx.env, install, ctx.to_lua({n: True for n in names})
        )
        vm.add_lazy_library(names, settle)


def _installer(
    vm: LuaVM, group: list[tuple[str, Installer]], cost: int, holder: dict[str, Any]
) -> Callable[[], tuple[Any, Any]]:
    def install() -> tuple[Any, Any]:
        """The group's modules installed into a new stage: ``(stage, its metatable)``."""
        if not vm.memory.fits(cost):
            vm.privileged.collect()  # as Lua's own emergency collection would
            if not vm.memory.fits(cost):
                raise NotEnoughLuaMemory()
        ctx = vm.context
        env, installing = ctx.env, ctx.installing
        with vm.memory.lifted():
            stage, mt = holder["new_stage"]()
            ctx.env, ctx.installing = stage, True
            try:
                for _, module_install in group:
                    module_install(ctx)
            finally:
                ctx.env, ctx.installing = env, installing
                ctx.forget_chunks()
        return stage, mt

    return install
