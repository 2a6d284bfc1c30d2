"""Luau tokens, for the pre-pass that erases what the tree-sitter grammar cannot parse.

A real tokenizer (long brackets, escapes, nested interpolated strings), so that no Luau
keyword or type is ever looked for inside a string or a comment. Offsets are byte offsets
into the UTF-8 source, the unit tree-sitter uses too.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from seraph_kernel.dialect.errors import LuauSyntaxError

NAME, NUMBER, STRING, OP, INTERP = range(5)
"""Token kinds; INTERP is an interpolated-string section that opens an expression (ends with {)."""

KEYWORDS = frozenset(
    b"and break do else elseif end false for function if in local nil not or repeat return then true until "
    b"while".split()
)

_TOKEN = re.compile(
    rb"""
    ([ \t\r\n\f\v]+)                                # 1 blanks
  | (--\[(=*)\[)                                    # 2 long comment opener (3: level)
  | (--[^\r\n]*)                                    # 4 line comment
  | ([A-Za-z_][A-Za-z0-9_]*)                        # 5 name or keyword
  | (0[xXbB][0-9A-Za-z_]*|\.?[0-9](?:[0-9A-Za-z_.]|(?<=[eE])[+-])*)  # 6 number
  | (\[(=*)\[)                                      # 7 long string opener (8: level)
  | ("(?:[^"\\\r\n]|\\z[ \t\r\n\f\v]*|\\\r\n?|\\\n\r?|\\.)*"     # 9 quoted string
    |'(?:[^'\\\r\n]|\\z[ \t\r\n\f\v]*|\\\r\n?|\\\n\r?|\\.)*')
  | (\.\.\.|\.\.=|\.\.|//=|//|::|->|[=~<>]=|[-+*/%^]=|[-+*/%^\#&|~<>=(){}\[\];:,.@?`])  # 10 operator
    """,
    re.VERBOSE | re.DOTALL,
)
_TEMPLATE_STOP = re.compile(rb"[`{\\\r\n]")


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


def _valid_number(text: bytes) -> bool:
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
    return not plain.lower().startswith(("inf", "nan")) and "n" not in low


def tokenize(src: bytes) -> list[Token]:
    """All tokens of ``src`` (comments and blanks dropped); raises LuauSyntaxError on a
    lexical error (unfinished string or comment, unexpected character)."""
    tokens: list[Token] = []
    frames: list[int] = []  # brace depth inside each open `...{ interpolation
    match = _TOKEN.match
    i, n = 0, len(src)
    while i < n:
        m = match(src, i)
        if m is None:
            if src[i : i + 1] in (b'"', b"'"):
                stop = src.find(b"\n", i)
                raise LuauSyntaxError(line_of(src, i), f"unfinished string near {_near(src, i, stop)}")
            raise LuauSyntaxError(line_of(src, i), f"unexpected symbol near {_near(src, i, i + 1)}")
        kind = m.lastindex
        end = m.end()
        if kind == 1 or kind == 4:
            pass
        elif kind == 2:
            end = _long_close(src, m.group(3), end, i, "comment")
        elif kind == 5:
            tokens.append(Token(NAME, m.group(5), i, end))
        elif kind == 6:
            number = m.group(6)
            if not _valid_number(number):
                raise LuauSyntaxError(line_of(src, i), f"malformed number near {_near(src, i, end)}")
            tokens.append(Token(NUMBER, number, i, end))
        elif kind == 7:
            end = _long_close(src, m.group(8), end, i, "string")
            tokens.append(Token(STRING, src[i:end], i, end))
        elif kind == 9:
            tokens.append(Token(STRING, m.group(9), i, end))
        else:
            op = m.group(10)
            if op == b"`":
                end = _template(src, i + 1, i, tokens, frames)
            elif op == b"{" and frames:
                frames[-1] += 1
                tokens.append(Token(OP, op, i, end))
            elif op == b"}" and frames:
                if frames[-1] == 0:
                    frames.pop()
                    end = _template(src, end, i, tokens, frames)
                else:
                    frames[-1] -= 1
                    tokens.append(Token(OP, op, i, end))
            else:
                tokens.append(Token(OP, op, i, end))
        i = end
    if frames:
        raise LuauSyntaxError(line_of(src, n), "malformed interpolated string, expected '}' near <eof>")
    return tokens


def _template(src: bytes, i: int, start: int, tokens: list[Token], frames: list[int]) -> int:
    """Scan an interpolated-string section from ``i`` (just after ` or }) to the closing `
    or to an opening { (then push a frame: the lexer goes on with the expression)."""
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
            tokens.append(Token(STRING, src[start : j + 1], start, j + 1))
            return j + 1
        if src[j + 1 : j + 2] == b"{":
            raise LuauSyntaxError(
                line_of(src, j),
                "double braces are not permitted within interpolated strings; did you mean '\\{'?",
            )
        tokens.append(Token(INTERP, src[start : j + 1], start, j + 1))
        frames.append(0)
        return j + 1
