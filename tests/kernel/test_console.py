"""``jupyter console`` on the Seraph kernel in a real terminal: unfinished blocks continue on
the next line (is_complete with an indent), the block runs when complete, ``exit`` quits."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

JUPYTER = str(Path(sys.executable).with_name("jupyter"))


def test_console_continues_unfinished_blocks_and_exits():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERAPH_")}
    env["TERM"] = "xterm"
    console = pexpect.spawn(
        JUPYTER,
        ["console", "--kernel", "seraph"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    try:
        console.expect(r"In \[\S*1\S*\]: ")
        console.send("for i = 1, 3 do\r")
        console.expect(r"\.\.\.\S*: ")
        console.send("print(i * 10)\r")
        console.expect(r"\.\.\.\S*: ")
        console.send("end\r")
        console.expect("10\r\n20\r\n30")
        console.expect(r"In \[\S*2\S*\]: ")
        console.send("6 * 7\r")
        console.expect("42")
        console.expect(r"In \[\S*3\S*\]: ")
        console.send("exit\r")
        console.expect(pexpect.EOF)
    finally:
        console.close(force=True)


def test_the_readme_run_command_installs_jupyter_console():
    """docs/magics.md promises ``jupyter console``; the README's command must install it."""
    root = Path(__file__).resolve().parents[2]
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    readme = (root / "README.md").read_text()
    command = re.search(r"pip install (\S+) && \S*jupyter lab", readme)
    assert command, "the README's run command (pip install … && jupyter lab) moved"
    extras = re.findall(r"\[([^\]]*)\]", command.group(1).strip("'\""))
    wanted = list(project["dependencies"])
    for extra in ",".join(extras).split(","):
        wanted += project["optional-dependencies"].get(extra.strip(), []) if extra.strip() else []
    names = {re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].lower().replace("_", "-") for req in wanted}
    assert "jupyter-console" in names


def test_the_kernel_turns_off_debugpys_file_validation_warnings():
    """debugpy, imported for ipykernel's debugger, now and then warned about frozen modules on
    the kernel's stderr, which is the terminal of ``jupyter console`` (in about one start in
    three); the kernel sets debugpy's switch for that before ipykernel loads it."""
    from jupyter_client import KernelManager

    manager = KernelManager(kernel_name="seraph")
    env = {k: v for k, v in os.environ.items() if k != "PYDEVD_DISABLE_FILE_VALIDATION"}
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        seen: list[str] = []
        reply = client.execute_interactive(
            "%%python\nimport os\nprint(os.environ.get('PYDEVD_DISABLE_FILE_VALIDATION'))",
            timeout=60,
            output_hook=lambda message: seen.append(message["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "".join(seen).strip() == "1"
