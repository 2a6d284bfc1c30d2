"""The README's curl tour, run as written against a real server that already has a bot: it
must act on the bot ``POST /api/bots`` returned, never on a hard-coded ``bot-1``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _tour(url: str, token: str) -> str:
    """The README's REST block for this server: its URL and token, without the endless SSE."""
    section = README.read_text().split("### The REST API", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's REST tour moved"
    lines = [line for line in block.group(1).splitlines() if "curl -N" not in line]
    script = "\n".join(lines).replace("http://localhost:8888/", url)
    return re.sub(r"^TOKEN=.*$", f"TOKEN={token}", script, count=1, flags=re.M)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
async def test_the_readme_tour_uses_the_bot_it_created(server, api, tmp_path):
    decoy = (await api.post("api/bots")).json()["id"]
    made: list[str] = [decoy]
    try:
        run = subprocess.run(
            ["bash", "-e", "-c", _tour(server.url, server.token)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        created = json.loads((tmp_path / "bot.json").read_text())
        made.append(created["id"])
        assert created["id"] != decoy
        assert run.stdout.startswith((tmp_path / "bot.json").read_text())  # the JSON is shown
        tour_bot = (await api.get(f"api/bots/{created['id']}")).json()
        assert tour_bot["current_world"] == "MINEWORLD"
        key = {"client_id": created["id"], "script_id": "hello"}
        console = await api.get("api/scripts/console", params=key)
        assert [line["text"] for line in console.json()["lines"]] == ["hi"]
        untouched = (await api.get(f"api/bots/{decoy}")).json()
        assert untouched["status"] == "disconnected"
        jobs = (await api.get("api/jobs/by_client", params={"client_id": decoy})).json()
        assert jobs["jobs"] == []
    finally:
        for bot_id in made:
            await api.delete(f"api/bots/{bot_id}")
