"""The public API: LuauSyntaxError, is_luau, translate (and translate_chunk, syntax_error)
from several threads, chunk names."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from seraph_kernel.dialect import LuauSyntaxError, is_luau, syntax_error, translate, translate_chunk

SOURCES = [
    "local x: number = 1\nx += 1\nreturn x",
    "local s = `{1 + 1}`\nreturn s",
    "for i = 1, 3 do if i == 2 then continue end end",
    "return 1 + 1",
]


def test_error_attributes():
    err = LuauSyntaxError(3, "expected 'end' near <eof>")
    assert (err.line, err.message, str(err)) == (
        3,
        "expected 'end' near <eof>",
        "3: expected 'end' near <eof>",
    )
    assert isinstance(err, Exception)


def test_translate_from_threads():
    expected = [translate(src) for src in SOURCES]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(translate, SOURCES * 25))
    assert results == expected * 25


def test_chunk_name_does_not_change_the_output_or_the_error_line():
    src = "local x: number = 1\nlocal y = (\n"
    assert translate(SOURCES[0], "cell_7") == translate(SOURCES[0])
    with pytest.raises(LuauSyntaxError) as info:
        translate(src, "cell_7")
    assert info.value.line == 3


def test_is_luau_matches_what_translate_changes():
    for src in SOURCES:
        assert is_luau(src) == (translate(src) != src)


def test_translate_chunk_tells_the_dialect():
    for src in SOURCES:
        chunk = translate_chunk(src)
        assert (chunk.text, chunk.luau) == (translate(src), is_luau(src))


@pytest.mark.parametrize(
    "src", ["local x: number = 1\nlocal y = (\n", "x = = 1", "x +=", "local s = `{`", "return 1", SOURCES[0]]
)
def test_syntax_error_is_what_translate_raises(src):
    try:
        translate(src, "cell")
    except LuauSyntaxError as err:
        expected = str(err)
    else:
        expected = None
    found = syntax_error(src, "cell")
    assert (None if found is None else str(found)) == expected
