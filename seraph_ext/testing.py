"""A real Jupyter server with ``seraph_ext``, running on the caller's event loop.

For tests of programs that talk to the REST API (the RemoteFleet contract suite, clients):
``async with serve(sim_address=..., db_path=...) as server`` binds a loopback port, starts the
extension's fleet, and on exit shuts the server down as ``jupyter server`` does (extensions
stopped, kernels shut down). Only ``seraph_ext`` is loaded, so startup stays fast. The
server's URL and token are not exported to this process's environment unless
``extension_config={"export_env": True}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets.config import Config


@dataclass
class RunningServer:
    """Where a started server answers: ``url`` includes the base_url and ends with ``/``."""

    url: str
    token: str
    base_url: str
    app: Any

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    @property
    def extension(self) -> Any:
        """The running :class:`~seraph_ext.app.SeraphExtension` (its ``fleet`` is the LocalFleet)."""
        return self.app.web_app.settings["seraph_ext"]


def free_port() -> int:
    """An unused loopback TCP port (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serve(
    sim_address: str | None = None,
    db_path: Path | str | None = None,
    base_url: str = "/seraph-test/",
    token: str | None = None,
    root_dir: Path | str | None = None,
    extension_config: dict[str, Any] | None = None,
    server_config: dict[str, Any] | None = None,
) -> AsyncIterator[RunningServer]:
    """Start a ServerApp with only ``seraph_ext`` on 127.0.0.1 and stop it on exit.
    ``extension_config`` sets ``SeraphExtension`` traits; ``server_config`` adds other
    sections (``{"ServerApp": {"authorizer_class": ...}}``)."""
    from jupyter_server.serverapp import ServerApp

    token = token or secrets.token_hex(16)
    seraph: dict[str, Any] = {"export_env": False, **(extension_config or {})}
    if sim_address is not None:
        seraph["sim_address"] = sim_address
    if db_path is not None:
        seraph["db_path"] = str(db_path)
    config = Config(server_config or {})
    config.merge(
        Config(
            {
                "IdentityProvider": {"token": token},
                "ServerApp": {"jpserver_extensions": {"seraph_ext": True}},
                "SeraphExtension": seraph,
            }
        )
    )
    port = free_port()
    app = ServerApp(
        config=config,
        ip="127.0.0.1",
        port=port,
        port_retries=0,
        open_browser=False,
        base_url=base_url,
        allow_root=True,
        root_dir=str(root_dir or Path.cwd()),
    )
    app.init_signal = lambda: None  # type: ignore[method-assign]
    app.initialize(argv=[], find_extensions=False)
    await _until_listening(port)
    await app._post_start()
    try:
        yield RunningServer(f"http://127.0.0.1:{port}{app.base_url}", token, app.base_url, app)
    finally:
        app.http_server.stop()
        await app._cleanup()
        ServerApp.clear_instance()


async def _until_listening(port: int, timeout: float = 10.0) -> None:
    """The server binds its socket in a loop callback: wait until it accepts connections."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.01)
        else:
            writer.close()
            return
