"""Pre-pass over Luau tokens: erase types, attributes and explicit type instantiations.

tree-sitter-luau 1.2.0 parses Luau's statements and expressions well but misparses many
type forms (generic packs in parameters, generic defaults, ``read``/``write`` properties,
``type function``, ``typeof(...)`` annotations, ``f<<T>>(x)``, ``@native``...). Types never
reach the Lua output anyway, so they are erased here, on tokens, following Luau's type
grammar at the few places a type can start: after ``local``/``for`` names, in parameter
lists, after a parameter list (return type), after ``::`` (cast) and in ``type`` /
``export type`` statements. Erased bytes become spaces (line breaks stay), so every byte
offset and line of the source is kept.

The contextual keywords ``type``, ``typeof``, ``export`` and ``continue`` used as plain
names are renamed (same length) in the copy that tree-sitter parses, whose grammar would
take them for keywords; the output is always cut from the unrenamed text.
"""

from __future__ import annotations

from dataclasses import dataclass

from seraph_kernel.dialect.errors import LuauSyntaxError
from seraph_kernel.dialect.lexer import INTERP, KEYWORDS, NAME, NUMBER, OP, STRING, Token, line_of, tokenize

_RENAMES = {b"type": b"_ype", b"typeof": b"_ypeof", b"export": b"_xport", b"continue": b"_ontinue"}
_STATEMENT_ENDERS = frozenset(
    [b"end", b"true", b"false", b"nil", b"break", b"do", b"then", b"else", b"repeat"]
)
_ENDING_OPS = frozenset([b")", b"]", b"}", b";", b"..."])
_CONTINUE_AS_NAME = frozenset(
    [b"(", b"=", b".", b"[", b":", b",", b"{", b"+=", b"-=", b"*=", b"/=", b"//=", b"%=", b"^=", b"..="]
)
_CLOSERS = {b")": b"(", b"]": b"[", b"}": b"{", b">": b"<"}
_EXPRESSION_ENDS = frozenset([b")", b"]"])


@dataclass(frozen=True)
class Prepared:
    """The pre-pass result: ``work`` is the source with types blanked, ``parse_src`` the
    same bytes with contextual keywords renamed, ``casts`` the offsets of erased ``::``."""

    work: bytes
    parse_src: bytes
    casts: tuple[int, ...]


def prepare(src: bytes) -> Prepared:
    """Tokenize ``src`` and erase its Luau-only type syntax (raises LuauSyntaxError)."""
    eraser = _Eraser(src, tokenize(src))
    eraser.run()
    work = bytearray(src)
    for start, end in eraser.blanks:
        for k in range(start, end):
            if work[k] not in (10, 13):
                work[k] = 32
    parse = bytearray(work)
    for start, replacement in eraser.renames:
        parse[start : start + len(replacement)] = replacement
    return Prepared(bytes(work), bytes(parse), tuple(eraser.casts))


