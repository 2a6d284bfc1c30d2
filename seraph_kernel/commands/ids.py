"""Which new ids are accepted: a bot id is a path segment of every ``/api/bots/{id}`` route and
a script key is what clients put in URLs to reach a run, so both are refused at creation
unless a URL carries them unchanged (``..`` would climb out of ``/api/bots/``, ``/`` would
split the segment, ``?`` and ``#`` would end the path, ``%`` would be read as an escape).

Only creation checks them (``create_bot``, ``seraph_execute``): reads, stops and deletes take
any string, so an id stored before these rules existed can still be reached through
``/invoke`` (and deleted).
"""

from __future__ import annotations

import string
import unicodedata
from typing import Any

from seraph_kernel.commands.spec import json_type
from seraph_kernel.errors import InvalidArgument

MAX_BOT_ID_LENGTH = 64
MAX_SCRIPT_ID_LENGTH = 256
BOT_ID_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
BOT_ID_RULE = f"1-{MAX_BOT_ID_LENGTH} characters of A-Z a-z 0-9 _ . - other than '.' and '..'"
SCRIPT_ID_RULE = (
    f"1-{MAX_SCRIPT_ID_LENGTH} characters other than '.' and '..', without / \\ ? # %, "
    "control characters, or whitespace at either end"
)
#: Characters that change what a URL path means.
URL_SPECIAL = frozenset("/\\?#%")
DOT_SEGMENTS = (".", "..")


def new_bot_id(value: Any) -> str:
    """The id of a bot being created; ``InvalidArgument`` saying what is wrong otherwise (the
    argument's ``rule`` adds what is allowed)."""
    if not isinstance(value, str):
        raise InvalidArgument("id", f"expected a string, got {json_type(value)}")
    problem = _length_problem(value, MAX_BOT_ID_LENGTH) or _dot_problem(value)
    if problem is None:
        bad = next((char for char in value if char not in BOT_ID_CHARS), None)
        problem = None if bad is None else f"contains {bad!r}"
    if problem is not None:
        raise InvalidArgument("id", problem)
    return value


def bot_id_problem(value: str) -> str | None:
    """Why ``value`` would be refused as a new bot's id, or ``None``."""
    try:
        new_bot_id(value)
    except InvalidArgument as err:
        return str(err).partition(": ")[2]
    return None


def new_script_id(value: Any) -> str:
    """The ``script_id`` of a run being started (any language, spaces inside allowed)."""
    if not isinstance(value, str):
        raise InvalidArgument("script_id", f"expected a string, got {json_type(value)}")
    problem = _length_problem(value, MAX_SCRIPT_ID_LENGTH) or _dot_problem(value)
    if problem is None and value != value.strip():
        problem = "starts or ends with whitespace"
    for char in value if problem is None else ():
        category = unicodedata.category(char)
        if char in URL_SPECIAL or category == "Cc":
            problem = f"contains {char!r}"
        elif category == "Cs":
            problem = f"contains {char!r}, a lone surrogate (not Unicode text)"
        if problem is not None:
            break
    if problem is not None:
        raise InvalidArgument("script_id", problem)
    return value


def _length_problem(value: str, longest: int) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > longest:
        return f"longer than {longest} characters"
    return None


def _dot_problem(value: str) -> str | None:
    return f"{value!r} is a path step, not a name" if value in DOT_SEGMENTS else None
