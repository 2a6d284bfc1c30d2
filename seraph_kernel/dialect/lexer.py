"""Luau lexing for the pre-pass that erases what the tree-sitter grammar cannot parse.

Two tools, both real lexers (long brackets, escapes, nested interpolated strings), so that
no Luau keyword or type is ever looked for inside a string or a comment:

- ``scan`` walks the whole source but stops only at strings, comments and *triggers* (the
  few tokens where a type or a contextual keyword can start); a C regex search jumps over
  everything else, which keeps the pre-pass fast.
- ``Stream`` lexes tokens on demand from one position (the pre-pass reads a handful of
  tokens after each trigger).

Offsets are byte offsets into the UTF-8 source, the unit tree-sitter uses too.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Protocol

from seraph_kernel.dialect.errors import LuauSyntaxError

NAME, NUMBER, STRING, OP, INTERP = range(5)
"""Token kinds; INTERP is an interpolated-string section that opens an expression (ends with {)."""

KEYWORDS = frozenset(
    b"and break do else elseif end false for function if in local nil not or repeat return then true until "
    b"while".split()
)

_ESCAPED = rb"\\z[ \t\r\n\f\v]*|\\\r\n?|\\\n\r?|\\."
_QUOTED = rb'("(?:[^"\\\r\n]|' + _ESCAPED + rb")*\"|'(?:[^'\\\r\n]|" + _ESCAPED + rb")*')"

_TOKEN = re.compile(
    rb"""
    [ \t\r\n\f\v]*
    (?:
        ([A-Za-z_][A-Za-z0-9_]*)                                        # 1 name or keyword
      | (\.\.\.|\.\.=|\.\.|//=|//|::|->|[=~<>]=|[-+*/%^]=|-(?!-)|\.(?![0-9])
        |\[(?!=*\[)|[+*/%^\#&|~<>=(){}\];:,@?`])                          # 2 operator
      | (0[xXbB][0-9A-Za-z_]*|\.?[0-9](?:[0-9A-Za-z_.]|(?<=[eE])[+-])*)  # 3 number
      | """
    + _QUOTED
    + rb"""                                                           # 4 quoted string
      | (--(?!\[=*\[)[^\r\n]*)                                            # 5 line comment
      | (--\[(=*)\[)                                                     # 6 long comment opener (7: level)
      | (\[(=*)\[)                                                       # 8 long string opener (9: level)
    )
    """,
    re.VERBOSE,
)

TRIGGER_WORDS = frozenset([b"local", b"for", b"function", b"typeof", b"type", b"export", b"continue"])
# No capture groups: sre can then skip ahead to the possible first bytes at C speed.
_SCAN_SOURCE = (
    rb"--\[=*\[|--[^\r\n]*|\[=*\[|"
    + _QUOTED[1:-1]  # the two quoted forms as top-level branches (keeps sre's first-byte skip)
    + rb"""|["'`]|local|for|function|typeof|type|export|continue|::|@|<<"""
)
_SCAN = re.compile(_SCAN_SOURCE)
_SCAN_BRACES = re.compile(_SCAN_SOURCE + rb"|[{}]")
_QUOTED_RE = re.compile(_QUOTED)
_LONG_OPEN = re.compile(rb"\[(=*)\[")
_BLANKS = re.compile(rb"[ \t\r\n\f\v]*")
_NUMBER = re.compile(rb"0[xXbB][0-9A-Za-z_]*|\.?[0-9](?:[0-9A-Za-z_.]|(?<=[eE])[+-])*")
_TEMPLATE_STOP = re.compile(rb"[`{\\\r\n]")


_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_TRIGGER_STARTS = frozenset(b"lftec")  # first bytes of the trigger words


class Token(NamedTuple):
    """One token: its kind, its bytes and where it is."""

    kind: int
    text: bytes
    start: int
    end: int


def line_of(src: bytes, offset: int) -> int:
    """The 1-based line of a byte offset."""
    return src.count(b"\n", 0, offset) + 1


def _near(src: bytes, start: int, end: int) -> str:
    if start >= len(src):
        return "<eof>"
    return "'" + src[start:end].decode("utf-8", "replace") + "'"


def _long_close(src: bytes, level: bytes, after: int, start: int, what: str) -> int:
    close = b"]" + level + b"]"
    end = src.find(close, after)
    if end < 0:
        raise LuauSyntaxError(
            line_of(src, len(src)),
            f"unfinished long {what} (starting at line {line_of(src, start)}) near <eof>",
        )
    return end + len(close)


def _unfinished_string(src: bytes, start: int) -> LuauSyntaxError:
    stop = src.find(b"\n", start)
    return LuauSyntaxError(line_of(src, start), f"unfinished string near {_near(src, start, stop)}")


def template_section(src: bytes, i: int, start: int) -> tuple[int, bool]:
    """Scan an interpolated-string section from ``i`` (just after ` or }): returns the
    offset after the closing ` (and False) or after an opening { (and True)."""
    n = len(src)
    while True:
        m = _TEMPLATE_STOP.search(src, i)
        if m is None or m.group() in (b"\r", b"\n"):
            stop = n if m is None else m.start()
            raise LuauSyntaxError(
                line_of(src, start),
                f"malformed interpolated string; did you forget to add a '`'? near {_near(src, start, stop)}",
            )
        c = m.group()
        j = m.start()
        if c == b"\\":
            i = j + 3 if src[j + 1 : j + 3] == b"\r\n" else j + 2
            continue
        if c == b"`":
            return j + 1, False
        if src[j + 1 : j + 2] == b"{":
            raise LuauSyntaxError(
                line_of(src, j),
                "double braces are not permitted within interpolated strings; did you mean '\\{'?",
            )
        return j + 1, True


def number_at(src: bytes, pos: int) -> bytes:
    """The numeral that starts at ``pos``, as Luau's lexer reads it (greedy)."""
    m = _NUMBER.match(src, pos)
    return m.group() if m else b""


def valid_number(text: bytes) -> bool:
    """Luau numerals: decimal (with exponent), 0x hex, 0b binary, ``_`` separators."""
    plain = text.replace(b"_", b"").decode("ascii", "replace")
    low = plain.lower()
    try:
        if low.startswith("0b"):
            int(low[2:], 2)
        elif low.startswith("0x"):
            int(low[2:], 16)
        else:
            float(plain)
    except ValueError:
        return False
    return "n" not in low


class Stream:
    """Tokens from ``pos`` on, lexed on demand: ``stream[k]`` is the k-th token or None at
    the end. With ``in_braces`` the stream ends at the ``}`` that closes the interpolation
    it starts in."""

    def __init__(self, src: bytes, pos: int, *, in_braces: bool = False) -> None:
        self.src = src
        self.pos = pos
        self.tokens: list[Token] = []
        self.frames: list[int] = []  # brace depth inside each open `...{ interpolation
        self.depth = 0
        self.in_braces = in_braces
        self.done = False

    def __getitem__(self, k: int) -> Token | None:
        tokens = self.tokens
        if k < len(tokens):
            return tokens[k]
        if not self.done:
            self._fill(k + 2)
        return tokens[k] if k < len(tokens) else None

    def _fill(self, k: int) -> None:
        """Lex until there are more than ``k`` tokens or the stream ends."""
        src, tokens, match, new = self.src, self.tokens, _TOKEN.match, tuple.__new__
        append = tokens.append
        pos = self.pos
        while len(tokens) <= k:
            m = match(src, pos)
            if m is None:
                i = _BLANKS.match(src, pos).end()
                if i >= len(src):
                    self.done = True
                    break
                if src[i : i + 1] in (b'"', b"'"):
                    raise _unfinished_string(src, i)
                stop = i + 1
                while stop < len(src) and 0x80 <= src[stop] < 0xC0:  # the whole UTF-8 character
                    stop += 1
                raise LuauSyntaxError(line_of(src, i), f"unexpected symbol near {_near(src, i, stop)}")
            kind = m.lastindex
            end = m.end()
            if kind == 1:
                text = m.group(1)
                append(new(Token, (NAME, text, end - len(text), end)))
            elif kind == 2:
                end = self._operator(m.group(2), end)
                if self.done:
                    break
            elif kind == 3:
                number = m.group(3)
                start = end - len(number)
                if not valid_number(number):
                    raise LuauSyntaxError(
                        line_of(src, start), f"malformed number near {_near(src, start, end)}"
                    )
                append(new(Token, (NUMBER, number, start, end)))
            elif kind == 4:
                text = m.group(4)
                append(new(Token, (STRING, text, end - len(text), end)))
            elif kind == 6:
                end = _long_close(src, m.group(7), end, m.start(6), "comment")
            elif kind == 8:
                start = m.start(8)
                end = _long_close(src, m.group(9), end, start, "string")
                append(new(Token, (STRING, src[start:end], start, end)))
            pos = end
        self.pos = pos

    def cut(self, i: int, end: int) -> None:
        """Make token ``i`` (an opening bracket) span the whole bracketed group up to
        ``end``, skipped at once, and go on lexing from there. The token then reads as its
        closing bracket (for what follows, the group ended an expression)."""
        tok = self.tokens[i]
        del self.tokens[i + 1 :]
        self.tokens[i] = Token(tok.kind, self.src[end - 1 : end], tok.start, end)
        self.pos = end
        self.done = False

    def _operator(self, op: bytes, end: int) -> int:
        start = end - len(op)
        frames = self.frames
        if op == b"`" or (op == b"}" and frames and frames[-1] == 0):
            if op == b"}":
                frames.pop()
            after, opened = template_section(self.src, end, start)
            self.tokens.append(Token(INTERP if opened else STRING, self.src[start:after], start, after))
            if opened:
                frames.append(0)
            return after
        if op == b"{":
            if frames:
                frames[-1] += 1
            else:
                self.depth += 1
        elif op == b"}":
            if frames:
                frames[-1] -= 1
            elif self.in_braces and self.depth == 0:
                self.done = True
                return start
            else:
                self.depth -= 1
        self.tokens.append(Token(OP, op, start, end))
        return end


_BRACKET_SCAN = re.compile(rb"[()\[\]{}<>\"'`]|--")
_CLOSING = {41: 40, 93: 91, 125: 123, 62: 60}


def match_bracket(src: bytes, pos: int, angles: bool) -> int | None:
    """The offset after the bracket that closes ``src[pos - 1]``, skipping strings and
    comments; ``<``/``>`` count only with ``angles`` (types), ``->`` never closes. None
    when the text holds something unusual (an interpolated string, a mismatch): the caller
    then goes token by token."""
    stack = [src[pos - 1]]
    search = _BRACKET_SCAN.search
    while True:
        m = search(src, pos)
        if m is None:
            return None
        start, end = m.span()
        c = src[start]
        if c == 45:  # --
            long = _LONG_OPEN.match(src, end)
            if long:
                end = _long_close(src, long.group(1), long.end(), start, "comment")
            else:
                end = src.find(b"\n", end)
                if end < 0:
                    return None
        elif c == 34 or c == 39:
            quoted = _QUOTED_RE.match(src, start)
            if quoted is None:
                return None
            end = quoted.end()
        elif c == 96:
            return None
        elif c in (40, 91, 123) or (c == 60 and angles):
            stack.append(c)
        elif c in (41, 93, 125) or (c == 62 and angles and src[start - 1] != 45):
            if stack[-1] != _CLOSING[c]:
                return None
            stack.pop()
            if not stack:
                return end
        pos = end


class Visitor(Protocol):
    """What ``scan`` reports."""

    def trigger(self, start: int, end: int, in_braces: bool) -> int:
        """A trigger token at ``start``; returns the offset where the scan goes on."""

    def comment(self, start: int, end: int) -> None:
        """A comment."""

    def escaped_string(self, start: int, end: int) -> None:
        """A quoted string with a backslash in it."""

    def template(self, start: int, end: int) -> None:
        """An interpolated string (after the ones nested in it)."""


def scan(src: bytes, visitor: Visitor) -> None:
    """Walk ``src`` and report its comments, strings to fix and triggers to ``visitor``.
    Other strings are skipped; interpolated strings are followed into their expressions."""
    _scan(src, 0, False, visitor)


def _scan(src: bytes, pos: int, in_braces: bool, visitor: Visitor) -> int:
    search = (_SCAN_BRACES if in_braces else _SCAN).search
    n = len(src)
    depth = 0
    while True:
        m = search(src, pos)
        if m is None:
            if in_braces:
                raise LuauSyntaxError(
                    line_of(src, n), "malformed interpolated string, expected '}' near <eof>"
                )
            return n
        start, end = m.span()
        c = src[start]
        if c == 45:  # -- (long: --[=*[)
            if src[end - 1] == 91 and _LONG_OPEN.fullmatch(src, start + 2, end):
                end = _long_close(src, src[start + 3 : end - 1], end, start, "comment")
            visitor.comment(start, end)
        elif c == 91:  # [=*[
            end = _long_close(src, m.group()[1:-1], end, start, "string")
        elif c == 34 or c == 39:  # " '
            if end - start == 1:
                raise _unfinished_string(src, start)
            if src.find(b"\\", start, end) >= 0:
                visitor.escaped_string(start, end)
        elif c == 96:  # `
            end = _template(src, end, start, visitor)
            visitor.template(start, end)
        elif c == 123:  # {
            depth += 1
        elif c == 125:  # }
            if depth == 0:
                return end
            depth -= 1
        elif c in _TRIGGER_STARTS and (
            (start > 0 and src[start - 1] in _WORD_BYTES) or (end < n and src[end] in _WORD_BYTES)
        ):
            while end < n and src[end] in _WORD_BYTES:
                end += 1
        else:
            end = visitor.trigger(start, end, in_braces)
        pos = end


def _template(src: bytes, i: int, start: int, visitor: Visitor) -> int:
    while True:
        i, opened = template_section(src, i, start)
        if not opened:
            return i
        i = _scan(src, i, True, visitor)
