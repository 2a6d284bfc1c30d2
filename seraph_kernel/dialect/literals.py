"""Luau literals -> Lua 5.4 literals (string escapes, numerals)."""

from __future__ import annotations

import re

_ESCAPE = re.compile(rb'\\(.)|"', re.DOTALL)
_BACKSLASH = re.compile(rb"\\(.)", re.DOTALL)
_LUA_ESCAPES = frozenset(b"abfnrtvxzu0123456789\\\"'\n\r")
_BIG = 2**53


def fix_escapes(raw: bytes, quote_plain: bool) -> bytes:
    """Luau string escapes -> Lua 5.4 ones: an unknown escape (``\\{``, ``\\```, ``\\q``)
    is the character itself in Luau but an error in Lua. With ``quote_plain`` also escape
    bare double quotes (for text that is put between double quotes)."""

    def one(m: re.Match[bytes]) -> bytes:
        c = m.group(1)
        if c is None:
            return b'\\"'
        return m.group(0) if c[0] in _LUA_ESCAPES else c

    if b"\\" not in raw and not (quote_plain and b'"' in raw):
        return raw
    return (_ESCAPE if quote_plain else _BACKSLASH).sub(one, raw)


def fix_number(text: bytes) -> bytes | None:
    """Luau numerals -> Lua: binary ``0b``, ``_`` separators, integers past 2^53 (Luau
    numbers are doubles: such literals become float literals, as Luau rounds them)."""
    plain = text.replace(b"_", b"")
    low = plain.lower()
    try:
        if low.startswith(b"0b"):
            value = int(low[2:], 2)
        elif low.startswith(b"0x"):
            if b"." in low or b"p" in low:
                return plain if plain != text else None
            value = int(low[2:], 16)
        elif plain.isdigit():
            value = int(plain)
        else:
            return plain if plain != text else None
    except ValueError:
        return None
    if value >= _BIG:
        return repr(float(value)).encode()
    out = str(value).encode()
    return out if out != text else None
