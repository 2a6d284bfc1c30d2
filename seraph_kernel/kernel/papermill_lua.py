"""Papermill parameters for Lua notebooks: ``papermill in.ipynb out.ipynb -p world MINEWORLD``.

Papermill writes the parameters as code in the notebook's language, in a cell it inserts after
the cell tagged ``parameters``; it needs a translator for ``lua``. Papermill (2.x) has no entry
point group for translators, but it loads every ``papermill.engine`` entry point when it is
imported, so ours (``seraph``, papermill's default engine under another name) registers the Lua
translator as it loads. Papermill is optional: only papermill imports this module.
"""

from __future__ import annotations

import math
import re
from typing import Any

from papermill.engines import NBClientEngine
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

from seraph_kernel.kernel.display import lua_quote

_ASSIGNMENT = re.compile(r"^\s*(?:local\s+)?([A-Za-z_]\w*)\s*=\s*(.+?)\s*(?:--\s*(.*))?$")


class LuaTranslator(Translator):
    """Python/JSON/YAML values as Lua 5.4 literals; parameters become globals."""

    @classmethod
    def translate_none(cls, val: None) -> str:
        return "nil"

    @classmethod
    def translate_escaped_str(cls, str_val: Any) -> str:
        return lua_quote(str(str_val))

    @classmethod
    def translate_float(cls, val: float) -> str:
        if math.isnan(val):
            return "(0/0)"
        if math.isinf(val):
            return "math.huge" if val > 0 else "-math.huge"
        return repr(val)

    @classmethod
    def translate_dict(cls, val: dict[Any, Any]) -> str:
        fields = ", ".join(f"[{cls.translate(key)}] = {cls.translate(item)}" for key, item in val.items())
        return "{" + fields + "}"

    @classmethod
    def translate_list(cls, val: list[Any]) -> str:
        return "{" + ", ".join(cls.translate(item) for item in val) + "}"

    @classmethod
    def comment(cls, cmt_str: str) -> str:
        return f"-- {cmt_str}".strip()

    @classmethod
    def inspect(cls, parameters_cell: Any) -> list[Parameter]:
        """``name = value -- help`` lines of the ``parameters`` cell (``papermill
        --help-notebook``); other lines are skipped."""
        found = []
        for line in parameters_cell.source.splitlines():
            match = _ASSIGNMENT.match(line)
            if match:
                name, default, help_text = match.groups()
                found.append(Parameter(name, _lua_type(default), default, help_text or ""))
        return found


def _lua_type(literal: str) -> str:
    if literal in ("true", "false"):
        return "boolean"
    if literal == "nil":
        return "NoneType"
    if literal[:1] in ("'", '"', "["):
        return "string"
    if literal.startswith("{"):
        return "table"
    try:
        float(literal)
    except ValueError:
        return "None"
    return "number"


class SeraphEngine(NBClientEngine):
    """Papermill's default engine, unchanged: the entry point that brings the Lua translator."""


papermill_translators.register("lua", LuaTranslator)
