"""Every example notebook runs twice in a row inside one real ``jupyter server`` with the
extension, with the outputs stored in it both times, compared as nbval compares them.

The notebooks are executed the way JupyterLab runs them: a kernel started through the server's
kernels API (``POST /api/kernels``), cells sent over its websocket (``/api/kernels/{id}/channels``),
then "Restart & Run All": the kernel restarted through the API and every cell run again. Beside
them, the shared fleet has a bot of its own standing in MINEWORLD (of another seed), and
another kernel of the same server holds a workspace with a ``rookie`` and a ``bot-1`` in
MINEWORLD: a notebook sees none of them (docs/workspaces.md). One notebook also runs in two
kernels at the same time, with its stored outputs in both.

The comparison is nbval's own (``IPyNbCell.compare_outputs`` with the repository's
``notebooks/sanitize.cfg``); outputs are collected as nbval collects them.
"""

from __future__ import annotations

import asyncio
import copy
import difflib
import json
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import nbformat
import pytest
from nbformat import NotebookNode
from nbval.plugin import (
    IPyNbCell,
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    nocolors,
)
from server_process import start_server
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"
#: nbval's defaults (``IPyNbFile.skip_compare`` without --nbdime).
SKIP_COMPARE = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
CELL_TIMEOUT_S = 300.0


class NbvalComparison:
    """nbval's output comparison and sanitizers, outside its pytest collector."""

    compare_outputs = IPyNbCell.compare_outputs
    sanitize = IPyNbCell.sanitize
    colors = nocolors

    def __init__(self, sanitize_file: Path) -> None:
        patterns = dict(get_sanitize_patterns(sanitize_file.read_text()))
        self.parent = SimpleNamespace(skip_compare=SKIP_COMPARE, sanitize_patterns=patterns)
        self.comparison_traceback: list[str] = []

    def differences(self, computed: list[NotebookNode], stored: list[NotebookNode]) -> str | None:
        """``None`` when nbval would pass the cell, else what differs (nbval coalesces the
        stored streams in place: a copy keeps the notebook as read for the second run)."""
        if self.compare_outputs(computed, coalesce_streams(copy.deepcopy(stored))):
            return None
        return "\n".join(str(line) for line in self.comparison_traceback)

    def format_output_compare(self, key: str, left: Any, right: Any) -> None:
        """nbval's report of a mismatch, as a unified diff (nbval asks pytest's hook for it)."""
        diff = difflib.unified_diff(
            str(left).splitlines(), str(right).splitlines(), "stored", "computed", lineterm=""
        )
        self.comparison_traceback += [f" mismatch '{key}'", *diff]


