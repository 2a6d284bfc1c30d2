"""A real JupyterLab in headless chromium: open a Seraph notebook, run a ``%minimap --live``
cell, check the widget rendered (picture and legend), hover a tile and read it, click a tile
and check over REST that the bot walked there, zoom; the screenshot of the minimap's cell is
saved (``docs/`` keeps one).

Set ``SERAPH_SCREENSHOT=<path>`` to choose where the screenshot goes (the default is the
test's temporary folder); ``docs/screenshot-minimap.png`` was made this way.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from .cdp import CHROMIUM, free_port, headless_chromium
from .pages import (
    CANVAS,
    HOVER,
    LEGEND,
    STATUS,
    minimap_shown,
    notebook,
    server_env,
    stop,
    tile_centre,
    wait_until_up,
)

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no chromium on this machine")

CELLS = ["%create_bot\n%connect\n%warp MINEWORLD", "%minimap --live"]


@pytest.fixture
async def jupyterlab(tmp_path):
    """``jupyter lab`` on loopback with seraph_ext, the app exposed to page scripts."""
    (tmp_path / "minimap.ipynb").write_text(json.dumps(notebook(CELLS)))
    port, token = free_port(), secrets.token_hex(8)
    env = server_env(tmp_path)
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--allow-root"]
    command += ["--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}"]
    command += [
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        await wait_until_up(process, base + "api/status", {"token": token})
        yield base, token
    finally:
        stop(process)


async def near_tile(api: httpx.AsyncClient, bot_id: str) -> tuple[int, int]:
    """A tile two or three steps' walk from the bot (the REST API plans it)."""
    position = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    x0, y0 = round(position["map_x"]), round(position["map_y"])
    for dx in range(-4, 5):
        for dy in range(-4, 5):
            path = (await api.get(f"api/bots/{bot_id}/path", params={"x": x0 + dx, "y": y0 + dy})).json()
            if 2 <= len(path["path"]) <= 3:
                return x0 + dx, y0 + dy
    raise AssertionError("no tile near the bot")


async def test_minimap_renders_and_walks_the_bot_in_jupyterlab(jupyterlab, tmp_path):
    base, token = jupyterlab
    api = httpx.AsyncClient(base_url=base, headers={"Authorization": f"token {token}"}, timeout=30)
    async with api, headless_chromium() as page:
        await page.call("Page.enable")
        await page.call("Page.navigate", {"url": f"{base}lab/tree/minimap.ipynb?token={token}&reset"})
        await page.wait_for("window.jupyterapp && window.jupyterapp.shell && true", timeout=120)
        panel = "Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.sessionContext)"
        status = f"(() => {{ const p = {panel}; return p && p.sessionContext.kernelDisplayStatus; }})()"
        assert await page.wait_for(f"{status} === 'idle'", timeout=120)
        kernel_name = f"{panel}.sessionContext.session.kernel.name"
        assert await page.evaluate(kernel_name) == "seraph"
        await page.evaluate(f"window.jupyterapp.shell.activateById({panel}.id) || true")
        await page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => true)")
        legend = await minimap_shown(page)
        assert await page.evaluate(f"[{CANVAS}.width, {CANVAS}.height]") == [600, 360]
        for label in ("bot-1", "drop", "enemy", "other player", "GoldOre", "EntrancePortal (spawn)"):
            assert label in legend
        text = await page.evaluate("document.querySelector('.jp-Notebook').innerText")
        assert "bot-1 is in MINEWORLD at (" in text

        (bot,) = (await api.get("api/bots")).json()["bots"]
        target = await near_tile(api, bot["id"])
        x, y = await tile_centre(page, *target)
        await page.mouse("mouseMoved", x, y)
        read = await page.wait_for(f"{HOVER}.startsWith('({target[0]}, {target[1]}) ') && {HOVER}")
        assert read.split(") ", 1)[1]  # the block's name, from the kernel
        await page.click(x, y)

        async def position() -> tuple[int, int]:
            where = (await api.get(f"api/bots/{bot['id']}")).json()["player_position"]
            return round(where["map_x"]), round(where["map_y"])

        deadline = asyncio.get_running_loop().time() + 20
        while await position() != target:
            assert asyncio.get_running_loop().time() < deadline, "the click did not walk the bot"
            await asyncio.sleep(0.2)
        assert await page.wait_for(f"{STATUS}.includes('is at ({target[0]}, {target[1]})')")
        await page.wait_for(f'!{LEGEND}.innerText.includes("\'s path")', timeout=10)  # the walk is over

        await page.evaluate("document.querySelector('.seraph-minimap-zoom-in').click() || true")
        assert await page.evaluate(f"{CANVAS}.dataset.zoom") == "2"
        await page.evaluate("document.querySelector('.seraph-minimap-zoom-reset').click() || true")
        assert await page.evaluate(f"{CANVAS}.dataset.zoom") == "1"

        await page.evaluate("document.querySelectorAll('.Toastify').forEach(e => e.remove()) || true")
        await page.mouse("mouseMoved", x, y)
        await page.wait_for(f"{HOVER}.startsWith('({target[0]}, {target[1]}) ')")
        rect = await page.evaluate(
            "(() => { const r = document.querySelector('.seraph-minimap').closest('.jp-Cell')"
            ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        png = await page.screenshot(rect)
    shot = Image.open(io.BytesIO(png)).convert("RGB")
    assert shot.width >= 600 and shot.height >= 360
    assert len(set(shot.resize((64, 64)).getdata())) > 8  # a picture, not a blank page
    target_file = Path(os.environ.get("SERAPH_SCREENSHOT") or tmp_path / "screenshot-minimap.png")
    target_file.write_bytes(png)