class _Eraser:
    def __init__(self, src: bytes, tokens: list[Token]) -> None:
        self.src = src
        self.t = tokens
        self.n = len(tokens)
        self.blanks: list[tuple[int, int]] = []
        self.renames: list[tuple[int, bytes]] = []
        self.casts: list[int] = []

    # -- helpers --------------------------------------------------------------------------
    def text(self, i: int) -> bytes:
        return self.t[i].text if i < self.n else b""

    def is_name(self, i: int) -> bool:
        return i < self.n and self.t[i].kind == NAME and self.t[i].text not in KEYWORDS

    def take_name(self, i: int) -> int:
        """Consume the name at ``i`` (renaming a contextual keyword) and return ``i + 1``."""
        tok = self.t[i]
        if tok.text in _RENAMES:
            self.renames.append((tok.start, _RENAMES[tok.text]))
        return i + 1

    def fail(self, i: int, what: str) -> LuauSyntaxError:
        if i < self.n:
            tok = self.t[i]
            near = "'" + tok.text.decode("utf-8", "replace") + "'"
            return LuauSyntaxError(line_of(self.src, tok.start), f"{what} near {near}")
        return LuauSyntaxError(line_of(self.src, len(self.src)), f"{what} near <eof>")

    def blank(self, first: int, after: int) -> None:
        """Blank tokens ``first`` .. ``after - 1`` (and what lies between them)."""
        if after > first:
            self.blanks.append((self.t[first].start, self.t[after - 1].end))

    def statement_start(self, i: int) -> bool:
        """Whether token ``i`` can begin a statement (what precedes it ends one)."""
        if i == 0:
            return True
        prev = self.t[i - 1]
        if prev.kind == NAME:
            return prev.text not in KEYWORDS or prev.text in _STATEMENT_ENDERS
        if prev.kind in (NUMBER, STRING):
            return True
        return prev.kind == OP and prev.text in _ENDING_OPS

    def continue_statement(self, i: int) -> bool:
        """Whether ``continue`` at ``i`` is the statement (Luau: not followed by what would
        make it a call, an index or an assignment target)."""
        if not self.statement_start(i):
            return False
        if i + 1 >= self.n:
            return True
        nxt = self.t[i + 1]
        return nxt.text not in _CONTINUE_AS_NAME and nxt.kind not in (STRING, INTERP)

    # -- the walk -------------------------------------------------------------------------
    def run(self) -> None:
        i = 0
        while i < self.n:
            tok = self.t[i]
            if tok.kind == NAME:
                word = tok.text
                if word == b"local":
                    i = self.local(i + 1)
                    continue
                if word == b"for":
                    i = self.names(i + 1)
                    continue
                if word == b"function":
                    i = self.function(i + 1)
                    continue
                if word in (b"type", b"export") and self.statement_start(i):
                    after = self.alias(i)
                    if after is not None:
                        i = after
                        continue
                if word == b"continue" and self.continue_statement(i):
                    i += 1
                    continue
                if word in _RENAMES:
                    self.renames.append((tok.start, _RENAMES[word]))
                i += 1
            elif tok.kind == OP:
                op = tok.text
                if op == b"::":
                    self.casts.append(tok.start)
                    after = self.type(i + 1)
                    self.blank(i, after)
                    i = after
                elif op == b"@":
                    i = self.attribute(i)
                elif (
                    op == b"<"
                    and self.text(i + 1) == b"<"
                    and self.t[i + 1].start == tok.end
                    and self.after_callee(i)
                ):
                    after = self.balanced(i + 1, angles=True)
                    if self.text(after) != b">":
                        raise self.fail(after, "expected '>' to close explicit type instantiation")
                    self.blank(i, after + 1)
                    i = after + 1
                else:
                    i += 1
            else:
                i += 1

    def after_callee(self, i: int) -> bool:
        if i == 0:
            return False
        prev = self.t[i - 1]
        return (prev.kind == NAME and prev.text not in KEYWORDS) or (
            prev.kind == OP and prev.text in _EXPRESSION_ENDS
        )

    def local(self, i: int) -> int:
        if self.text(i) == b"function":
            return i
        return self.names(i)

    def names(self, i: int) -> int:
        """A ``local``/``for`` name list: ``name [<attrib>] [: Type] {, ...}``."""
        while self.is_name(i):
            i = self.take_name(i)
            if self.text(i) == b"<" and self.is_name(i + 1) and self.text(i + 2) == b">":
                i += 3
            if self.text(i) == b":":
                after = self.type(i + 1)
                self.blank(i, after)
                i = after
            if self.text(i) != b",":
                break
            i += 1
        return i

    def function(self, i: int) -> int:
        """After ``function``: name, generics, typed parameters, return type."""
        if self.is_name(i):
            i = self.take_name(i)
            while self.text(i) in (b".", b":") and self.is_name(i + 1):
                i = self.take_name(i + 1)
        if self.text(i) == b"<":
            after = self.balanced(i, angles=True)
            self.blank(i, after)
            i = after
        if self.text(i) != b"(":
            return i
        i += 1
        while self.text(i) != b")":
            if self.is_name(i):
                i = self.take_name(i)
            elif self.text(i) == b"...":
                i += 1
            else:
                return i
            if self.text(i) == b":":
                after = self.type(i + 1)
                self.blank(i, after)
                i = after
            if self.text(i) == b",":
                i += 1
            elif self.text(i) != b")":
                return i
        i += 1
        if self.text(i) == b":":
            after = self.type(i + 1)
            self.blank(i, after)
            i = after
        return i

    def alias(self, i: int) -> int | None:
        """``[export] type Name[<...>] = Type`` or ``[export] type function ...end``."""
        k = i
        if self.text(k) == b"export":
            k += 1
            if self.text(k) != b"type":
                return None
        if self.text(k + 1) == b"function" and self.is_name(k + 2):
            after = self.function_body(k + 3)
            self.blank(i, after)
            return after
        if not self.is_name(k + 1):
            return None
        j = k + 2
        if self.text(j) == b"<":
            j = self.balanced(j, angles=True)
        if self.text(j) != b"=":
            raise self.fail(j, "expected '=' when parsing type alias")
        after = self.type(j + 1)
        self.blank(i, after)
        return after

    def function_body(self, i: int) -> int:
        """From a parameter list to the matching ``end``."""
        if self.text(i) != b"(":
            raise self.fail(i, "expected '(' when parsing function")
        i = self.balanced(i, angles=False)
        depth = 1
        while i < self.n:
            tok = self.t[i]
            if tok.kind == NAME:
                if tok.text in (b"function", b"do", b"repeat") or (
                    tok.text == b"if" and self.statement_start(i)
                ):
                    depth += 1
                elif tok.text in (b"end", b"until"):
                    depth -= 1
                    if depth == 0:
                        return i + 1
            i += 1
        raise self.fail(i, "expected 'end' to close 'type function'")

    def attribute(self, i: int) -> int:
        """``@name`` or ``@[...]`` before a function."""
        nxt = i + 1
        if self.is_name(nxt) and self.t[nxt].start == self.t[i].end:
            self.blank(i, nxt + 1)
            return nxt + 1
        if self.text(nxt) == b"[":
            after = self.balanced(nxt, angles=False)
            self.blank(i, after)
            return after
        raise self.fail(nxt, "expected attribute name after '@'")

    # -- types ----------------------------------------------------------------------------
    def balanced(self, i: int, *, angles: bool) -> int:
        """Index after the bracket that closes the one at ``i``."""
        stack = [self.text(i)]
        j = i + 1
        while j < self.n:
            tok = self.t[j]
            if tok.kind == OP:
                op = tok.text
                if op in (b"(", b"[", b"{") or (angles and op == b"<"):
                    stack.append(op)
                elif op in _CLOSERS and (angles or op != b">"):
                    if stack[-1] != _CLOSERS[op]:
                        raise self.fail(j, f"expected '{_closer_of(stack[-1])}'")
                    stack.pop()
                    if not stack:
                        return j + 1
            j += 1
        raise self.fail(j, f"expected '{_closer_of(stack[-1])}'")

    def type(self, i: int) -> int:
        """Index after the type starting at ``i`` (unions, intersections, optionals)."""
        if self.text(i) in (b"|", b"&"):
            i += 1
        i = self.simple_type(i)
        while True:
            op = self.text(i)
            if op == b"?":
                i += 1
            elif op in (b"|", b"&"):
                i = self.simple_type(i + 1)
            else:
                return i

    def simple_type(self, i: int) -> int:
        if i >= self.n:
            raise self.fail(i, "expected type")
        tok = self.t[i]
        word = tok.text
        if tok.kind == STRING:
            return i + 1
        if tok.kind == NAME:
            if word == b"typeof":
                if self.text(i + 1) != b"(":
                    raise self.fail(i + 1, "expected '(' after 'typeof'")
                return self.balanced(i + 1, angles=False)
            if word in (b"nil", b"true", b"false"):
                return i + 1
            if word in KEYWORDS:
                raise self.fail(i, "expected type")
            i += 1
            while self.text(i) == b"." and self.is_name(i + 1):
                i += 2
            if self.text(i) == b"<":
                i = self.balanced(i, angles=True)
            if self.text(i) == b"...":
                i += 1
            return i
        if word == b"{":
            return self.balanced(i, angles=True)
        if word == b"(":
            i = self.balanced(i, angles=True)
            if self.text(i) == b"->":
                return self.type(i + 1)
            return i
        if word == b"<":
            i = self.balanced(i, angles=True)
            if self.text(i) != b"(":
                raise self.fail(i, "expected '(' in generic function type")
            i = self.balanced(i, angles=True)
            if self.text(i) != b"->":
                raise self.fail(i, "expected '->' in function type")
            return self.type(i + 1)
        if word == b"...":
            return self.type(i + 1)
        raise self.fail(i, "expected type")


def _closer_of(opener: bytes) -> str:
    return {b"(": ")", b"[": "]", b"{": "}", b"<": ">"}[opener]
