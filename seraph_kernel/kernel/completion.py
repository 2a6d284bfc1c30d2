"""Tab completion: Lua globals, fields after ``.``, methods after ``:``, magics, bot ids.

Values are read from the cell VM's globals without calling anything (no side effects):
``a.b.`` walks tables, ``obj:`` lists the functions of ``obj`` and of its metatable's
``__index`` chain. A call's result (``getClient():``) is typed from the API docs.
"""

from __future__ import annotations

import re
from typing import Any

import lupa.lua54 as lupa

from seraph_kernel.kernel.display import LUA_KEYWORDS
from seraph_kernel.kernel.inspection import RECEIVER_OF_CALL, api_docs

BOT_ID_MAGICS = ("use", "connect", "disconnect", "snapshot", "minimap")
_LUA_TOKEN = re.compile(r"((?:[A-Za-z_]\w*(?:\(\))?[.:])*)([A-Za-z_]\w*)?$")
_INDEX_DEPTH = 5
_LUAU_KEYWORDS = ("continue",)
"""Luau's statement keyword that Lua 5.4 lacks (``type``/``export`` are rarely typed alone)."""
_TRANSLATION_NAMES = "__luau_"
"""Globals the Luau translation calls (``__luau_iter``): never offered."""


def complete(
    code: str,
    cursor_pos: int,
    namespace: Any,
    registry: Any,
    bot_ids: list[str] | tuple[str, ...] = (),
) -> tuple[list[str], int, int]:
    """``(matches, cursor_start, cursor_end)`` for the text before ``cursor_pos``."""
    line_start = code.rfind("\n", 0, cursor_pos) + 1
    line = code[line_start:cursor_pos]
    magic = _complete_magic_line(line, registry, bot_ids)
    if magic is not None:
        matches, typed = magic
        return matches, cursor_pos - len(typed), cursor_pos
    match = _LUA_TOKEN.search(_collapse_calls(line))
    chain, partial = (match.group(1), match.group(2) or "") if match else ("", "")
    keywords = {*LUA_KEYWORDS, *_LUAU_KEYWORDS}
    names = _members(chain[:-1], chain[-1], namespace) if chain else _globals(namespace) | keywords
    matches = sorted(name for name in names if name.startswith(partial))
    return matches, cursor_pos - len(partial), cursor_pos


def _complete_magic_line(line: str, registry: Any, bot_ids) -> tuple[list[str], str] | None:
    cell = re.fullmatch(r"%%(\w*)", line)
    if cell and registry is not None:
        return [f"%%{n}" for n in registry.cell_magics() if n.startswith(cell.group(1))], line
    name = re.fullmatch(r"%(\w*)", line)
    if name and registry is not None:
        return [f"%{n}" for n in registry.line_magics() if n.startswith(name.group(1))], line
    argument = re.fullmatch(r"%(\w+)\s+(?:.*\s)?(\S*)", line)
    if not argument:
        return None
    magic, typed = argument.group(1), argument.group(2)
    before = line[: len(line) - len(typed)].split()
    if magic == "help" and registry is not None:
        return [n for n in registry.line_magics() + registry.cell_magics() if n.startswith(typed)], typed
    if (magic in BOT_ID_MAGICS and len(before) == 1) or (before and before[-1] == "--bot"):
        return sorted(b for b in bot_ids if b.startswith(typed)), typed
    return [], typed


def _collapse_calls(line: str) -> str:
    """``getClient("bot-1"):`` -> ``getClient():`` so the receiver's type can be looked up."""
    previous = None
    while previous != line:
        previous = line
        line = re.sub(r"\([^()]*\)", "()", line)
    return line


def _globals(namespace: Any) -> set[str]:
    names = {doc.name for doc in api_docs().values() if not doc.receiver and "." not in doc.name}
    if namespace is not None:
        names |= {
            key for key in _keys(namespace) if isinstance(key, str) and not key.startswith(_TRANSLATION_NAMES)
        }
    return names


def _members(receiver: str, separator: str, namespace: Any) -> set[str]:
    value = _resolve(receiver, namespace)
    if value is not None:
        return _methods(value, namespace) if separator == ":" else _fields(value)
    receiver_type = RECEIVER_OF_CALL.get(receiver.removesuffix("()"))
    if separator == ":" and receiver_type is None:
        receiver_type = receiver if any(d.receiver == receiver for d in api_docs().values()) else None
    return {
        doc.member
        for doc in api_docs().values()
        if (receiver_type and doc.receiver == receiver_type and separator == ":")
        or (not doc.receiver and doc.name.startswith(receiver + separator))
    }


def _resolve(chain: str, namespace: Any) -> Any:
    """The table ``a.b.c`` names in ``namespace``, or ``None`` (calls are never evaluated)."""
    if namespace is None or "()" in chain or ":" in chain:
        return None
    value = namespace
    for name in chain.split("."):
        if lupa.lua_type(value) != "table":
            return None
        try:
            value = value[name]
        except Exception:
            return None
    return value if lupa.lua_type(value) == "table" else None


def _keys(table: Any) -> list[Any]:
    try:
        return list(table.keys())
    except Exception:
        return []


def _fields(table: Any) -> set[str]:
    return {key for key in _keys(table) if isinstance(key, str)}


def _methods(table: Any, namespace: Any) -> set[str]:
    """Functions reachable with ``:`` on ``table``: its own and its ``__index`` chain's."""
    getmetatable = namespace["getmetatable"] if namespace is not None else None
    names: set[str] = set()
    for _ in range(_INDEX_DEPTH):
        names |= {k for k in _keys(table) if isinstance(k, str) and lupa.lua_type(table[k]) == "function"}
        if lupa.lua_type(getmetatable) != "function":
            break
        meta = getmetatable(table)
        index = meta["__index"] if lupa.lua_type(meta) == "table" else None
        if lupa.lua_type(index) != "table":
            break
        table = index
    return names
