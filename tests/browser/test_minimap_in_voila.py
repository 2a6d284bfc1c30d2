"""Voilà serving a small notebook with the minimap, rendered in headless chromium: the widget
shows its picture and legend, a hover reads a tile and a click walks the bot, with the
kernel Voilà started for the notebook (its own fleet and embedded world)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from .cdp import CHROMIUM, free_port, headless_chromium
from .pages import HOVER, STATUS, minimap_shown, notebook, server_env, stop, tile_centre, wait_until_up

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no chromium on this machine")

NEAR_TILE = """local here = getClient():point()
for dx = -4, 4 do
  for dy = -4, 4 do
    local target = Vector2i.new(here.x + dx, here.y + dy)
    if #getClient():getPath(target) == 2 then print("near tile: " .. target.x .. " " .. target.y) return end
  end
end"""
CELLS = ["%create_bot\n%connect\n%warp MINEWORLD", NEAR_TILE, "%minimap"]


@pytest.fixture
async def voila(tmp_path):
    """``voila minimap.ipynb`` on loopback."""
    pytest.importorskip("voila")
    (tmp_path / "minimap.ipynb").write_text(json.dumps(notebook(CELLS)))
    port = free_port()
    command = [sys.executable, "-m", "voila", "minimap.ipynb", "--no-browser", f"--port={port}"]
    command += ["--Voila.ip=127.0.0.1"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=server_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        await wait_until_up(process, base + "voila/static/index.css")
        yield base
    finally:
        stop(process)


async def test_minimap_renders_and_walks_the_bot_in_voila(voila):
    async with headless_chromium() as page:
        await page.call("Page.enable")
        await page.call("Page.navigate", {"url": voila})
        legend = await minimap_shown(page)
        for label in ("bot-1", "drop", "enemy", "GoldOre", "EntrancePortal (spawn)"):
            assert label in legend
        text = await page.evaluate("document.body.innerText")
        near = next(line for line in text.splitlines() if line.startswith("near tile: "))
        target = tuple(int(part) for part in near.removeprefix("near tile: ").split())
        x, y = await tile_centre(page, *target)
        await page.mouse("mouseMoved", x, y)
        assert await page.wait_for(f"{HOVER}.startsWith('({target[0]}, {target[1]}) ')")
        await page.click(x, y)
        assert await page.wait_for(f"{STATUS}.includes('bot-1 is at ({target[0]}, {target[1]})')", timeout=20)
