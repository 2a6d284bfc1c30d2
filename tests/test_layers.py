"""The package layout keeps its layers (engine -> Lua API -> fleet -> front doors): the
import-linter contracts in pyproject.toml hold, and they do catch a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys\nfrom importlinter.cli import lint_imports\nsys.exit(lint_imports(no_cache=True))"


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, "-c", LINT], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_layers_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("seraph_kernel/engine/sandbox.py", "import seraph_kernel.fleet.local", "the Lua engine is a leaf"),
        ("seraph_kernel/fleet/events.py", "import seraph_kernel.kernel.display", "nothing imports"),
        ("seraph_kernel/lua_api/json.py", "import seraph_kernel.fleet.remote", "the Lua API sits on"),
        (
            "seraph_kernel/fleet/local.py",
            "import seraph_kernel.shards.router",
            "only the server extension reaches the Ray shards",
        ),
        (
            "seraph_kernel/dialect/translate.py",
            "import seraph_kernel.errors",
            "the Luau dialect imports nothing",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, wrong_import, contract):
    for package in ("seraph_kernel", "seraph_ext"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{wrong_import}  # deliberately wrong\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
