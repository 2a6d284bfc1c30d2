"""Reading request bodies and query strings into checked Python values.

Every check raises :class:`~seraph_kernel.errors.InvalidArgument` naming the field, which the
error envelope turns into ``400 {"error": "<field>: <what is wrong>", "field": "<field>"}``.
Bodies are parsed as JSON whatever their ``Content-Type`` (``curl -d`` sends a form type).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from seraph_kernel.commands.spec import json_type
from seraph_kernel.errors import InvalidArgument

#: Upper bound of ``?timeout_ms`` on the world queries; larger values are clamped to it.
MAX_QUERY_TIMEOUT_MS = 60_000
#: Upper bound of a script's run timeout (``timeout_ms`` of ``/api/scripts/execute``): 24 h.
MAX_RUN_TIMEOUT_MS = 86_400_000
#: Ids (bots, clients, scripts) and storage keys longer than this are refused.
MAX_ID_LENGTH = 256

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no", ""}


def parse_body(raw: bytes, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}`` unless ``required``."""
    if not raw.strip():
        if required:
            raise InvalidArgument("body", "expected a JSON object, got an empty body")
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument("body", "not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise InvalidArgument("body", f"malformed JSON ({err})") from None
    if not isinstance(data, dict):
        raise InvalidArgument("body", f"expected a JSON object, got {type(data).__name__}")
    return data


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
        raise InvalidArgument(name, f"expected an integer, got {value!r}") from None
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
    raise InvalidArgument(name, f"expected true or false, got {value!r}")


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
            raise InvalidArgument(arg.name, f"expected an integer, got {text!r}") from None
    if arg.kind is bool:
        return query_bool(text, arg.name)
    return text
