"""Lua values as rich display: ``text/plain`` in Lua syntax and ``text/html`` as a tree.

Works on live Lua values (lupa tables, functions) and on plain Python data converted from
Lua (dict, list, str, numbers). The output is deterministic (no addresses, keys in a stable
order), so notebooks compare cleanly under nbval. Lua tables have no stable identity from
Python, so self-referencing tables are bounded by depth and a total node budget.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.commands.spec import ACTION_TEXT
from seraph_kernel.lua_api.vector import Vec2, Vec2i

MAX_DEPTH = 8
MAX_ITEMS = 200
MAX_NODES = 2000
INLINE_WIDTH = 72
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LUA_KEYWORDS = (
    *("and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if"),
    *("in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"),
)

_HTML_SEPARATOR = '<code class="seraph-lua-separator">, </code>'

ToString = Callable[[Any], str | None]
"""Returns a table's ``__tostring`` text, or ``None`` when it has none."""

NumberFormat = Callable[[int | float], str]
"""How numbers are written: :func:`format_number` (Lua 5.4) or :func:`format_luau_number`."""


def mimebundle(
    values: Iterable[Any], tostring: ToString | None = None, number_format: NumberFormat | None = None
) -> dict[str, str]:
    """The display bundle of one or more values: several results are joined by ``, `` in
    every mimetype, as ``return a, b`` reads; numbers as ``number_format`` writes them (Lua
    5.4's way by default)."""
    values = list(values)
    budget = _Budget(number_format or format_number)
    trees = [_tree(value, tostring, budget, 0) for value in values]
    return {
        "text/plain": ", ".join(_plain(tree, 0) for tree in trees),
        "text/html": _HTML_SEPARATOR.join(
            _html(tree) + _meaning(value) for tree, value in zip(trees, values, strict=True)
        ),
    }


