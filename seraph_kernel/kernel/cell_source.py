"""How the kernel reads a cell: magic lines, Lua parts, the last expression, completeness.

A cell is Lua (Luau or Lua 5.4, see docs/luau.md) by default. ``%%name args`` on the first
line makes the whole cell a cell magic; ``%name args`` at the start of any other line is a
line magic run in order with the Lua around it. Lua parts keep their original line numbers
(magic lines become blank lines), so a Lua error names the line the user sees.

Syntax questions are answered by translating and compiling (never running) with
``seraph_kernel.dialect``: Lua's own parser, after the Luau translation, decides what is an
expression and what is unfinished.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seraph_kernel.dialect import syntax_error

_MAGIC_LINE = re.compile(r"^%(?!%)([A-Za-z_][\w-]*)(?:[ \t]+(.*))?$")
_CELL_MAGIC = re.compile(r"^%%([A-Za-z_][\w-]*)(?:[ \t]+(.*))?$")
MAX_EXPRESSION_LINES = 50
"""How far back a multi-line last expression may start (each try is one compile)."""
_RETURN = re.compile(r"\s*return\b")
_BLOCK_OPENERS = re.compile(r"(\bthen|\bdo|\belse|\brepeat|\bfunction\b[^)]*\)|[{(\[])\s*(--.*)?$")


@dataclass(frozen=True)
class LuaPart:
    """Lua source padded with blank lines so line numbers match the cell."""

    source: str


@dataclass(frozen=True)
class MagicCall:
    """One magic: ``%name args`` (line) or ``%%name args`` + ``body`` (cell)."""

    name: str
    args: str
    body: str | None = None
    line: int = 1

    @property
    def is_cell(self) -> bool:
        return self.body is not None


@dataclass(frozen=True)
class LuaPlan:
    """What to compile for a Lua part, and whether the values it returns are shown (all but
    ``;``-ended parts: a block that returns explicitly shows what it returns)."""

    source: str
    shows_value: bool


def compile_error(source: str) -> str | None:
    """The syntax error of ``source`` as a Luau or Lua 5.4 chunk named ``cell``
    (``cell:2: ...``, the user's line), or ``None`` when it compiles. Compile only."""
    error = syntax_error(source, "cell")
    return None if error is None else f"cell:{error}"


def split_cell(code: str) -> list[LuaPart | MagicCall]:
    """The cell's parts in order: a cell magic alone, or Lua parts and line magics."""
    lines = code.split("\n")
    first = _CELL_MAGIC.match(lines[0].rstrip())
    if first:
        return [MagicCall(first.group(1), (first.group(2) or "").strip(), "\n".join(lines[1:]), 1)]
    parts: list[LuaPart | MagicCall] = []
    pending: list[str] = []
    for index, line in enumerate(lines):
        match = _MAGIC_LINE.match(line.rstrip())
        if match:
            if any(text.strip() for text in pending):
                parts.append(LuaPart("\n".join(pending)))
            pending = [""] * (index + 1)
            parts.append(MagicCall(match.group(1), (match.group(2) or "").strip(), None, index + 1))
        else:
            pending.append(line)
    if any(text.strip() for text in pending):
        parts.append(LuaPart("\n".join(pending)))
    return parts


def plan_lua(source: str) -> LuaPlan:
    """Rewrite ``source`` so its last expression is returned; a trailing ``;`` runs it quietly.

    Tries the text after the last ``;`` of the last line, then the trailing lines, up to the
    whole part, as an expression after a prefix that compiles on its own.
    A last line such as ``"done"`` after ``print(x)`` is taken as a value even though Lua
    alone would read it as call arguments; a last line starting with ``(`` is not.
    Falls back to the block unchanged (its own ``return`` is shown; a compile error is then
    reported as written).
    """
    stripped = source.rstrip()
    if not stripped:
        return LuaPlan(source, False)
    if stripped.endswith(";"):
        quiet = plan_lua(stripped[:-1])
        return LuaPlan(quiet.source if compile_error(quiet.source) is None else source, False)
    block_compiles = compile_error(source) is None
    for cut in _cut_points(source):
        prefix, tail = source[:cut], source[cut:]
        if not tail.strip():
            continue
        if _RETURN.match(tail):
            if block_compiles and _prefix_compiles(prefix):
                return LuaPlan(source, True)  # the cell returns its value itself
            continue
        if block_compiles and compile_error(tail) is not None and tail.lstrip().startswith("("):
            continue  # Lua reads ``x = f`` + ``(1)`` as one call; a literal line is a new value
        # the tail first: it is short, and most tails are no expression (a prefix can be
        # the whole cell, and translating Luau costs ~10 ms per 1,000 lines)
        returned = _returning("", tail)
        if compile_error(returned) is None and _prefix_compiles(prefix):
            candidate = _returning(prefix, tail)
            if candidate == returned or compile_error(candidate) is None:
                return LuaPlan(candidate, True)
    return LuaPlan(source, True)


def _prefix_compiles(prefix: str) -> bool:
    """Whether the text before a cut compiles; a blank one (a one-line cell) needs no compile,
    and each compile is a round trip into Lua on the kernel's loop."""
    return not prefix.strip() or compile_error(prefix) is None


def _returning(prefix: str, tail: str) -> str:
    """``prefix`` then ``return <tail>`` without moving any line."""
    leading = len(tail) - len(tail.lstrip())
    return f"{prefix}{tail[:leading]}return {tail[leading:]}"


def _cut_points(source: str) -> list[int]:
    """Candidate starts of the last statement, nearest to the end first."""
    cuts = [i + 1 for i, char in enumerate(source) if char == "\n"]
    last_line_start = cuts[-1] if cuts else 0
    semicolons = [i + 1 for i, char in enumerate(source) if char == ";" and i >= last_line_start]
    return sorted({0, *cuts[-MAX_EXPRESSION_LINES:], *semicolons}, reverse=True)


def is_complete(code: str) -> tuple[str, str]:
    """The ``is_complete_reply`` status and indent for ``code`` (``jupyter console``)."""
    for part in split_cell(code):
        if isinstance(part, MagicCall):
            if part.is_cell and part.name == "lua":
                return is_complete(part.body or "")
            continue
        status = _lua_status(part.source)
        if status != "complete":
            return status, _indent_for(part.source) if status == "incomplete" else ""
    return "complete", ""


def _lua_status(source: str) -> str:
    plan = plan_lua(source)
    error = compile_error(plan.source)
    if error is None:
        return "complete"
    return "incomplete" if error.endswith("near <eof>") else "invalid"


def _indent_for(source: str) -> str:
    """The indent of the next line: one level deeper after a line that opens a block."""
    lines = [line for line in source.split("\n") if line.strip()]
    if not lines:
        return ""
    last = lines[-1]
    indent = last[: len(last) - len(last.lstrip())]
    return indent + "  " if _BLOCK_OPENERS.search(last.rstrip()) else indent