class ServerKernel:
    """A kernel of the server, driven over its websocket as JupyterLab drives it."""

    def __init__(self, server: Any, kernel_id: str, connection: Any) -> None:
        self.server = server
        self.id = kernel_id
        self.session = uuid.uuid4().hex
        self._ws = connection
        self._pending: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, server: Any, path: str) -> ServerKernel:
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
            answer = await api.post("api/kernels", json={"name": "seraph", "path": path})
            assert answer.status_code == 201, answer.text
        kernel = cls(server, answer.json()["id"], None)
        await kernel.connect()
        return kernel

    async def connect(self) -> None:
        url = self.server.url.replace("http://", "ws://") + f"api/kernels/{self.id}/channels"
        request = HTTPRequest(f"{url}?session_id={self.session}", headers=self.server.headers)
        self._ws = await websocket_connect(request)
        await self.request("kernel_info_request", {})

    async def restart(self) -> None:
        """What "Restart Kernel" does in JupyterLab."""
        self._ws.close()
        async with httpx.AsyncClient(
            base_url=self.server.url, headers=self.server.headers, timeout=120
        ) as api:
            answer = await api.post(f"api/kernels/{self.id}/restart")
            assert answer.status_code == 200, answer.text
        await self.connect()

    def close(self) -> None:
        """Close the websocket; the kernel keeps running on the server."""
        self._ws.close()

    async def shutdown(self) -> None:
        self._ws.close()
        async with httpx.AsyncClient(
            base_url=self.server.url, headers=self.server.headers, timeout=120
        ) as api:
            await api.delete(f"api/kernels/{self.id}")

    def _send(self, msg_type: str, content: dict[str, Any], channel: str) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "session": self.session,
            "username": "test",
            "version": "5.3",
            "date": datetime.now(timezone.utc).isoformat(),
        }
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        self._ws.write_message(json.dumps({**message, "channel": channel, "buffers": []}))
        return msg_id

    async def _next(self) -> dict[str, Any]:
        """The next JSON message; binary frames (comm messages with buffers: live widgets,
        which nbval ignores too) are skipped."""
        while True:
            frame = await asyncio.wait_for(self._ws.read_message(), CELL_TIMEOUT_S)
            assert frame is not None, "the kernel's websocket closed"
            if isinstance(frame, str):
                return json.loads(frame)

    async def request(self, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
        msg_id = self._send(msg_type, content, "shell")
        while True:
            message = await self._next()
            if message["channel"] == "shell" and message["parent_header"].get("msg_id") == msg_id:
                return message

    async def run_cell(self, source: str) -> list[NotebookNode]:
        """The cell's outputs, collected as nbval collects them (every iopub message of the
        execution until the kernel is idle; clear_output and display updates are ignored)."""
        content = {"code": source, "silent": False, "store_history": True, "allow_stdin": False}
        msg_id = self._send(
            "execute_request", {**content, "user_expressions": {}, "stop_on_error": True}, "shell"
        )
        outputs: list[NotebookNode] = []
        while True:
            message = await self._next()
            if message["channel"] != "iopub" or message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, reply = message["msg_type"], message["content"]
            if kind == "status" and reply["execution_state"] == "idle":
                break
            out = NotebookNode(output_type=kind)
            if kind in ("display_data", "execute_result"):
                out["metadata"], out["data"] = reply["metadata"], reply["data"]
                if kind == "execute_result":
                    out.execution_count = reply["execution_count"]
                outputs.append(out)
            elif kind == "stream":
                out.name, out.text = reply["name"], reply["text"]
                outputs.append(out)
            elif kind == "error":
                out["ename"], out["evalue"], out["traceback"] = (
                    reply["ename"],
                    reply["evalue"],
                    reply["traceback"],
                )
                outputs.append(out)
        return coalesce_streams(outputs)


def cell_options(cell: NotebookNode) -> dict[str, bool]:
    """nbval's per-cell options (``raises-exception``, ``nbval-ignore-output``…)."""
    options: dict[str, bool] = defaultdict(bool, find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    options.setdefault("check", True)
    return options


async def run_all(kernel: ServerKernel, book: NotebookNode, label: str) -> list[str]:
    """Run every code cell in order; what nbval would report, one entry per failing cell."""
    compare = NbvalComparison(SANITIZE)
    failures = []
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        options = cell_options(cell)
        if options["skip"]:
            continue
        outputs = await kernel.run_cell(cell.source)
        errors = [out for out in outputs if out.output_type == "error"]
        if errors and not options["check_exception"]:
            failures.append(f"{label} Cell {number}: {errors[0]['ename']}: {errors[0]['evalue']}")
            break
        if options["check"] and (diff := compare.differences(outputs, cell.outputs)) is not None:
            failures.append(f"{label} Cell {number}: outputs differ\n{diff}")
    return failures


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The shared world plays another seed than the notebooks' (SERAPH_SIM_SEED=42 in the
    # kernels' environment): a workspace's worlds come from its kernel's seed.
    proc = start_server(tmp_path_factory.mktemp("notebooks-server"), "--SeraphExtension.sim_seed=7")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def neighbours(server):
    """Others on the same server: a shared bot and another kernel's workspace, in MINEWORLD."""
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=60) as api:
        assert api.post("api/bots", json={"id": "bot-1"}).status_code == 201
        api.post("api/bots/bot-1/connect", params={"wait": "true"})
        api.post("api/bots/bot-1/warp", params={"wait": "true"}, json={"world": "MINEWORLD"})

        async def other_kernel() -> str:
            other = await ServerKernel.start(server, "other.ipynb")
            await other.run_cell("%create_bot rookie\n%create_bot\n%use bot-1\n%connect\n%warp MINEWORLD")
            other.close()
            return other.id

        kernel_id = asyncio.run(other_kernel())
        try:
            yield kernel_id
        finally:
            api.delete(f"api/kernels/{kernel_id}")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
async def test_a_notebook_runs_twice_with_its_stored_outputs(server, neighbours, path):
    book = nbformat.read(path, as_version=4)
    kernel = await ServerKernel.start(server, f"notebooks/{path.name}")
    try:
        failures = await run_all(kernel, book, "first run:")
        await kernel.restart()
        failures += await run_all(kernel, book, "after Restart & Run All:")
    finally:
        await kernel.shutdown()
    assert not failures, "\n\n".join(failures)
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
        shared = (await api.get("api/bots", params={"workspace": "shared"})).json()["bots"]
        assert [(bot["id"], bot["current_world"]) for bot in shared] == [("bot-1", "MINEWORLD")]
        names = [w["name"] for w in (await api.get("api/workspaces")).json()["workspaces"]]
        assert len(names) == 2, f"the notebook's workspaces outlived its kernel: {names}"


@pytest.mark.timeout(600)
async def test_the_same_notebook_in_two_kernels_at_once_keeps_its_outputs(server, neighbours):
    """Two users run auto_mine.ipynb at the same time: on one shared world their bots would
    race for the same ores; each in its own workspace mines its own."""
    book = nbformat.read(NOTEBOOKS / "auto_mine.ipynb", as_version=4)
    kernels = [await ServerKernel.start(server, f"notebooks/copy-{i}.ipynb") for i in range(2)]
    try:
        results = await asyncio.gather(*(run_all(k, book, f"kernel {i}:") for i, k in enumerate(kernels)))
    finally:
        for kernel in kernels:
            await kernel.shutdown()
    failures = [failure for result in results for failure in result]
    assert not failures, "\n\n".join(failures)
