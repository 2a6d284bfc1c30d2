"""Every Lua example of docs/lua-api.md runs as written, as a detached script of a connected
bot, and prints what it promises."""

import re
from pathlib import Path

import pytest

from .conftest import run_lua

DOC = Path(__file__).resolve().parents[2] / "docs" / "lua-api.md"
EXAMPLES = re.findall(r"```lua\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_reference_has_an_example_per_module():
    assert len(EXAMPLES) >= 8
    text = "\n".join(EXAMPLES)
    for call in (
        "getClient()",
        ":warp(",
        ":setPoint(",
        ":on(",
        ":findTiles(",
        "getInventory()",
        "globalStorage:",
        "getInfos()",
    ):
        assert call in text, call


@pytest.mark.parametrize("source", EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
async def test_example_runs(fleet, bot, source):
    out = await run_lua(fleet, source, timeout_s=30)
    assert out.state == "COMPLETE", f"{out.error}\n" + "\n".join(out.console)
    assert out.console, "every example prints something"
    assert not any(line.startswith("executor:") for line in out.console)


def test_every_documented_call_has_an_example():
    """Each call a table of the reference names (``client:warp(``, ``getWorld(``) appears in
    one of its runnable examples."""
    text = "\n".join(EXAMPLES)
    calls = set()
    for line in DOC.read_text().splitlines():
        if line.startswith("|"):
            cell = line.split("|")[1]
            calls |= {(m[1], m[2]) for m in re.finditer(r"`(?:[A-Za-z_]\w*)?([:.])(\w+)\(", cell)}
            calls |= {("", m[1]) for m in re.finditer(r"`(\w+)\(", cell)}
    missing = sorted(
        f"{sep}{name}"
        for sep, name in calls
        if not re.search((re.escape(sep) if sep else r"\b") + re.escape(name) + r"\(", text)
    )
    assert not missing, f"documented calls without a runnable example: {missing}"
