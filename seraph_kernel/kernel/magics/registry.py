"""The kernel's magics, loaded from the ``seraph.magics`` entry point group."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from seraph_kernel.kernel.magics.base import Magic, MagicUsageError

ENTRY_POINT_GROUP = "seraph.magics"
log = logging.getLogger(__name__)


class MagicRegistry:
    """Magics by name; a later family cannot silently replace an earlier one's magic."""

    def __init__(self) -> None:
        self._magics: dict[str, Magic] = {}
        self.families: dict[str, list[str]] = {}

    def add(self, family: str, magics: list[Magic]) -> None:
        for magic in magics:
            if magic.name in self._magics:
                raise ValueError(f"magic %{magic.name} of {family} is already defined")
            self._magics[magic.name] = magic
        self.families.setdefault(family, []).extend(m.name for m in magics)

    @classmethod
    def from_entry_points(cls) -> MagicRegistry:
        """Every installed family; a family that fails to load is logged and skipped."""
        registry = cls()
        for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
            try:
                registry.add(point.name, list(point.load()))
            except Exception:
                log.exception("magic family %s failed to load", point.name)
        return registry

    def get(self, name: str) -> Magic:
        try:
            return self._magics[name]
        except KeyError:
            raise MagicUsageError(f"unknown magic: %{name} (see %lsmagic)") from None

    def __contains__(self, name: str) -> bool:
        return name in self._magics

    def line_magics(self) -> list[str]:
        return sorted(name for name, magic in self._magics.items() if magic.line)

    def cell_magics(self) -> list[str]:
        return sorted(name for name, magic in self._magics.items() if magic.cell)

    def all(self) -> list[Magic]:
        return [self._magics[name] for name in sorted(self._magics)]
