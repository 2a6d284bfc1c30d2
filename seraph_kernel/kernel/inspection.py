"""Shift-Tab and ``name?``: signatures and docs of the Lua API, parsed from ``lua_api.md``.

``lua_api.md`` is the package's copy of ``shared/spec/lua-api.md``; every call its tables and
bullets document becomes an :class:`ApiDoc` keyed ``getClient``, ``task.wait`` or
``client:warp``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

_CALL = re.compile(r"`([A-Za-z_]\w*(?:[.:][A-Za-z_]\w*)?)\(([^`]*?)\)`")
_NAME = re.compile(r"`([A-Za-z_]\w*)`")
_ENUM = re.compile(r"^- `(\w+)`: (.*)$")
RECEIVER_ORDER = ("client", "world", "inventory", "v2", "v2i")
RECEIVER_OF_CALL = {
    "getClient": "client",
    "getClients": "client",
    "getWorld": "world",
    "getInventory": "inventory",
}


@dataclass(frozen=True)
class ApiDoc:
    """One documented call: ``signature`` such as ``client:warp(name)`` and its meaning."""

    name: str
    signature: str
    doc: str
    section: str

    @property
    def receiver(self) -> str | None:
        """``client`` for ``client:warp``; ``None`` for globals and library functions."""
        return self.name.split(":")[0] if ":" in self.name else None

    @property
    def member(self) -> str:
        return re.split(r"[.:]", self.name)[-1]


def _plain(markdown: str) -> str:
    return markdown.replace("**", "").replace("`", "").strip()


@functools.cache
def api_docs() -> dict[str, ApiDoc]:
    """Every documented call by name (first documented form wins for overloads)."""
    text = resources.files("seraph_kernel.kernel").joinpath("lua_api.md").read_text(encoding="utf-8")
    docs: dict[str, ApiDoc] = {}
    section = ""

    def add(name: str, signature: str, doc: str) -> None:
        if name not in docs:
            docs[name] = ApiDoc(name, signature, doc, section)
        elif signature not in docs[name].signature:
            old = docs[name]
            docs[name] = ApiDoc(name, f"{old.signature}\n{signature}", old.doc, old.section)

    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("|") and not set(line) <= set("|-: "):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if len(cells) < 2 or cells[0] == "call":
                continue
            calls = _CALL.findall(cells[0])
            meaning = _plain(cells[1])
            for name, args in calls:
                add(name, f"{name}({args})", meaning)
            if not calls:
                for name in _NAME.findall(cells[0]):
                    add(name, name, meaning)
        elif line.startswith("- "):
            enum = _ENUM.match(line)
            if enum:
                add(enum.group(1), enum.group(1), _plain(enum.group(2)))
            for name, args in _CALL.findall(line):
                if line.find(f"`{name}(") >= 0:
                    add(name, f"{name}({args})", _plain(line[2:]))
    return docs


def find_docs(name: str) -> list[ApiDoc]:
    """Docs for ``name``: exact (``task.wait``), by receiver type (``getClient():warp``), or by
    member name on any receiver (``c:warp``), clients first."""
    docs = api_docs()
    if name in docs:
        return [docs[name]]
    parts = re.split(r"([.:])", name)
    receiver, member = "".join(parts[:-2]), parts[-1]
    receiver_type = RECEIVER_OF_CALL.get(re.sub(r"\(.*\)$", "", receiver))
    if receiver_type and f"{receiver_type}:{member}" in docs:
        return [docs[f"{receiver_type}:{member}"]]
    matches = [doc for doc in docs.values() if doc.receiver and doc.member == member]
    return sorted(
        matches, key=lambda d: RECEIVER_ORDER.index(d.receiver) if d.receiver in RECEIVER_ORDER else 99
    )


def inspect_text(name: str, detail_level: int, registry: Any = None) -> str:
    """The inspection text of a magic (``%use``) or an API name; empty when unknown."""
    if name.startswith("%") and registry is not None:
        magic_name = name.lstrip("%")
        if magic_name in registry:
            magic = registry.get(magic_name)
            return f"{magic.usage}\n\n{magic.help}"
        return ""
    found = find_docs(name)
    sections = [
        f"{doc.signature}\n    {doc.doc}" + (f"\n    ({doc.section})" if detail_level else "")
        for doc in found
    ]
    return "\n\n".join(sections)


def word_at(code: str, cursor_pos: int) -> str:
    """The name chain at the cursor (``getClient():warp``, ``task.wait``, ``%use``); inside a
    call's arguments, the name of the call."""
    end = cursor_pos
    while end < len(code) and (code[end].isalnum() or code[end] == "_"):
        end += 1
    word = _chain_before(code, end)
    if word and not word.endswith(("(", ".", ":")):
        return word
    depth = 0
    for index in range(cursor_pos - 1, -1, -1):
        char = code[index]
        if char == ")":
            depth += 1
        elif char == "(":
            if depth == 0:
                return _chain_before(code, index)
            depth -= 1
        elif char == "\n" and depth == 0:
            break
    return ""


def _chain_before(code: str, end: int) -> str:
    """``a.b:c`` / ``getClient():c`` ending at ``end`` (call parentheses kept empty)."""
    index = end
    pieces: list[str] = []
    while index > 0:
        char = code[index - 1]
        if char.isalnum() or char in "_.:%":
            pieces.append(char)
            index -= 1
        elif char == ")":
            opening = code.rfind("(", 0, index - 1)
            if opening < 0 or ")" in code[opening + 1 : index - 1] or "\n" in code[opening:index]:
                break
            pieces.append("()")
            index = opening
        else:
            break
    return "".join(reversed(pieces)).lstrip(".:")
