"""Every example notebook is stored executed, so nbval has outputs to compare against.

A notebook saved without outputs would pass nbval vacuously."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
EXPECTED = {"quickstart", "auto_mine", "fleet", "tutorial", "rest_api", "errors", "library", "farming"}


def test_the_example_notebooks_exist():
    assert {path.stem for path in NOTEBOOKS} == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_executed_on_the_seraph_kernel(path):
    book = nbformat.read(path, as_version=4)
    assert book.metadata.kernelspec.name == "seraph"
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert None not in counts, f"{path.name}: cells saved without running"
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: cells were not run in order"
    assert sum(bool(cell.outputs) for cell in code) >= len(code) // 2
    assert book.cells[0].cell_type == "markdown", "a notebook opens by saying what it does"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_only_cells_meant_to_fail_have_errors(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type != "code":
            continue
        failed = any(output.output_type == "error" for output in cell.outputs)
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        assert failed == tagged, f"{path.name}: {cell.source.splitlines()[0]!r}"
