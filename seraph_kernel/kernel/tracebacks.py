"""Lua errors as Jupyter tracebacks that point at the cell line, the way IPython's do.

Cells compile under the chunk name ``executor``, like detached scripts, so a message reads
``executor:2: attempt to index a nil value`` (the lua-api.md contract) and does not depend on
the execution count: a notebook's error outputs repeat under nbval, which runs cells without
counting them. The traceback (which nbval does not compare) names the cell as IPython does.
"""

from __future__ import annotations

import re

CELL_CHUNK = "executor"
_LOCATION = re.compile(r'(?:\[string ")?executor"?\]?:(\d+):\s*')
_RED, _GREEN, _CYAN, _RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0;36m", "\x1b[0m"
_RULE = "-" * 75


def error_line(message: str) -> int | None:
    """The line of the cell a Lua error message names first, if any."""
    match = _LOCATION.search(message)
    return int(match.group(1)) if match else None


def format_traceback(
    ename: str, evalue: str, source: str | None = None, execution_count: int | None = None, context: int = 2
) -> list[str]:
    """IPython-style traceback lines: a rule, the cell and line, the source around it with an
    arrow, then ``ename: message``."""
    lines = [f"{_RED}{_RULE}{_RESET}", f"{_RED}{ename}{_RESET}{' ' * max(1, 42 - len(ename))}Traceback"]
    number = error_line(evalue)
    source_lines = source.split("\n") if source is not None else []
    if number is not None and 1 <= number <= len(source_lines):
        cell = f"In[{execution_count}]" if execution_count is not None else "the cell"
        lines.append(f"{_CYAN}Cell {cell}, line {number}{_RESET}")
        first, last = max(1, number - context), min(len(source_lines), number + context)
        for index in range(first, last + 1):
            text = source_lines[index - 1]
            if index == number:
                lines.append(f"{_GREEN}----> {index:<3}{_RESET}{text}")
            else:
                lines.append(f"      {index:<3}{text}")
    lines.append(f"{_RED}{ename}{_RESET}: {evalue}")
    return ["\n".join(lines)]
