"""Luau source -> Lua 5.4 source, line for line.

A source that compiles as Lua 5.4 is Lua 5.4 and keeps its meaning: it is returned as is,
except that a generic ``for`` over one value that is not ``pairs``/``ipairs`` goes through
``__luau_iter`` (a function or callable value passes through unchanged; only a loop over
a table, which would fail in Lua 5.4, now iterates as in Luau). Any other source is read as
Luau: a token pre-pass erases types, tree-sitter-luau parses the rest, and the syntax tree
is rewritten (see ``rewrite``). Every output is compiled once as Lua 5.4 before it is
returned, so a source that ``translate`` accepts compiles.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from seraph_kernel.dialect.erase import prepare
from seraph_kernel.dialect.errors import LuauSyntaxError
from seraph_kernel.dialect.lexer import Stream, line_of
from seraph_kernel.dialect.lua54 import compile_error
from seraph_kernel.dialect.parser import first_error, interesting, parse
from seraph_kernel.dialect.rewrite import Rewriter

MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""Larger sources are refused (parsing is linear, but a script is never this big)."""


class Translation(NamedTuple):
    """What ``translate_chunk`` returns: the Lua 5.4 text, and whether the source was read
    as Luau (a host may pick Luau's number printing for it, see docs/luau.md)."""

    text: str
    luau: bool


def is_luau(source: str) -> bool:
    """Whether ``translate`` reads ``source`` as Luau: it does not compile as Lua 5.4."""
    return compile_error(source, "executor") is not None


def translate(source: str, chunk_name: str = "executor") -> str:
    """Lua 5.4 text for a Luau (or Lua 5.4) ``source``, with every line where it was, so
    that runtime errors name the user's lines. Raises LuauSyntaxError (user's line)."""
    return translate_chunk(source, chunk_name).text


def translate_chunk(source: str, chunk_name: str = "executor") -> Translation:
    """``translate``, also telling whether the source was Luau (one Lua 5.4 compile, not two)."""
    _check_size(source)
    if compile_error(source, chunk_name) is None:
        return Translation(_lua54(source, chunk_name), False)
    return Translation(_luau(source, chunk_name), True)


def syntax_error(source: str, chunk_name: str = "executor") -> LuauSyntaxError | None:
    """The error ``translate`` would raise for ``source``, or ``None``; cheaper than
    ``translate`` for a Lua 5.4 source (nothing is rewritten). For hosts that only ask
    whether a text compiles (a kernel's completeness check)."""
    try:
        _check_size(source)
        if compile_error(source, chunk_name) is not None:
            _luau(source, chunk_name)
    except LuauSyntaxError as err:
        return err
    return None


def _check_size(source: str) -> None:
    if len(source) > MAX_SOURCE_BYTES:
        raise LuauSyntaxError(1, f"source too large (more than {MAX_SOURCE_BYTES} bytes)")
    try:
        size = len(source.encode("utf-8"))
    except UnicodeEncodeError as err:  # a lone surrogate: no UTF-8 text holds one
        raise LuauSyntaxError(source.count("\n", 0, err.start) + 1, "invalid UTF-8") from None
    if size > MAX_SOURCE_BYTES:
        raise LuauSyntaxError(1, f"source too large (more than {MAX_SOURCE_BYTES} bytes)")


_IN = re.compile(r"(?<![\w.])in(?!\w)")
_STANDARD_ITERATOR = re.compile(r"\s*(?:i?pairs\s*\(|next\s*,)")


def _lua54(source: str, chunk_name: str) -> str:
    # Skip the parse when every `in` (in code, strings or comments alike) is followed by
    # pairs(/ipairs(/next, : then no generic for can iterate over a table.
    if all(_STANDARD_ITERATOR.match(source, m.end()) for m in _IN.finditer(source)):
        return source
    src = source.encode()
    root = parse(src).root_node
    if root.has_error:
        return source
    rewriter = Rewriter(src, root)
    for node in interesting(root):
        if node.type == "for_generic_clause":
            rewriter.for_in(node)
    if not rewriter.edits:
        return source
    out = rewriter.output().decode()
    return source if compile_error(out, chunk_name) is not None else out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while translating: the pass allocates tens of thousands
    of short-lived objects (tokens, nodes, edits), and the collections they trigger would
    walk every object of the process (~15% of the time here, more in a big server). The one
    cycle it makes (edits whose closures refer to their rewriter) is broken when done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _luau(source: str, chunk_name: str) -> str:
    with _gc_paused():
        return _luau_text(source, chunk_name)


def _luau_text(source: str, chunk_name: str) -> str:
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    try:
        prepared = prepare(text.encode())
        root = parse(prepared.parse_src).root_node
        rewriter = Rewriter(prepared.work, root, prepared.casts, prepared.strings, prepared.templates)
        rewriter.collect()
        out = rewriter.output().decode()
        rewriter.edits.clear()  # free the tree now, not at the next collection
    except RecursionError:
        raise LuauSyntaxError(1, "chunk has too many syntax levels") from None
    lua_error = compile_error(out, chunk_name)
    if lua_error is not None and not any(name in lua_error[1] for name in _GENERATED):
        raise LuauSyntaxError(*lua_error)
    tree_error = _tree_error(prepared.work, root)
    if tree_error is not None:
        raise tree_error
    if lua_error is not None:
        raise LuauSyntaxError(lua_error[0], "syntax error")
    return out


_GENERATED = ("__luau", "__continue")
"""Names only generated code has: a Lua message that quotes them is not about the user's text."""


def _tree_error(src: bytes, root: object) -> LuauSyntaxError | None:
    node = first_error(root)  # type: ignore[arg-type]
    if node is None:
        return None
    near = _token_at(src, node.end_byte if node.is_missing else node.start_byte)
    if node.is_missing:
        what = node.type if node.type == "identifier" else f"'{node.type}'"
        return LuauSyntaxError(line_of(src, node.start_byte), f"expected {what} near {near}")
    return LuauSyntaxError(line_of(src, node.start_byte), f"syntax error near {near}")


def _token_at(src: bytes, offset: int) -> str:
    try:
        token = Stream(src, offset)[0]
    except LuauSyntaxError:
        token = None
    if token is None:
        return "<eof>"
    return "'" + token.text.decode("utf-8", "replace") + "'"
