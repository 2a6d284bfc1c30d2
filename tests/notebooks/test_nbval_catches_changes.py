"""nbval must fail a notebook whose behaviour changed: the stored outputs are a real check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ORIGINAL = 'return client:warp("no spaces!"), client:warp("NOTFOUND1"), client:warp("FULLHOUSE"),'
CHANGED = 'return client:warp("no spaces!"), client:warp("NOTFOUND1"), client:warp("MINEWORLD"),'


def _run_nbval(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "errors.ipynb",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--rootdir",
            str(folder),
            "-q",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_changing_one_lua_line_makes_nbval_fail(tmp_path):
    shutil.copy(NOTEBOOKS / "errors.ipynb", tmp_path / "errors.ipynb")
    unchanged = _run_nbval(tmp_path)
    assert unchanged.returncode == 0, unchanged.stdout[-3000:]

    book = json.loads((tmp_path / "errors.ipynb").read_text())
    cells = [c for c in book["cells"] if ORIGINAL in "".join(c["source"])]
    assert len(cells) == 1
    cells[0]["source"] = "".join(cells[0]["source"]).replace(ORIGINAL, CHANGED)
    (tmp_path / "errors.ipynb").write_text(json.dumps(book))

    changed = _run_nbval(tmp_path)
    assert changed.returncode == 1, changed.stdout[-3000:]
    assert "1 failed, 13 passed" in changed.stdout
    assert "FAILED errors.ipynb::Cell 2" in changed.stdout
    assert "Cell outputs differ" in changed.stdout
