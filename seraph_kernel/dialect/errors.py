"""The one error a Luau source can raise while it is translated."""

from __future__ import annotations


class LuauSyntaxError(Exception):
    """A syntax error in the user's Luau (or Lua) source.

    ``line`` is 1-based and counts the user's lines (translation keeps every line where it
    was), so the caller can print it as ``lua compile: <line>: <message>``.
    """

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"
