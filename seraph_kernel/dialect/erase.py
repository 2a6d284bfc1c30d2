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
take them for keywords; the output is always cut from the unrenamed text. On the way the
pass records where interpolated strings are and which quoted strings hold escapes Lua 5.4
refuses (``"\\{"``: in Luau an unknown escape is the character itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seraph_kernel.dialect.errors import LuauSyntaxError
from seraph_kernel.dialect.lexer import (
    KEYWORDS,
    NAME,
    NUMBER,
    OP,
    STRING,
    Stream,
    Token,
    line_of,
    match_bracket,
    scan,
)
from seraph_kernel.dialect.literals import fix_escapes

_RENAMES = {b"type": b"_ype", b"typeof": b"_ypeof", b"export": b"_xport", b"continue": b"_ontinue"}
_STATEMENT_ENDERS = frozenset(
    [b"end", b"true", b"false", b"nil", b"break", b"do", b"then", b"else", b"repeat"]
)
_ENDING_OPS = frozenset([b")", b"]", b"}", b";", b"..."])
_CLOSERS = {b")": b"(", b"]": b"[", b"}": b"{", b">": b"<"}
_EXPRESSION_ENDS = frozenset([b")", b"]"])


@dataclass(frozen=True)
class Prepared:
    """The pre-pass result: ``work`` is the source with types blanked, ``parse_src`` the
    same bytes with contextual keywords renamed, ``casts`` the offsets of erased ``::``."""

    work: bytes
    parse_src: bytes
    casts: tuple[int, ...]
    strings: tuple[tuple[int, int, bytes], ...]
    """Quoted strings whose escapes Lua 5.4 would refuse: (start, end, fixed literal)."""
    templates: tuple[tuple[int, int], ...] = ()
    """Where the interpolated strings are."""


# Fast paths: the common shapes after ``local``, ``for``, ``function`` and ``::`` (names with
# no type or a simple type, a parameter list of such names, simple generics, an optional
# simple return type) are matched by one regex and their annotations blanked without
# lexing tokens. A simple type is a name, a one-level table type (``{string}``,
# ``{[K]: V}``), a one-level function type (``(T) -> R``) or ``typeof(...)`` with one level
# of parentheses inside; none may hold a string, a comment, a line break, ``=`` or ``-``
# (other than ``->``). Any other shape (nested or generic types, unions, attributes...) goes
# token by token. tests/dialect/test_prepass.py checks both paths erase the same bytes.
_NAME_TYPE = rb"[A-Za-z_][A-Za-z0-9_.]*(?![A-Za-z0-9_.])"
_FLAT = rb"[^{}()<>\"'`\r\n=-]"
_ARGS = rb"[^()\"'`\r\n=-]"
_SIMPLE_TYPE = (
    rb"(?:typeof\((?:" + _ARGS + rb"|\(" + _ARGS + rb"*\))*\)"
    rb"|" + _NAME_TYPE + rb"|\{" + _FLAT + rb"*\}"
    rb"|\(" + _FLAT + rb"*\)[ \t]*->[ \t]*(?:" + _NAME_TYPE + rb"|\([ \t]*\))"
    rb")\??"
)
_TYPE_ENDS = rb"(?![ \t\r\n]*[-:<|&?.(\[{])"
"""After a type, what would continue it (or be read as part of it) sends to the token path."""
_ANNOTATED = rb"[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])(?:[ \t]*:[ \t]*" + _SIMPLE_TYPE + rb")?"
_ANNOTATED_LIST = rb"(?P<names>(?P<typed>" + _ANNOTATED + rb"(?:[ \t]*,[ \t]*" + _ANNOTATED + rb")*))"
_PARAMS = rb"(?:(?:" + _ANNOTATED + rb"|\.\.\.(?:[ \t]*:[ \t]*" + _SIMPLE_TYPE + rb")?)[ \t]*,?[ \t]*)*"
_PLAIN = {
    b"local": re.compile(rb"local[ \t]+(?:" + _ANNOTATED_LIST + rb"[ \t]*=(?!=)|(?=function[^A-Za-z0-9_]))"),
    b"for": re.compile(rb"for[ \t]+" + _ANNOTATED_LIST + rb"[ \t]*(?:=(?!=)|in[ \t])"),
    b"function": re.compile(
        rb"function(?P<names>(?:[ \t]+[A-Za-z_][A-Za-z0-9_.:]*(?![A-Za-z0-9_.:]))?"
        rb"(?:[ \t]*(?P<gen><[A-Za-z0-9_., \t]*>))?[ \t]*\((?P<typed>[ \t]*" + _PARAMS + rb")\))"
        rb"(?:[ \t]*(?P<ret>:[ \t]*" + _SIMPLE_TYPE + rb"))?" + _TYPE_ENDS
    ),
    b"::": re.compile(rb"::[ \t]*" + _SIMPLE_TYPE + _TYPE_ENDS),
}
# ``[export] type Name[<A, B>] = {`` (the table type is skipped by ``match_bracket``) or
# ``= <simple type>``
_ALIAS = re.compile(
    rb"(?:export[ \t]+)?type[ \t]+[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])(?:[ \t]*<[A-Za-z0-9_., \t]*>)?"
    rb"[ \t]*=[ \t]*(?:(?P<table>\{)|" + _SIMPLE_TYPE + _TYPE_ENDS + rb")"
)
_PLAIN[b"type"] = _PLAIN[b"export"] = _ALIAS
_TYPE_GOES_ON = re.compile(rb"[ \t\r\n]*[-|&?]")
_ANNOTATION = re.compile(rb":[ \t]*" + _SIMPLE_TYPE)
# what makes ``continue`` a name (a call, an index, an assignment target), as Luau decides
_AS_NAME = re.compile(rb"[ \t\r\n]*(?:[(=.\[:,{\"'`]|[-+*/%^]=|//=)")
_CONTEXTUAL = re.compile(rb"(?<![A-Za-z0-9_])(?:type|typeof|export|continue|function)(?![A-Za-z0-9_])")
_BLANK = bytes(b if b in (10, 13) else 32 for b in range(256))
_UNICODE_ESCAPE = re.compile(rb"\\u\{([0-9A-Fa-f]*)\}")
_BLANKS = b" \t\r\n\f\v"
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_DIGITS = frozenset(b"0123456789")
_ENDING_CHARS = frozenset(b"\"'`])};")


def prepare(src: bytes) -> Prepared:
    """Erase the Luau-only type syntax of ``src`` (raises LuauSyntaxError)."""
    eraser = _Eraser(src)
    scan(src, eraser)
    work = bytearray(src)
    for start, end in eraser.blanks:
        work[start:end] = src[start:end].translate(_BLANK)
    parse = bytearray(work)
    for start, replacement in eraser.renames:
        parse[start : start + len(replacement)] = replacement
    return Prepared(
        bytes(work), bytes(parse), tuple(eraser.casts), tuple(eraser.strings), tuple(eraser.templates)
    )


class _Eraser:
    def __init__(self, src: bytes) -> None:
        self.src = src
        self.t = Stream(src, 0)
        self.comments: dict[int, int] = {}  # comment end -> start
        self.blanks: list[tuple[int, int]] = []
        self.renames: list[tuple[int, bytes]] = []
        self.casts: list[int] = []
        self.strings: list[tuple[int, int, bytes]] = []
        self.templates: list[tuple[int, int]] = []

    # -- helpers --------------------------------------------------------------------------
    def text(self, i: int) -> bytes:
        tokens = self.t.tokens
        if i < len(tokens):
            return tokens[i].text
        tok = self.t[i]
        return b"" if tok is None else tok.text

    def is_name(self, i: int) -> bool:
        tok = self.t[i]
        return tok is not None and tok.kind == NAME and tok.text not in KEYWORDS

    def take_name(self, i: int) -> int:
        """Consume the name at ``i`` (renaming a contextual keyword) and return ``i + 1``."""
        tok = self.t[i]
        if tok is not None and tok.text in _RENAMES:
            self.renames.append((tok.start, _RENAMES[tok.text]))
        return i + 1

    def rename(self, tok: Token) -> None:
        self.renames.append((tok.start, _RENAMES[tok.text]))

    def fail(self, i: int, what: str) -> LuauSyntaxError:
        tok = self.t[i]
        if tok is not None:
            near = "'" + tok.text.decode("utf-8", "replace") + "'"
            return LuauSyntaxError(line_of(self.src, tok.start), f"{what} near {near}")
        return LuauSyntaxError(line_of(self.src, len(self.src)), f"{what} near <eof>")

    def blank(self, first: int, after: int) -> None:
        """Blank tokens ``first`` .. ``after - 1`` (and what lies between them)."""
        if after > first:
            self.blanks.append((self.t[first].start, self.t[after - 1].end))

    def before(self, pos: int) -> int:
        """The offset just after the last token before ``pos`` (blanks and comments skipped)."""
        src, comments = self.src, self.comments
        while True:
            while pos > 0 and src[pos - 1] in _BLANKS:
                pos -= 1
            start = comments.get(pos)
            if start is None:
                return pos
            pos = start

    def word_before(self, pos: int) -> bytes:
        start = pos
        while start > 0 and self.src[start - 1] in _WORD:
            start -= 1
        return self.src[start:pos]

    def statement_start(self, i: int) -> bool:
        """Whether token ``i`` can begin a statement (what precedes it ends one)."""
        if i > 0:
            prev = self.t[i - 1]
            if prev.kind == NAME:
                return prev.text not in KEYWORDS or prev.text in _STATEMENT_ENDERS
            if prev.kind in (NUMBER, STRING):
                return True
            return prev.kind == OP and prev.text in _ENDING_OPS
        return self.statement_start_at(self.t[0].start)

    def statement_start_at(self, offset: int) -> bool:
        """``statement_start`` for the token at ``offset``, from the bytes before it."""
        pos = self.before(offset)
        if pos == 0:
            return True
        c = self.src[pos - 1]
        if c in _WORD:
            word = self.word_before(pos)
            return word[0] in _DIGITS or word not in KEYWORDS or word in _STATEMENT_ENDERS
        return c in _ENDING_CHARS or self.src[pos - 3 : pos] == b"..."

    def after_callee(self, i: int) -> bool:
        """Whether token ``i`` follows a name or a closing bracket (``f<<T>>(x)``)."""
        if i > 0:
            prev = self.t[i - 1]
            return (prev.kind == NAME and prev.text not in KEYWORDS) or (
                prev.kind == OP and prev.text in _EXPRESSION_ENDS
            )
        pos = self.before(self.t[0].start)
        if pos == 0:
            return False
        c = self.src[pos - 1]
        if c in _WORD:
            word = self.word_before(pos)
            return word[0] not in _DIGITS and word not in KEYWORDS
        return c in b")]"

    # -- the walk -------------------------------------------------------------------------
    def comment(self, start: int, end: int) -> None:
        self.comments[end] = start

    def template(self, start: int, end: int) -> None:
        self.templates.append((start, end))

    def escaped_string(self, start: int, end: int) -> None:
        """Luau reads an unknown escape (``\\{``, ``\\q``) as the character; Lua 5.4 refuses it."""
        raw = self.src[start:end]
        for m in _UNICODE_ESCAPE.finditer(raw):
            if not m.group(1) or int(m.group(1), 16) > 0x10FFFF:
                raise LuauSyntaxError(
                    line_of(self.src, start), "invalid escape sequence: \\u{...} must be at most 10FFFF"
                )
        fixed = raw[:1] + fix_escapes(raw[1:-1], quote_plain=False) + raw[-1:]
        if fixed != raw:
            self.strings.append((start, end, fixed))

    def trigger(self, start: int, end: int, in_braces: bool) -> int:
        """Handle the trigger at ``start``; returns where the scan goes on."""
        src = self.src
        word = src[start:end]
        if word == b"continue" or word == b"typeof":
            if word == b"typeof" or not self.statement_start_at(start) or _AS_NAME.match(src, end):
                self.renames.append((start, _RENAMES[word]))
            return end
        if (word == b"type" or word == b"export") and _AS_NAME.match(src, end):
            # type(x), t.type = ..., export = ...: plain names
            self.renames.append((start, _RENAMES[word]))
            return end
        plain = _PLAIN.get(word)
        m = None if plain is None else plain.match(src, start)
        if m is not None:
            if word == b"::":
                self.casts.append(start)
                self.blanks.append(m.span())
                return m.end()
            if word == b"type" or word == b"export":
                after = self.plain_alias(m, start)
                if after is not None:
                    return after
            elif m.group("names") is None or not _CONTEXTUAL.search(m.group("names")):
                typed = m.group("typed")
                if typed is not None and b":" in typed:
                    self.blanks += [
                        a.span() for a in _ANNOTATION.finditer(src, m.start("typed"), m.end("typed"))
                    ]
                if word == b"function":
                    if m.group("ret") is not None:
                        self.blanks.append(m.span("ret"))
                    if m.group("gen") is not None:
                        self.blanks.append(m.span("gen"))
                return m.end()
        self.t = Stream(src, start, in_braces=in_braces)
        after = self.dispatch()
        return self.t[after - 1].end

    def plain_alias(self, m: re.Match[bytes], start: int) -> int | None:
        """The end of a type alias matched by ``_ALIAS`` (blanked), or None for the token path."""
        if not self.statement_start_at(start):
            return None
        end = m.end()
        if m.group("table") is not None:
            end = match_bracket(self.src, end, True)
            if end is None or _TYPE_GOES_ON.match(self.src, end):
                return None
        self.blanks.append((start, end))
        return end

    def dispatch(self) -> int:
        tok = self.t[0]
        word = tok.text
        if word == b"local":
            return self.local(1)
        if word == b"for":
            return self.names(1)
        if word == b"function":
            return self.function(1)
        if word in (b"type", b"export") and self.statement_start(0):
            after = self.alias(0)
            if after is not None:
                return after
        if word in _RENAMES:
            self.rename(tok)
            return 1
        if word == b"::":
            self.casts.append(tok.start)
            after = self.type(1)
            self.blank(0, after)
            return after
        if word == b"@":
            return self.attribute(0)
        if self.text(1) == b"<" and self.t[1].start == tok.end and self.after_callee(0):
            after = self.balanced(1, angles=True)
            if self.text(after) != b">":
                raise self.fail(after, "expected '>' to close explicit type instantiation")
            self.blank(0, after + 1)
            return after + 1
        return 1

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
        while (tok := self.t[i]) is not None:
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
        tok = self.t[i]
        if tok is not None:
            end = match_bracket(self.src, tok.end, angles)
            if end is not None:
                self.t.cut(i, end)
                return i + 1
        return self.balanced_tokens(i, angles=angles)

    def balanced_tokens(self, i: int, *, angles: bool) -> int:
        """``balanced`` token by token (exact errors, interpolated strings)."""
        stack = [self.text(i)]
        j = i + 1
        while (tok := self.t[j]) is not None:
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
        tok = self.t[i]
        if tok is None:
            raise self.fail(i, "expected type")
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
