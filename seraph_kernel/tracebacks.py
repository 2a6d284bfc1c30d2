"""Lua errors as Jupyter tracebacks that point at the cell line, the way IPython's do."""

from __future__ import annotations

import re

CHUNK_PREFIX = "In"
_LOCATION = re.compile(r'(?:\[string ")?(In\[\d+\])"?\]?:(\d+):\s*')
_RED, _GREEN, _CYAN, _RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0;36m", "\x1b[0m"
_RULE = "-" * 75


def chunk_name(execution_count: int) -> str:
    """The chunk name of a cell, as error messages show it: ``In[3]``."""
    return f"{CHUNK_PREFIX}[{execution_count}]"


def error_location(message: str) -> tuple[str, int] | None:
    """The first ``(chunk, line)`` a Lua error message names, if it names a cell."""
    match = _LOCATION.search(message)
    return (match.group(1), int(match.group(2))) if match else None


def short_message(message: str) -> str:
    """The message without its leading ``In[3]:2:`` location (the traceback shows it)."""
    match = _LOCATION.match(message)
    return message[match.end() :] if match else message


def format_traceback(ename: str, evalue: str, sources: dict[str, str], context: int = 2) -> list[str]:
    """IPython-style traceback lines: a rule, the cell and line, the source around it with an
    arrow, then ``ename: message``."""
    lines = [f"{_RED}{_RULE}{_RESET}", f"{_RED}{ename}{_RESET}{' ' * max(1, 42 - len(ename))}Traceback"]
    location = error_location(evalue)
    if location and location[0] in sources:
        chunk, number = location
        source_lines = sources[chunk].split("\n")
        lines.append(f"{_CYAN}Cell {chunk}, line {number}{_RESET}")
        first, last = max(1, number - context), min(len(source_lines), number + context)
        for index in range(first, last + 1):
            text = source_lines[index - 1]
            if index == number:
                lines.append(f"{_GREEN}----> {index:<3}{_RESET}{text}")
            else:
                lines.append(f"      {index:<3}{text}")
    lines.append(f"{_RED}{ename}{_RESET}: {evalue}")
    return ["\n".join(lines)]
