"""What the browser tests share: a notebook file, a Jupyter-family server process on
loopback, and where things are on the minimap widget."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

from .cdp import Page

CANVAS = "document.querySelector('.seraph-minimap-canvas')"
LEGEND = "document.querySelector('.seraph-minimap-legend')"
HOVER = "document.querySelector('.seraph-minimap-hover').innerText"
STATUS = "document.querySelector('.seraph-minimap-status').innerText"


def notebook(cells: list[str]) -> dict[str, Any]:
    """A Seraph notebook of code cells."""
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


def server_env(tmp_path: Path) -> dict[str, str]:
    """This environment without SERAPH_ settings, with its own database and runtime dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERAPH_")}
    env.update(SERAPH_DB=str(tmp_path / "seraph.sqlite"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    return env


async def wait_until_up(
    process: subprocess.Popen[bytes], url: str, params: dict[str, str] | None = None
) -> None:
    """Poll ``url`` until it answers 200 (the server exiting first fails the test)."""
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            assert process.poll() is None, "the server exited"
            try:
                if (await client.get(url, params=params, timeout=60)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not answer")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def tile_centre(page: Page, x: int, y: int) -> tuple[float, float]:
    """Where tile ``(x, y)`` of the minimap is on the page (at zoom 1), scrolled into view."""
    await page.evaluate(f"{CANVAS}.scrollIntoView({{block: 'center'}}) || true")
    await asyncio.sleep(0.3)
    left, top, ratio, scale = await page.evaluate(
        f"(() => {{ const c = {CANVAS}; const r = c.getBoundingClientRect();"
        " return [r.left, r.top, r.width / c.width, Number(c.dataset.scale)]; })()"
    )
    return left + (x * scale + scale / 2) * ratio, top + (y * scale + scale / 2) * ratio


async def minimap_shown(page: Page) -> str:
    """Wait for the minimap's picture and legend; the legend's text."""
    await page.wait_for(f"{CANVAS} && {CANVAS}.dataset.loaded", timeout=120)
    return await page.wait_for(f"{LEGEND} && {LEGEND}.offsetHeight > 0 && {LEGEND}.innerText")
