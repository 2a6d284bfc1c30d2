"""Instanced worlds: one private copy of a NETHER or MINES world per player and level.

An instance is an ordinary world whose name says whose it is: ``NETHER-2-1A2B3C4D`` is level 2
of the NETHER family for the player whose ``user_id`` starts with ``1a2b3c4d``. The server lets
only that player in, generates it from the seed and the name like any world (so the same
player and level always get the same world), and unloads it when its last player leaves.
Client and server share these rules: the client names the instance it wants (``warp(name,
true)``, ``nether(level)``, ``mines(level)``), the server checks the owner.
"""

from __future__ import annotations

import re

#: The instanced families and the family a ``warp(name, true)`` name asks for.
FAMILIES = {"NETHER": "NETHER", "MINES": "MINES", "MINEWORLD": "MINES"}
MAX_LEVEL = 4
TAG_LENGTH = 8
_INSTANCE_RE = re.compile(rf"^(NETHER|MINES)-([0-{MAX_LEVEL}])-([0-9A-F]{{{TAG_LENGTH}}})$")
_SPECIAL_RE = re.compile(r"^([A-Z]+)(?:-(\d+))?$")


def owner_tag(user_id: str) -> str:
    """The part of an instance name that names its owner."""
    return user_id[:TAG_LENGTH].upper()


def instance_name(family: str, level: int, user_id: str) -> str:
    """The name of ``user_id``'s instance of ``family`` at ``level``."""
    return f"{family}-{level}-{owner_tag(user_id)}"


def parse_instance(name: str) -> tuple[str, int, str] | None:
    """``(family, level, owner tag)`` of an instance name, or ``None`` for any other world."""
    match = _INSTANCE_RE.match(name)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else None


def special_target(name: str) -> tuple[str, int] | None:
    """What ``warp(name, true)`` asks for: ``NETHER`` / ``MINES-3`` / ``MINEWORLD`` give
    ``(family, level)``; ``None`` when the name is no instanced family or the level is out of
    0..4."""
    match = _SPECIAL_RE.match(name)
    if match is None or match.group(1) not in FAMILIES:
        return None
    level = int(match.group(2) or 0)
    return (FAMILIES[match.group(1)], level) if level <= MAX_LEVEL else None