def _meaning(value: Any) -> str:
    """After a returned ``Errors.*`` code, what it means, in the words REST uses (HTML only:
    ``text/plain`` stays the value itself)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str) or value not in ACTION_TEXT:
        return ""
    return f' <span class="seraph-lua-meaning">-- {html.escape(ACTION_TEXT[value])}</span>'


def plain_text(
    value: Any, tostring: ToString | None = None, number_format: NumberFormat | None = None
) -> str:
    """``text/plain`` of one value (what ``display`` prints in a detached script)."""
    return _plain(_tree(value, tostring, _Budget(number_format or format_number), 0), 0)


def format_number(value: int | float) -> str:
    """Numbers as Lua 5.4 prints them (``%.14g``, floats keep a ``.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "nan" if math.copysign(1.0, value) > 0 else "-nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.14g}"
    return text if re.search(r"[.eEn]", text) else text + ".0"


def format_luau_number(value: int | float) -> str:
    """Numbers as Luau prints them (a Luau cell's values): integral floats without ``.0``,
    the shortest digits that read back, fixed notation from 1e-6 up to 1e21
    (``stdlib.lua``'s ``num2str``)."""
    if isinstance(value, bool | int):
        return format_number(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    _, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    dot = len(digit_tuple) + int(exponent)
    sign = "-" if value < 0 else ""
    if -5 <= dot <= 21:
        if dot <= 0:
            return f"{sign}0.{'0' * -dot}{digits}"
        if dot >= len(digits):
            return f"{sign}{digits}{'0' * (dot - len(digits))}"
        return f"{sign}{digits[:dot]}.{digits[dot:]}"
    mantissa = f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits
    return f"{sign}{mantissa}e{'-' if dot - 1 < 0 else '+'}{abs(dot - 1):02d}"


def lua_quote(text: str) -> str:
    """A Lua string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = "".join(c if c >= " " or c in "\n\t" else f"\\{ord(c)}" for c in escaped)
    return f'"{escaped}"'


class _Budget:
    """Nodes left to render, the Python containers on the current path (cycles), and how
    numbers are written."""

    def __init__(self, number_format: NumberFormat) -> None:
        self.left = MAX_NODES
        self.path: set[int] = set()
        self.number_format = number_format


# A tree node is ("leaf", text) or ("table", label, [(key_text | None, node), ...], more).
Node = tuple


def _tree(value: Any, tostring: ToString | None, budget: _Budget, depth: int) -> Node:
    budget.left -= 1
    if value is None:
        return ("leaf", "nil")
    if isinstance(value, bool):
        return ("leaf", "true" if value else "false")
    if isinstance(value, int | float):
        return ("leaf", budget.number_format(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return ("leaf", lua_quote(value))
    if isinstance(value, Vec2i):
        return ("leaf", f"Vector2i({value.x}, {value.y})")
    if isinstance(value, Vec2):
        return ("leaf", f"Vector2({value.x:.14g}, {value.y:.14g})")
    kind = lupa.lua_type(value)
    if kind == "table":
        text = tostring(value) if tostring else None
        if text is not None:
            return ("leaf", text)
        return _table_node(list(value.items()), value, tostring, budget, depth)
    if kind is not None:
        return ("leaf", f"<{kind}>")
    if isinstance(value, dict):
        return _table_node(list(value.items()), value, tostring, budget, depth)
    if isinstance(value, list | tuple):
        return _table_node(list(enumerate(value, 1)), value, tostring, budget, depth)
    return ("leaf", f"<{type(value).__name__}>")


def _table_node(items: list[tuple[Any, Any]], table: Any, tostring, budget: _Budget, depth: int) -> Node:
    if id(table) in budget.path:
        return ("leaf", "<cycle>")
    if depth >= MAX_DEPTH or budget.left <= 0:
        return ("leaf", "{...}")
    budget.path.add(id(table))
    try:
        ordered = _ordered(items)
        children = []
        for index, (key, child) in enumerate(ordered[:MAX_ITEMS], 1):
            children.append((_key_text(key, index), _tree(child, tostring, budget, depth + 1)))
    finally:
        budget.path.discard(id(table))
    label = f"table ({len(items)} items)" if len(items) != 1 else "table (1 item)"
    return ("table", label, children, max(0, len(items) - MAX_ITEMS))


def _ordered(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The array part 1..n first, then other numbers, then strings, then the rest."""
    by_key = dict(items)
    array = []
    index = 1
    while index in by_key:
        array.append((index, by_key[index]))
        index += 1
    rest = [
        (k, v) for k, v in items if not (isinstance(k, int) and not isinstance(k, bool) and 1 <= k < index)
    ]

    def rank(pair: tuple[Any, Any]) -> tuple[int, Any]:
        key = pair[0]
        if isinstance(key, int | float) and not isinstance(key, bool):
            return (0, key)
        if isinstance(key, str | bytes):
            return (1, key if isinstance(key, str) else key.decode("utf-8", "replace"))
        return (2, str(lupa.lua_type(key) or type(key).__name__))

    return array + sorted(rest, key=rank)


def _key_text(key: Any, position: int) -> str | None:
    """``None`` for the array part, ``name`` for identifiers, ``[key]`` otherwise."""
    if isinstance(key, int) and not isinstance(key, bool) and key == position:
        return None
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if isinstance(key, str):
        return key if _IDENTIFIER.match(key) and key not in LUA_KEYWORDS else f"[{lua_quote(key)}]"
    node = _tree(key, None, _Budget(format_number), MAX_DEPTH)
    return f"[{node[1] if node[0] == 'leaf' else '{...}'}]"


def _entry(key: str | None, text: str) -> str:
    return text if key is None else f"{key} = {text}"


def _plain(node: Node, indent: int) -> str:
    if node[0] == "leaf":
        return node[1]
    _, _, children, more = node
    if not children and not more:
        return "{}"
    inline = [_entry(key, _plain(child, 0)) for key, child in children]
    if more:
        inline.append(f"... ({more} more)")
    flat = "{" + ", ".join(inline) + "}"
    if "\n" not in flat and len(flat) + indent <= INLINE_WIDTH:
        return flat
    pad = "  " * (indent + 1)
    lines = [pad + _entry(key, _plain(child, indent + 1)) for key, child in children]
    if more:
        lines.append(f"{pad}... ({more} more)")
    return "{\n" + ",\n".join(lines) + "\n" + "  " * indent + "}"


def _html(node: Node) -> str:
    if node[0] == "leaf":
        return f"<code>{html.escape(node[1])}</code>"
    _, label, children, more = node
    rows = []
    for key, child in children:
        name = "" if key is None else f"<code>{html.escape(key)}</code> = "
        if child[0] == "leaf" or not child[2]:
            rows.append(f"<li>{name}<code>{html.escape(_plain(child, 0))}</code></li>")
        else:
            rows.append(f"<li>{name}{_html(child)}</li>")
    if more:
        rows.append(f"<li>... ({more} more)</li>")
    body = "".join(rows)
    return (
        f'<details class="seraph-lua-table" open><summary>{html.escape(label)}</summary>'
        f'<ul style="list-style:none;margin:0;padding-left:1.2em">{body}</ul></details>'
    )
