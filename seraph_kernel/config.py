"""How a LocalFleet is set up: which sim world, which seed, where the SQLite file lives, and
the limits scripts run under.

The server extension maps its traitlets onto :class:`FleetConfig`; a kernel without a server
uses :meth:`FleetConfig.from_env`. Every environment variable is documented in
``docs/configuration.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from seraph_kernel.errors import InvalidArgument

ENV_SEED = "SERAPH_SIM_SEED"
ENV_ADDRESS = "SERAPH_SIM_ADDRESS"
ENV_DB = "SERAPH_DB"
#: The byte limits on consoles and storage (positive integers, documented in configuration.md).
QUOTA_FIELDS = (
    "console_bytes",
    "console_total_bytes",
    "storage_entry_bytes",
    "storage_bot_bytes",
    "storage_global_bytes",
    "storage_total_bytes",
)


@dataclass
class FleetConfig:
    """Settings of one LocalFleet. ``sim_address=None`` starts an embedded sim world on
    ephemeral loopback ports; ``db_path=None`` uses ``<jupyter data dir>/seraph/seraph.sqlite``."""

    sim_address: str | None = None
    seed: int = 42
    db_path: Path | None = None
    script_memory_bytes: int = 64 * 1024 * 1024
    script_budget_ms: int | None = 5000
    cleanup_deadline_ms: int = 5000
    end_phase_deadline_ms: int = 15000
    output_limit_bytes: int = 1024 * 1024
    console_bytes: int = 1024 * 1024
    console_total_bytes: int = 64 * 1024 * 1024
    storage_entry_bytes: int = 1024 * 1024
    storage_bot_bytes: int = 16 * 1024 * 1024
    storage_global_bytes: int = 64 * 1024 * 1024
    storage_total_bytes: int = 1024 * 1024 * 1024
    reconnect_initial_ms: int = 250
    reconnect_max_ms: int = 10_000

    def __post_init__(self) -> None:
        if self.sim_address is not None:
            parse_address(self.sim_address, "sim_address")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidArgument("seed", f"expected an integer, got {self.seed!r}")
        if self.db_path is not None:
            self.db_path = Path(self.db_path)
        for name in (
            "script_memory_bytes",
            "cleanup_deadline_ms",
            "end_phase_deadline_ms",
            "output_limit_bytes",
            *QUOTA_FIELDS,
            "reconnect_initial_ms",
            "reconnect_max_ms",
        ):
            _require_positive(name, getattr(self, name))
        if self.script_budget_ms is not None:
            _require_positive("script_budget_ms", self.script_budget_ms)
        if self.reconnect_max_ms < self.reconnect_initial_ms:
            raise InvalidArgument("reconnect_max_ms", "must not be smaller than reconnect_initial_ms")

    @property
    def resolved_db_path(self) -> Path:
        """The SQLite file this fleet uses, defaulting under the Jupyter data dir."""
        if self.db_path is not None:
            return self.db_path
        from jupyter_core.paths import jupyter_data_dir

        return Path(jupyter_data_dir()) / "seraph" / "seraph.sqlite"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> FleetConfig:
        """Defaults, then ``SERAPH_SIM_SEED`` / ``SERAPH_SIM_ADDRESS`` / ``SERAPH_DB``, then
        ``overrides``. A bad value raises ``InvalidArgument`` naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        seed = env.get(ENV_SEED, "").strip()
        if seed:
            try:
                values["seed"] = int(seed)
            except ValueError:
                raise InvalidArgument(ENV_SEED, f"expected an integer, got {seed!r}") from None
        address = env.get(ENV_ADDRESS, "").strip()
        if address:
            parse_address(address, ENV_ADDRESS)
            values["sim_address"] = address
        db = env.get(ENV_DB, "").strip()
        if db:
            path = Path(db).expanduser()
            if path.is_dir():
                raise InvalidArgument(ENV_DB, f"{db!r} is a directory, expected a file path")
            values["db_path"] = path
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def parse_address(address: str, field: str = "sim_address") -> tuple[str, int]:
    """``"host:port"`` -> ``(host, port)``; ``InvalidArgument`` naming ``field`` otherwise."""
    host, sep, port_text = str(address).rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InvalidArgument(field, f"expected host:port, got {address!r}")
    return host, int(port_text)


def _require_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidArgument(name, f"expected a positive integer, got {value!r}")
