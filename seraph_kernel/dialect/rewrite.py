"""Rewrite a Luau syntax tree into Lua 5.4 text, keeping every line where it was.

The output is the source with *edits*: replacements of a node's bytes, or insertions at a
byte offset. A replacement renders its sub-expressions through the same machinery, so
edits nest (an interpolated string inside an if-expression inside a compound assignment).
Every replacement emits exactly the line breaks of the bytes it replaces, and generated
code never contains a line break, so the output has the same lines as the input.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from seraph_kernel.dialect.errors import LuauSyntaxError
from seraph_kernel.dialect.lexer import number_at, valid_number
from seraph_kernel.dialect.literals import fix_escapes, fix_number
from seraph_kernel.dialect.parser import interesting

_CLOSER, _OPENER, _REPLACE = 0, 1, 2
_LOOPS = frozenset(["while_statement", "for_statement", "repeat_statement"])
_FUNCTIONS = frozenset(["function_declaration", "function_definition", "chunk"])
_TRUTHY = frozenset(["number", "string", "true", "table_constructor", "function_definition"])
_ITERATOR_FACTORIES = frozenset([b"pairs", b"ipairs"])
_ITERATOR_METHODS = frozenset([b"gmatch", b"codes", b"wrap", b"lines"])
# numerals Lua 5.4 reads differently: binary, "_" separators, integers past 2^53. One
# leading character class lets sre skip to the digits at C speed (an alternation of
# branches would be tried at every byte); a match is only a candidate, the tree says
# whether a number starts there.
_ODD_NUMERAL = re.compile(rb"[0-9](?:[bB]|[0-9A-Za-z.]*_|[0-9]{15}|[xX][0-9A-Fa-f]{14})")
_NEXT = re.compile(rb"[A-Za-z0-9_]+|[^\sA-Za-z0-9_]")
_CAST_CLIMB = frozenset(["arguments", "function_call", "string", "table_constructor", "vararg_expression"])


class _Skip(Exception):
    """A node whose shape is not the expected one (inside a syntax error): leave it as is."""


@dataclass
class _Edit:
    start: int
    end: int
    kind: int
    render: Callable[[], bytes]
    done: bool = False


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _named(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return [c for c in node.named_children if c.type != "comment"]


class Rewriter:
    """Collects the edits for one tree, then renders the output."""

    def __init__(
        self,
        src: bytes,
        root: Node,
        casts: tuple[int, ...] = (),
        strings: tuple[tuple[int, int, bytes], ...] = (),
        templates: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.src = src
        self.root = root
        self.strings = strings
        self.templates = templates
        self.edits: list[_Edit] = []
        self.labels = 0
        self.loops: dict[int, bytes] = {}
        self.continues: dict[int, list[Node]] = {}
        self.loop_nodes: dict[int, Node] = {}
        self.casts = casts
        self._starts: list[int] = []

    # -- edits ----------------------------------------------------------------------------
    def replace(self, node: Node, render: Callable[[], bytes]) -> None:
        self.edits.append(_Edit(node.start_byte, node.end_byte, _REPLACE, render))

    def insert(self, at: int, text: bytes, kind: int) -> None:
        self.edits.append(_Edit(at, at, kind, lambda: text))

    def text(self, node: Node) -> bytes:
        return self.src[node.start_byte : node.end_byte]

    def nl(self, a: int, b: int) -> bytes:
        """The line breaks of ``src[a:b]`` (what is left of bytes that are dropped)."""
        return b"\n" * self.src.count(b"\n", a, b)

    def near(self, offset: int) -> str:
        """What follows ``offset``, for error messages: ``<eof>`` or the next word/symbol."""
        m = _NEXT.search(self.src, offset)
        return "<eof>" if m is None else "'" + m.group().decode("utf-8", "replace") + "'"

    def render(self, node: Node) -> bytes:
        return self.render_range(node.start_byte, node.end_byte)

    def render_range(self, a: int, b: int) -> bytes:
        """``src[a:b]`` with the edits inside it applied (closing insertions at ``b`` too)."""
        edits = self.edits
        i = bisect_left(self._starts, a)
        out: list[bytes] = []
        pos = a
        while i < len(edits):
            e = edits[i]
            i += 1
            if e.start > b or (e.start == b and e.kind != _CLOSER):
                break
            if e.done or e.start < pos or (e.start == a and e.kind == _CLOSER and a != b):
                continue
            e.done = True
            out.append(self.src[pos : e.start])
            out.append(e.render())
            pos = e.end
        out.append(self.src[pos:b])
        return b"".join(out)

    def output(self) -> bytes:
        self.edits.sort(key=lambda e: (e.start, e.kind, -e.end))
        self._starts = [e.start for e in self.edits]
        return self.render_range(0, len(self.src))

    # -- collection -----------------------------------------------------------------------
    def collect(self) -> None:
        kinds: dict[str, list[Node]] = {}
        for node in interesting(self.root):
            kinds.setdefault(node.type, []).append(node)
        for node in kinds.get("update_statement", ()):
            self._guard(self.update, node)
        for node in kinds.get("continue_statement", ()):
            self.continue_(node)
        for loop_id, conts in self.continues.items():
            self._guard(self.loop, self.loop_nodes[loop_id], conts)
        for node in kinds.get("if_expression", ()):
            self._guard(self.if_expression, node)
        for node in kinds.get("for_generic_clause", ()):
            self._guard(self.for_in, node)
        for start, end in self.templates:
            node = self.root.descendant_for_byte_range(start, end)
            while node is not None and node.start_byte == start and node.type != "string":
                node = node.parent
            if node is not None and node.type == "string" and node.start_byte == start:
                self._guard(self.interpolated, node)
        for start, end, fixed in self.strings:
            self.edits.append(_Edit(start, end, _REPLACE, lambda fixed=fixed: fixed))
        for m in _ODD_NUMERAL.finditer(self.src):
            node = self.root.descendant_for_byte_range(m.start(), m.start() + 1)
            if node is not None and node.type == "number" and node.start_byte == m.start():
                self.number(node)
        for offset in self.casts:
            self.cast(offset)

    def _guard(self, method: Callable[..., None], *args: object) -> None:
        try:
            method(*args)
        except _Skip:
            pass

    # -- compound assignment --------------------------------------------------------------
    def update(self, node: Node) -> None:
        """``t[k] op= v`` -> ``do local t, k = ...; t[k] = t[k] op (v) end`` (one line)."""
        if node.child_count < 3:
            raise _Skip
        targets, op, values = _named(node.child(0)), node.child(1), _named(node.child(2))
        if values and values[0].is_missing:
            near = self.near(op.end_byte)
            raise LuauSyntaxError(_line(op), f"expected an expression after '{op.type}' near {near}")
        if node.has_error:
            raise _Skip
        if len(targets) != 1 or len(values) != 1:
            raise LuauSyntaxError(_line(node), "compound assignment needs exactly one variable and one value")
        target, value = targets[0], values[0]
        binop = op.type[:-1].encode()
        tail = b" " + binop + b" ("

        def value_part(after: int) -> bytes:
            return self.nl(after, value.start_byte) + self.render(value) + b")"

        if target.type == "identifier":
            name = self.text(target)
            self.replace(node, lambda: name + b" = " + name + tail + value_part(target.end_byte))
            return
        table = target.child_by_field_name("table")
        field = target.child_by_field_name("field")
        if table is None or field is None:
            raise LuauSyntaxError(_line(node), "compound assignment needs a variable or a table field")
        if target.type == "dot_index_expression":
            key = b"." + self.text(field)
            if table.type == "identifier":
                t = self.text(table)
                self.replace(node, lambda: t + key + b" = " + t + key + tail + value_part(table.end_byte))
            else:
                self.replace(
                    node,
                    lambda: (
                        b" do local __luau_t = "
                        + self.render(table)
                        + b"; "
                        + b"__luau_t"
                        + key
                        + b" = __luau_t"
                        + key
                        + tail
                        + value_part(table.end_byte)
                        + b" end"
                    ),
                )
            return
        if target.type != "bracket_index_expression":
            raise LuauSyntaxError(_line(node), "compound assignment needs a variable or a table field")
        if table.type == "identifier" and field.type == "number":
            t, k = self.text(table), self.text(field)
            ref = t + b"[" + k + b"]"
            self.replace(node, lambda: ref + b" = " + ref + tail + value_part(table.end_byte))
            return
        self.replace(
            node,
            lambda: (
                b" do local __luau_t, __luau_k = "
                + self.render(table)
                + b", "
                + self.nl(table.end_byte, field.start_byte)
                + self.render(field)
                + b"; "
                + b"__luau_t[__luau_k] = __luau_t[__luau_k]"
                + tail
                + value_part(field.end_byte)
                + b" end"
            ),
        )

    # -- continue -------------------------------------------------------------------------
    def continue_(self, node: Node) -> None:
        loop = node.parent
        while loop is not None and loop.type not in _LOOPS:
            if loop.type in _FUNCTIONS:
                loop = None
                break
            loop = loop.parent
        if loop is None:
            if self.root.has_error:
                # an unfinished loop (`while x do continue`) is not a loop to tree-sitter:
                # a jump that compiles lets Lua report the real error ('end' expected)
                self.replace(node, lambda: b"goto __continue_0")
                return
            raise LuauSyntaxError(_line(node), "continue statement must be inside a loop")
        label = self.loops.get(loop.id)
        if label is None:
            self.labels += 1
            label = self.loops[loop.id] = b"__continue_%d" % self.labels
            self.loop_nodes[loop.id] = loop
            self.continues[loop.id] = []
        self.continues[loop.id].append(node)
        self.replace(node, lambda: b"goto " + label)

    def loop(self, loop: Node, conts: list[Node]) -> None:
        """Put the loop's ``::label::`` where ``continue`` must land.

        while/for: just before ``end`` (Lua 5.4 treats a label that ends a block as outside
        the scope of the block's locals, so the jump is legal). repeat: the ``until``
        condition still sees the body's locals, so the body from the first statement that
        holds a ``continue`` is wrapped in ``do ... end`` and the label goes after it,
        before ``until``; Luau rejects conditions that read locals declared after a
        continue, and so does this translation."""
        label = self.loops[loop.id]
        body = loop.child_by_field_name("body")
        stmts = _named(body)
        if loop.type == "repeat_statement":
            until = next((c for c in loop.children if c.type == "until"), None)
            if until is None or body is None:
                raise _Skip
            index = {s.id: k for k, s in enumerate(stmts)}
            first = min(self._statement_index(c, body, index) for c in conts)
            self._check_until(loop, stmts[first:], conts)
            self.insert(stmts[first].start_byte, b"do ", _OPENER)
            self.insert(until.start_byte, b" end ::" + label + b":: ", _OPENER)
            return
        end = next((c for c in reversed(loop.children) if c.type == "end"), None)
        if end is None:
            raise _Skip
        if stmts and stmts[-1].type == "return_statement":
            self.insert(stmts[-1].start_byte, b"do ", _OPENER)
            self.insert(stmts[-1].end_byte, b" end", _CLOSER)
        self.insert(end.start_byte, b"::" + label + b":: ", _OPENER)

    @staticmethod
    def _statement_index(node: Node, body: Node, index: dict[int, int]) -> int:
        while node.parent is not None and node.parent.id != body.id:
            node = node.parent
        if node.id not in index:
            raise _Skip
        return index[node.id]

    def _check_until(self, loop: Node, after: list[Node], conts: list[Node]) -> None:
        declared: set[bytes] = set()
        for stmt in after:
            declared.update(self._local_names(stmt))
        condition = loop.child_by_field_name("condition")
        if not declared or condition is None:
            return
        for name_node in _references(condition):
            name = self.text(name_node)
            if name in declared:
                line = min(_line(c) for c in conts)
                raise LuauSyntaxError(
                    _line(name_node),
                    f"local '{name.decode()}' used in the repeat..until condition is undefined because "
                    f"continue statement on line {line} jumps over it",
                )

    def _local_names(self, stmt: Node) -> list[bytes]:
        if (
            stmt.type == "function_declaration"
            and stmt.child(0) is not None
            and stmt.child(0).type == "local"
        ):
            name = stmt.child_by_field_name("name")
            return [self.text(name)] if name is not None else []
        if stmt.type != "variable_declaration":
            return []
        names = stmt.child(1)
        if names is not None and names.type == "assignment_statement":
            names = names.child(0)
        return [self.text(n) for n in _named(names) if n.type == "identifier"]

    # -- if-then-else expressions ---------------------------------------------------------
    def if_expression(self, node: Node) -> None:
        """One value, short-circuit: ``(c and v or e)`` when every ``then`` value is a
        truthy literal, else an immediately called function on the same line."""
        exprs: list[Node] = []
        clauses = [node]
        else_clause = None
        for child in node.children:
            if child.type == "elseif_clause":
                clauses.append(child)
            elif child.type == "else_clause":
                else_clause = child
        if else_clause is None:
            near = self.near(node.end_byte)
            if near == "'else'":  # an else with nothing after it (tree-sitter leaves it out)
                after = self.src.index(b"else", node.end_byte) + 4
                raise LuauSyntaxError(
                    _line(node), f"incomplete if-then-else expression near {self.near(after)}"
                )
            raise LuauSyntaxError(
                _line(node), f"expected 'else' when parsing if-then-else expression near {near}"
            )
        for clause in [*clauses, else_clause]:
            cond = clause.child_by_field_name("condition") if clause is not else_clause else None
            value = clause.child_by_field_name("consequence")
            if (
                (clause is not else_clause and (cond is None or cond.is_missing))
                or value is None
                or value.is_missing
            ):
                near = self.near(node.end_byte)
                raise LuauSyntaxError(_line(node), f"incomplete if-then-else expression near {near}")
            exprs += [value] if cond is None else [cond, value]
        if all(v.type in _TRUTHY for v in exprs[1:-1:2]):
            glue = [b"(("] + [b") and (", b") or ("] * (len(clauses))
            self.replace(node, lambda: self._stitch(node, exprs, glue, b"))"))
            return
        varargs = self._uses_varargs(node)
        head = b"(function(...) if " if varargs else b"(function() if "
        glue = (
            [head, b" then return ("]
            + [b") elseif ", b" then return ("] * (len(clauses) - 1)
            + [b") else return ("]
        )
        tail = b") end end)(...)" if varargs else b") end end)()"
        self.replace(node, lambda: self._stitch(node, exprs, glue, tail))

    def _stitch(self, node: Node, exprs: list[Node], glue: list[bytes], tail: bytes) -> bytes:
        out: list[bytes] = []
        pos = node.start_byte
        for expr, text in zip(exprs, glue, strict=True):
            out += [text, self.nl(pos, expr.start_byte), self.render(expr)]
            pos = expr.end_byte
        out += [self.nl(pos, node.end_byte), tail]
        return b"".join(out)

    def _uses_varargs(self, node: Node) -> bool:
        if b"..." not in self.text(node):
            return False
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "vararg_expression":
                return True
            if n.type not in ("function_definition", "function_declaration"):
                stack.extend(n.children)
        return False

    # -- generalized iteration ------------------------------------------------------------
    def for_in(self, clause: Node) -> None:
        """``for k, v in t`` -> ``for k, v in __luau_iter(t)``: tables iterate (with
        ``__iter`` if present), functions and callables pass through unchanged."""
        lists = [c for c in clause.named_children if c.type == "expression_list"]
        values = _named(lists[0]) if lists else []
        if len(values) != 1:
            return
        value = values[0]
        if value.type == "function_definition":
            return
        if value.type == "function_call" and self._returns_iterator(value):
            return
        self.insert(value.start_byte, b" __luau_iter(", _OPENER)
        self.insert(value.end_byte, b")", _CLOSER)

    def _returns_iterator(self, call: Node) -> bool:
        """``pairs(t)``, ``ipairs(t)``, ``s:gmatch(p)``, ``utf8.codes(s)``... return a
        function: no need for ``__luau_iter`` (plain Lua loops stay unchanged)."""
        callee = call.child_by_field_name("name")
        if callee is None:
            return False
        if callee.type == "identifier":
            return self.text(callee) in _ITERATOR_FACTORIES
        name = callee.child_by_field_name("method" if callee.type == "method_index_expression" else "field")
        return name is not None and self.text(name) in _ITERATOR_METHODS

    # -- strings --------------------------------------------------------------------------
    def interpolated(self, node: Node) -> None:
        """`` `a{x}b` `` -> ``("a" .. __luau_tostring(x) .. "b")``."""
        if node.has_error and any(c.is_missing for c in node.children):
            raise _Skip
        holes = [c for c in node.children if c.type == "interpolation"]
        exprs: list[Node] = []
        for hole in holes:
            inner = _named(hole)
            if not inner or inner[0].is_missing:
                raise LuauSyntaxError(
                    _line(hole), "malformed interpolated string; expected an expression inside '{}'"
                )
            exprs.append(inner[0])

        def render() -> bytes:
            parts: list[bytes] = []
            pos = node.start_byte + 1
            for hole, expr in zip(holes, exprs, strict=True):
                if hole.start_byte > pos:
                    parts.append(b'"' + fix_escapes(self.src[pos : hole.start_byte], quote_plain=True) + b'"')
                parts.append(
                    b"__luau_tostring("
                    + self.nl(hole.start_byte, expr.start_byte)
                    + self.render(expr)
                    + self.nl(expr.end_byte, hole.end_byte)
                    + b")"
                )
                pos = hole.end_byte
            if node.end_byte - 1 > pos or not parts:
                parts.append(b'"' + fix_escapes(self.src[pos : node.end_byte - 1], quote_plain=True) + b'"')
            if len(parts) == 1 and not holes:
                return parts[0]
            return b"(" + b" .. ".join(parts) + b")"

        self.replace(node, render)

    # -- numbers --------------------------------------------------------------------------
    def number(self, node: Node) -> None:
        text = self.text(node)
        numeral = number_at(self.src, node.start_byte)
        if numeral != text or not valid_number(numeral):
            near = numeral.decode("ascii", "replace") or text.decode("ascii", "replace")
            raise LuauSyntaxError(_line(node), f"malformed number near '{near}'")
        fixed = fix_number(text)
        if fixed is not None:
            self.replace(node, lambda: fixed)

    # -- casts ----------------------------------------------------------------------------
    def cast(self, offset: int) -> None:
        """``f() :: T`` is one value in Luau: keep it one value with parentheses."""
        q = offset - 1
        while q >= 0 and self.src[q] in b" \t\r\n":
            q -= 1
        if q < 0:
            return
        node = self.root.descendant_for_byte_range(q, q + 1)
        best = None
        while node is not None:
            if node.type in ("function_call", "vararg_expression"):
                best = node
            parent = node.parent
            if parent is None or parent.end_byte != node.end_byte or parent.type not in _CAST_CLIMB:
                break
            node = parent
        if best is not None:
            self.insert(best.start_byte, b"(", _OPENER)
            self.insert(best.end_byte, b")", _CLOSER)


def _references(node: Node) -> list[Node]:
    """Identifiers of ``node`` that name variables (not fields or method names)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            parent = n.parent
            if (
                parent is not None
                and parent.type in ("dot_index_expression", "method_index_expression")
                and parent.child_by_field_name("table") != n
            ):
                continue
            if parent is not None and parent.type == "field" and parent.child_by_field_name("name") == n:
                continue
            out.append(n)
        elif n.type not in ("function_definition",):
            stack.extend(n.children)
    return out
