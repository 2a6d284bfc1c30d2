"""Modules installed on first use: a VM pays for ``getClient``, ``regex`` or ``storage`` only
once its script touches one of their globals (issue 14, "RSS per script").

The core modules (``vm.CORE_MODULES``) but ``LAZY_CORE`` install when the VM is made. Every
other module is part of a *lazy group*, a library of loader.lua's ``P.lazy`` on the env:
reading one of the group's globals (or ``pairs(_ENV)``, or ``setmetatable(_ENV, ...)``)
installs the group's modules, in order, into a *stage* table whose reads fall through to the
env, and then sets the staged globals in the env where the script left them ``nil``. After
that the stage reads and writes the env itself, so module code that kept it as its ``env``
sees what a script changes.

What each module adds, and what it costs in Lua, is found once per process by installing every
module into a probe VM (:func:`module_profiles`). A group installs under the script's memory
cap in the sense of ``lua_memory``: it starts only if its cost (twice what the probe measured)
fits, and then runs with the cap lifted, so it never fails half way; a VM without room gets the
Lua error ``modules: not enough memory to install <first module>`` (``pcall`` catches it; the
next use tries again). Installing runs in Python called from the script's coroutine, and the trusted Lua it
runs is on the VM's main state, which has no hook: a stop during it takes effect right after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from seraph_kernel.engine.contract import LuaArgumentError

if TYPE_CHECKING:
    from seraph_kernel.engine.engine import LuaEngine
    from seraph_kernel.engine.vm import LuaVM

Installer = Callable[[Any], None]

LAZY_CORE = ("vector", "enums", "task")
"""Core modules installed on first use too (the others are needed by every script, or by
conversions from Python: ``json.null``, console views). Python handing a VM a ``Vec2`` installs
``vector`` first (``VmContext._convert``)."""
INDEPENDENT = (*LAZY_CORE, "regex", "storage")
"""Modules that need no other lazy module: each is a group of its own. Every other one (the
client module and those that add to its ``Client`` class, plugins too) shares one group,
installed together in the usual order."""

LUA = """
local lazy, env, install, groups = ...
local args = table.pack(select(5, ...)) -- each group's name count, then every name
local function new_stage()
  local mt = { __index = env }
  return setmetatable({}, mt), mt
end
local settlers, at = {}, groups
for index = 1, groups do
  local names = {}
  for _ = 1, args[index] do
    at = at + 1
    names[args[at]] = true
  end
  local function build()
    local stage, mt = install(index)
    local fields = {}
    for k, v in next, stage do fields[k] = v end
    for k in next, fields do stage[k] = nil end
    mt.__newindex = env
    return { fields }
  end
  settlers[index] = lazy(build, { { env, names } })
end
return new_stage, table.unpack(settlers)
"""
"""Called with the number of groups, each group's name count and every name (plain values to
push, instead of a table per group built from Python). No pattern call: in a VM that would load
``lua_patterns.lua``."""


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


@dataclass(frozen=True)
class Group:
    """One lazy library: its modules (in install order), the env names they add, and the room
    a VM needs to install them (twice what the probe measured)."""

    modules: tuple[tuple[str, Installer], ...]
    names: tuple[str, ...]
    cost: int


@lru_cache(maxsize=64)
def plan(modules: tuple[tuple[str, Installer], ...]) -> tuple[Group, ...]:
    """The lazy groups of ``modules`` (in install order), shared by every VM that has them
    (after :func:`module_profiles` ran)."""
    profiles = _profiles or {}
    shared = tuple(m for m in modules if m[0] not in INDEPENDENT)
    parts = ([shared] if shared else []) + [(m,) for m in modules if m[0] in INDEPENDENT]
    return tuple(
        Group(
            part,
            tuple(sorted({n for name, _ in part for n in profiles[name].names})),
            2 * sum(profiles[name].lua_bytes for name, _ in part),
        )
        for part in parts
    )


class LazyInstaller:
    """The lazy groups of one VM; Lua calls it with a group's index to install that group."""

    __slots__ = ("groups", "new_stage", "settlers", "vm")

    def __init__(self, vm: LuaVM, groups: tuple[Group, ...]) -> None:
        self.vm, self.groups = vm, groups
        self.new_stage: Any = None
        self.settlers: list[Any] = []

    def __call__(self, index: int) -> tuple[Any, Any]:
        """Group ``index``'s modules installed into a new stage: ``(stage, its metatable)``."""
        vm, group = self.vm, self.groups[index - 1]
        if not vm.memory.fits(group.cost):
            vm.privileged.collect()  # as Lua's own emergency collection would
            if not vm.memory.fits(group.cost):
                raise LuaArgumentError(f"not enough memory to install {group.modules[0][0]}")
        ctx = vm.context
        env, installing = ctx.env, ctx.installing
        with vm.memory.lifted():
            stage, mt = self.new_stage()
            ctx.env, ctx.installing = stage, True
            try:
                for _, module_install in group.modules:
                    module_install(ctx)
            finally:
                ctx.env, ctx.installing = env, installing
                ctx.forget_chunks()
        return stage, mt

    def settle_module(self, name: str) -> None:
        """Install the group of module ``name`` now, if it is one of this VM's."""
        for group, settle in zip(self.groups, self.settlers, strict=True):
            if any(module == name for module, _ in group.modules):
                settle()


def install_lazily(vm: LuaVM, modules: list[tuple[str, Installer]]) -> LazyInstaller:
    """Register ``modules`` (in install order) as lazy groups of ``vm``'s env."""
    module_profiles(vm.engine)
    installer = LazyInstaller(vm, plan(tuple(modules)))
    ctx = vm.context
    groups = installer.groups
    installer.new_stage, *installer.settlers = ctx.lua(
        LUA,
        vm.privileged.lazy,
        ctx.env,
        ctx.function("modules", installer),
        len(groups),
        *(len(group.names) for group in groups),
        *(name for group in groups for name in group.names),
    )
    for group, settle in zip(installer.groups, installer.settlers, strict=True):
        vm.add_lazy_library(group.names, settle)
    return installer
