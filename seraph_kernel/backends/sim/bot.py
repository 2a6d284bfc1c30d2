"""The ``sim`` backend: bots that play the simulated world (``seraph_kernel.sim``) over TCP.

::

    backend = SimBackend(address="127.0.0.1:10001")          # the server's entry host
    backend = SimBackend.from_config({"address": "127.0.0.1:10001", "reconnect_initial_ms": 50})
    bot = backend.create_bot("bot-1", "P71710199", settings={}, emit=lambda kind, data: ...)

Options (backend keyword arguments give defaults; a bot's ``settings`` override them):
``timeout_ms`` (10000, per request), ``ping_interval_ms`` (2000), ``reconnect_initial_ms``
(500), ``reconnect_max_ms`` (10000), ``reconnect_attempts`` (``None``: forever). Settings also
hold ``device_id`` (filled in at creation) and an optional ``token`` sent with ``hello``.

The status machine, the event kinds and the return conventions are those of
:mod:`seraph_kernel.backends.base`. The world queries (``recent_worlds``, ``active_worlds``,
``world_info``) raise :class:`seraph_kernel.errors.ActionError` with the code on failure.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from seraph_kernel.backends.base import JSON, Backend, Emit
from seraph_kernel.backends.sim.bot_account import SimBotAccount
from seraph_kernel.backends.sim.bot_actions import SimBotActions
from seraph_kernel.backends.sim.bot_backpack import SimBotBackpack
from seraph_kernel.backends.sim.bot_connection import SimBotConnection
from seraph_kernel.backends.sim.bot_core import DEFAULTS
from seraph_kernel.backends.sim.bot_movement import SimBotMovement
from seraph_kernel.backends.sim.bot_travel import SimBotTravel
from seraph_kernel.backends.sim.bot_tutorial import SimBotTutorial
from seraph_kernel.backends.sim.bot_worlds import SimBotWorlds
from seraph_kernel.errors import InvalidArgument
from seraph_kernel.sim import catalog, content
from seraph_kernel.sim.accounts import USERNAME_RE


def parse_address(address: str) -> tuple[str, int]:
    """``"127.0.0.1:10001"`` → ``("127.0.0.1", 10001)``; ``InvalidArgument`` otherwise."""
    host, sep, port = str(address).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidArgument("address", f"expected host:port, got {address!r}")
    return host, int(port)


class SimBackend(Backend):
    name = "sim"

    def __init__(self, address: str, **defaults: Any) -> None:
        unknown = set(defaults) - set(DEFAULTS)
        if unknown:
            raise InvalidArgument("sim backend", f"unknown options: {sorted(unknown)}")
        self.address = address
        self.entry = parse_address(address)
        self.defaults = {**DEFAULTS, **defaults}

    def create_bot(
        self, bot_id: str, username: str | None, settings: Mapping[str, JSON] | None, emit: Emit
    ) -> SimBot:
        if username is None:
            username = f"P{secrets.randbelow(10**8):08d}"
        if not isinstance(username, str) or not USERNAME_RE.match(username):
            raise InvalidArgument("username", f"expected 3-24 of A-Z a-z 0-9 _, got {username!r}")
        settings = dict(settings or {})
        settings.setdefault("device_id", hashlib.sha256(f"device:{username}".encode()).hexdigest()[:16])
        return SimBot(self, bot_id, username, settings, emit)

    def block_infos(self) -> list[dict[str, JSON]]:
        return catalog.block_infos()

    def catalog_table(self, name: str) -> JSON | None:
        return content.catalog_tables().get(name)

    def info(self) -> dict[str, JSON]:
        return {"backend": self.name, "address": self.address}


class SimBot(
    SimBotAccount,
    SimBotTravel,
    SimBotBackpack,
    SimBotTutorial,
    SimBotActions,
    SimBotMovement,
    SimBotWorlds,
    SimBotConnection,
):
    """A bot of the simulated world: the core state plus one part per concern."""
