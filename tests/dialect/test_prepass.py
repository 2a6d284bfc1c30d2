"""The pre-pass fast paths (one regex for common ``local``/``for``/``function`` shapes, one
search for bracketed groups) must erase exactly what the token-by-token path erases."""

from __future__ import annotations

import random

import pytest

from seraph_kernel.dialect import erase, lexer, translate

NAMES = ["x", "item", "self", "type", "_v2", "continue"]
TYPES = [
    "number",
    "string?",
    "Item0",
    "Types.Foo",
    "{string}",
    "{[string]: number}",
    "(number) -> ()",
    "typeof(setmetatable({}, mt))",
    "Map<string, number>",
    '"a" | "b"',
    "any",
    "nil",
    "T...",
    "...number",
    "{T}",
    "{[string]: {number}}",
    "{ name: string, count: number }?",
    "(T) -> number",
    "(a: number, b: string) -> ()?",
    "(T) -> number | nil",
    "typeof(setmetatable({}, { __index = mt }))",
    "typeof(x.y)?",
    "{string} | number",
    "{ f: (number) -> () }",
]
AFTER = [" end", "\n  return 1\nend", " -- note\nend", "\n(f)()\nend", " return {} end"]


def shapes(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        params = ", ".join(
            rng.choice(NAMES) + (f": {rng.choice(TYPES)}" if rng.random() < 0.6 else "")
            for _ in range(rng.randrange(4))
        )
        name = rng.choice(["", " f", " a.b", " a.b:c", " m:type"])
        ret = f": {rng.choice(TYPES)}" if rng.random() < 0.5 else ""
        generics = rng.choice(["", "", "", "<T>", " <T, U...>", "<K = string>"])
        return f"local g = function{name}{generics}({params}){ret}{rng.choice(AFTER)}"
    if kind == 1:
        names = ", ".join(
            rng.choice(NAMES[:5]) + (f": {rng.choice(TYPES)}" if rng.random() < 0.5 else "")
            for _ in range(rng.randrange(1, 3))
        )
        return f"local {names} = 1, 2"
    if kind == 2:
        names = ", ".join(
            rng.choice(["k", "v", "i"]) + (f": {rng.choice(TYPES)}" if rng.random() < 0.4 else "")
            for _ in range(rng.randrange(1, 3))
        )
        return f"for {names} in t do end"
    if kind == 3:
        return f"local x = (y :: {rng.choice(TYPES)})"
    if kind == 5:
        head = rng.choice(["type", "export type", "export  type"])
        generics = rng.choice(["", "<K, V>", "<T = string>", " <T...>"])
        tables = ["{\n  name: string,\n  tags: {string}?,\n}", "{ a: `x` }", "{ -- c\n a: b }"]
        body = rng.choice([*TYPES, *tables])
        tail = rng.choice(["", "\nlocal z = 1", "\n| nil", "?", " -- note\nprint(1)", "\n(f)()"])
        return f"{head} Alias{generics} = {body}{tail}"
    tail = rng.choice(["", "\nprint(x)", "\n(f)()", " -- note", ", 2", "\n| nil", " == z"])
    return f"x = y :: {rng.choice(TYPES)}{tail}"


def slow_prepare(src: bytes, monkeypatch: pytest.MonkeyPatch) -> erase.Prepared:
    with monkeypatch.context() as m:
        m.setattr(erase, "_PLAIN", {})
        m.setattr(erase, "match_bracket", lambda *args: None)
        return erase.prepare(src)


def test_fast_paths_equal_the_token_path(monkeypatch):
    rng = random.Random(11)
    for _ in range(1500):
        src = "\n".join(shapes(rng) for _ in range(3)).encode()
        fast = erase.prepare(src)
        slow = slow_prepare(src, monkeypatch)
        assert fast == slow, src.decode()


def test_fast_paths_on_the_benchmark_module(monkeypatch):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "luau_translate.py"
    spec = importlib.util.spec_from_file_location("luau_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    src = module.source_of(module.MODULE, 300).encode()
    assert erase.prepare(src) == slow_prepare(src, monkeypatch)
    assert translate(src.decode()).count("\n") == src.count(b"\n")


def test_bracket_skip_handles_strings_comments_and_arrows():
    src = b'{ a: "}", b: (number) -> (), -- }\n c: Map<K, V>, --[[ } ]] d: "\\"" }'
    assert lexer.match_bracket(src, 1, True) == len(src)
    assert lexer.match_bracket(b"(a < b) x", 1, False) == 7
    assert lexer.match_bracket(b"(`{x}`) x", 1, False) is None
    assert lexer.match_bracket(b"(] x", 1, False) is None
