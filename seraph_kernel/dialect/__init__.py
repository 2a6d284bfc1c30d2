"""Luau for Seraph: translate Luau source to Lua 5.4, line for line, plus a Luau library.

``translate(source)`` returns Lua 5.4 text for a Luau or Lua 5.4 source (a source that
compiles as Lua 5.4 keeps its meaning); ``install_luau_stdlib(runtime, env)`` (in
``seraph_kernel.dialect.stdlib``) adds the Luau library and the ``__luau_*`` helpers the
translated code calls. See docs/luau.md.
"""

from seraph_kernel.dialect.errors import LuauSyntaxError
from seraph_kernel.dialect.translate import Translation, is_luau, syntax_error, translate, translate_chunk

__all__ = ["LuauSyntaxError", "Translation", "is_luau", "syntax_error", "translate", "translate_chunk"]
