"""tree-sitter-luau, loaded once; one parser per thread (parsers are not thread-safe)."""

from __future__ import annotations

import threading
from functools import lru_cache

import tree_sitter_luau
from tree_sitter import Language, Node, Parser, Query, Tree

try:  # py-tree-sitter >= 0.25 runs queries through a QueryCursor
    from tree_sitter import QueryCursor
except ImportError:  # 0.23 / 0.24: Query.captures
    QueryCursor = None

_local = threading.local()

# one alternation: much faster than one pattern per node type
_QUERY = "[(update_statement) (continue_statement) (if_expression) (for_generic_clause)] @node"


@lru_cache(maxsize=1)
def language() -> Language:
    """The Luau grammar (tree-sitter-luau)."""
    return Language(tree_sitter_luau.language())


@lru_cache(maxsize=1)
def _query() -> Query:
    return Query(language(), _QUERY)


def parse(src: bytes) -> Tree:
    """Parse ``src`` (UTF-8 bytes) into a concrete syntax tree."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = Parser(language())
    return parser.parse(src)


def interesting(root: Node) -> list[Node]:
    """The statements and expressions the translator may rewrite, in source order (the
    query runs in C): compound assignments, ``continue``, if-expressions, generic ``for``."""
    if QueryCursor is None:
        return _query().captures(root).get("node", [])
    return QueryCursor(_query()).captures(root).get("node", [])


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node in source order, or None."""
    if not root.has_error:
        return None
    node = root
    while True:
        for child in node.children:
            if child.is_missing or child.type == "ERROR":
                return child
            if child.has_error:
                node = child
                break
        else:
            return None if node is root else node
