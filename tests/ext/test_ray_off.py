"""Without ``SERAPH_RAY_ADDRESS`` the server never imports Ray (``docs/scale.md``): Ray's core
extension module is not mapped into the server process (tests/ray checks that the same probe
sees it in a server that runs on Ray)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

RAY_CORE = "ray/_raylet"


def mapped_files(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/maps")
async def test_a_server_without_a_ray_address_never_imports_ray(api, server):
    info = (await api.get("api/seraph/info")).json()
    assert info["kind"] == "local"
    assert (await api.get("api/bots")).status_code == 200
    assert RAY_CORE not in mapped_files(server.process.pid)
