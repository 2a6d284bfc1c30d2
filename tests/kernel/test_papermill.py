"""``papermill -p`` on a Lua notebook run by the seraph kernel: the Lua translator that the
``papermill.engine`` entry point of pyproject.toml registers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("papermill")
tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def papermill_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an install of this tree: the ``papermill.engine`` entry points of
    pyproject.toml in a dist-info on the path (the venv's own metadata may be an older tree's)."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    engines = groups["papermill.engine"]
    dist = tmp_path / "site" / "seraph_papermill_entry_points-0.dist-info"
    dist.mkdir(parents=True)
    lines = ["[papermill.engine]", *(f"{name} = {target}" for name, target in engines.items())]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERAPH_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "seraph", "display_name": "Seraph (Lua)", "language": "lua"}
    nb.metadata["language_info"] = {"name": "lua"}
    parameters = nbformat.v4.new_code_cell('world = "MINEWORLD" -- where to go\nsteps = 1')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [
        parameters,
        nbformat.v4.new_code_cell('return world .. " x" .. steps, #(tags or {}), ratio, nothing == nil'),
    ]
    nbformat.write(nb, path)


def _papermill(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "papermill", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_papermill_passes_parameters_to_a_lua_notebook(papermill_env, tmp_path):
    source, result = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    _notebook(source)
    run = _papermill(
        papermill_env,
        str(source),
        str(result),
        "-k",
        "seraph",
        "-p",
        "world",
        'PIXEL "STATION"',
        "-p",
        "steps",
        "3",
        "-y",
        "{tags: [a, b], ratio: 0.5, nothing: null}",
    )
    assert run.returncode == 0, run.stderr
    cells = json.loads(result.read_text())["cells"]
    injected = cells[1]
    assert "injected-parameters" in injected["metadata"]["tags"]
    assert "".join(injected["source"]) == (
        '-- Parameters\ntags = {"a", "b"}\nratio = 0.5\nnothing = nil\n'
        'world = "PIXEL \\"STATION\\""\nsteps = 3\n'
    )
    shown = "".join(cells[2]["outputs"][0]["data"]["text/plain"])
    assert shown == '"PIXEL \\"STATION\\" x3", 2, 0.5, true'


def test_papermill_help_lists_the_lua_parameters(papermill_env, tmp_path):
    source = tmp_path / "in.ipynb"
    _notebook(source)
    run = _papermill(papermill_env, str(source), "--help-notebook")
    assert run.returncode == 0, run.stderr
    assert 'world: string (default "MINEWORLD")' in run.stdout
    assert "where to go" in run.stdout
    assert "steps: number (default 1)" in run.stdout
