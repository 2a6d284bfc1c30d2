"""Reading request bodies and query strings into checked Python values.

Every check raises :class:`~seraph_kernel.errors.InvalidArgument` naming the field, which the
error envelope turns into ``400 {"error": "<field>: <what is wrong>", "field": "<field>"}``.
Bodies are parsed as JSON whatever their ``Content-Type`` (``curl -d`` sends a form type).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from seraph_kernel.commands.spec import json_type, shown
from seraph_kernel.errors import InvalidArgument

#: Upper bound of ``?timeout_ms`` on the world queries; larger values are clamped to it.
MAX_QUERY_TIMEOUT_MS = 60_000
#: Upper bound of a script's run timeout (``timeout_ms`` of ``/api/scripts/execute``): 24 h.
MAX_RUN_TIMEOUT_MS = 86_400_000
#: Ids (bots, clients, scripts) and storage keys longer than this are refused.
MAX_ID_LENGTH = 256
#: Deepest nesting of arrays and objects in a request body (400 beyond), so no later step
#: (storage, the answer's encoding, Lua tables) recurses without bound. Room for the deepest
#: table a script can store (about 100 levels) inside ``/invoke``'s ``{"args": {"value": …}}``.
MAX_JSON_DEPTH = 128

#: A ``\u`` escape of a UTF-16 surrogate: the only way a JSON text can hold a string that is
#: not valid Unicode (checked only when one appears).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no", ""}


def parse_body(raw: bytes, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}`` unless ``required``. Bodies
    nested deeper than :data:`MAX_JSON_DEPTH` or holding strings that are not valid Unicode
    (lone surrogates such as ``"\\ud800"``) are refused like malformed ones."""
    if not raw.strip():
        if required:
            raise InvalidArgument("body", "expected a JSON object, got an empty body")
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument("body", "not UTF-8 text") from None
    try:
        data = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except ValueError as err:
        raise InvalidArgument("body", f"malformed JSON ({err})") from None
    except RecursionError:
        raise InvalidArgument("body", _too_deep()) from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and nested_deeper_than(data, MAX_JSON_DEPTH):
        raise InvalidArgument("body", _too_deep())
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as err:
            bad = err.object[err.start : err.end].encode("unicode_escape").decode("ascii")
            problem = f"a string holds {bad}, a lone surrogate (not Unicode text)"
            raise InvalidArgument("body", problem) from None
    if not isinstance(data, dict):
        raise InvalidArgument("body", f"expected a JSON object, got {type(data).__name__}")
    return data


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (a scalar is 0,
    ``[]`` is 1). Iterative, so any depth is measured without recursion."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {shown(text)} is out of range")
    return number


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _too_deep() -> str:
    return f"arrays and objects nested deeper than {MAX_JSON_DEPTH} levels"


def require_str(data: Mapping[str, Any], name: str, max_length: int | None = MAX_ID_LENGTH) -> str:
    """A non-empty string field."""
    if name not in data or data[name] is None:
        raise InvalidArgument(name, "required")
    return _check_str(name, data[name], max_length)


def optional_str(data: Mapping[str, Any], name: str, max_length: int | None = MAX_ID_LENGTH) -> str | None:
    """A non-empty string field, or ``None`` when absent or null."""
    if data.get(name) is None:
        return None
    return _check_str(name, data[name], max_length)


def require_int(data: Mapping[str, Any], name: str, low: int | None = None, high: int | None = None) -> int:
    """An integer field (JSON booleans and floats are refused) within ``[low, high]``."""
    if name not in data or data[name] is None:
        raise InvalidArgument(name, "required")
    return _check_int(name, data[name], low, high)


def optional_int(
    data: Mapping[str, Any], name: str, low: int | None = None, high: int | None = None
) -> int | None:
    """An integer field, or ``None`` when absent or null."""
    if data.get(name) is None:
        return None
    return _check_int(name, data[name], low, high)


def optional_dict(data: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A JSON object field, or ``None``."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidArgument(name, f"expected an object, got {json_type(value)}")
    return value


def query_int(value: str | None, name: str, low: int | None = None, high: int | None = None) -> int | None:
    """A query-string integer, or ``None`` when absent."""
    if value is None:
        return None
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        raise InvalidArgument(name, f"expected an integer, got {shown(value)}") from None
    return _check_int(name, number, low, high)


def require_query_int(value: str | None, name: str, low: int | None = None, high: int | None = None) -> int:
    """A required query-string integer."""
    number = query_int(value, name, low, high)
    if number is None:
        raise InvalidArgument(name, "required")
    return number


def query_timeout_ms(value: str | None) -> int | None:
    """``?timeout_ms``: a positive integer; values above :data:`MAX_QUERY_TIMEOUT_MS` are
    clamped to it so a client cannot park a request for days."""
    number = query_int(value, "timeout_ms", low=1)
    return None if number is None else min(number, MAX_QUERY_TIMEOUT_MS)


def query_bool(value: str | None, name: str) -> bool:
    """``?wait=true``-style flags: 1/true/yes or 0/false/no (absent is false)."""
    if value is None:
        return False
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidArgument(name, f"expected true or false, got {shown(value)}")


def require_query_str(value: str | None, name: str) -> str:
    """A required, non-empty query-string value."""
    if value is None:
        raise InvalidArgument(name, "required")
    return _check_str(name, value, MAX_ID_LENGTH)


def _check_str(name: str, value: Any, max_length: int | None) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(name, f"expected a string, got {json_type(value)}")
    if not value:
        raise InvalidArgument(name, "must not be empty")
    if max_length is not None and len(value) > max_length:
        raise InvalidArgument(name, f"longer than {max_length} characters")
    return value


def _check_int(name: str, value: Any, low: int | None, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(name, f"expected an integer, got {json_type(value)}")
    if low is not None and value < low:
        raise InvalidArgument(name, f"must be at least {low}, got {value}")
    if high is not None and value > high:
        raise InvalidArgument(name, f"must be at most {high}, got {value}")
    return value


def query_value(arg: Any, text: str) -> Any:
    """A query-string value as the JSON value the command's argument ``arg`` expects: integers
    and booleans are parsed, strings are kept (the command checks them)."""
    if arg.kind is int:
        try:
            return int(text.strip())
        except ValueError:
            raise InvalidArgument(arg.name, f"expected an integer, got {shown(text)}") from None
    if arg.kind is bool:
        return query_bool(text, arg.name)
    return text
