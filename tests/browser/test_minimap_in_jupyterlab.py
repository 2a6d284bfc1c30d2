"""A real JupyterLab in headless chromium: open a Seraph notebook, run a ``%minimap`` cell,
and check the widget's picture rendered; the screenshot is saved (``docs/`` keeps one).

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

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no chromium on this machine")

CELLS = ["%create_bot\n%connect\n%warp MINEWORLD", "%minimap"]


def notebook(cells: list[str]) -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{i}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"name": "seraph", "display_name": "Seraph (Lua)", "language": "lua"},
            "language_info": {"name": "lua"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture
async def jupyterlab(tmp_path):
    """``jupyter lab`` on loopback with seraph_ext, the app exposed to page scripts."""
    (tmp_path / "minimap.ipynb").write_text(json.dumps(notebook(CELLS)))
    port, token = free_port(), secrets.token_hex(8)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERAPH_")}
    env.update(SERAPH_DB=str(tmp_path / "seraph.sqlite"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
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
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                assert process.poll() is None, "jupyter lab exited"
                try:
                    if (await client.get(base + "api/status", params={"token": token})).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def test_minimap_renders_in_jupyterlab(jupyterlab, tmp_path):
    base, token = jupyterlab
    async with headless_chromium() as page:
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
        image = "document.querySelector('.jp-OutputArea-output img.widget-image')"
        size = await page.wait_for(
            f"{image} && {image}.naturalWidth > 0 && [{image}.naturalWidth, {image}.naturalHeight]",
            timeout=120,
        )
        assert size == [600, 360]
        text = await page.evaluate("document.querySelector('.jp-Notebook').innerText")
        assert "bot-1 is in MINEWORLD at (" in text
        await page.evaluate("document.querySelectorAll('.Toastify').forEach(e => e.remove()) || true")
        rect = await page.evaluate(
            "(() => { const r = document.querySelector('.jp-NotebookPanel').getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        png = await page.screenshot(rect)
    shot = Image.open(io.BytesIO(png)).convert("RGB")
    assert shot.width >= 600 and shot.height >= 360
    assert len(set(shot.resize((64, 64)).getdata())) > 8  # a picture, not a blank page
    target = Path(os.environ.get("SERAPH_SCREENSHOT") or tmp_path / "screenshot-minimap.png")
    target.write_bytes(png)
