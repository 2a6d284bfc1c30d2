"""Errors across actor boundaries: Seraph's errors carry their REST status and fields, and
their constructors take other arguments than ``Exception.args``, so they do not survive
pickling as themselves. They cross as ``(module, class, args, fields)`` and are rebuilt."""

from __future__ import annotations

import importlib
from typing import Any

from seraph_kernel.errors import SeraphError

#: Where an error class may be rebuilt from (a packed error names its module).
ERROR_MODULES = ("seraph_kernel.errors", "seraph_kernel.store.database")

Packed = tuple[str, str, tuple[Any, ...], dict[str, Any]]


def pack_error(err: BaseException) -> Packed:
    """``err`` as plain data; anything but a Seraph error becomes a plain ``SeraphError``."""
    cls = type(err)
    if isinstance(err, SeraphError) and cls.__module__ in ERROR_MODULES:
        return cls.__module__, cls.__name__, tuple(str(a) for a in err.args), dict(vars(err))
    return "seraph_kernel.errors", "SeraphError", (f"{cls.__name__}: {err}",), {}


def unpack_error(packed: Packed) -> SeraphError:
    """The error :func:`pack_error` packed, with its message and fields."""
    module, name, args, fields = packed
    if module not in ERROR_MODULES:
        return SeraphError(*args)
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and issubclass(cls, SeraphError)):
        return SeraphError(*args)
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    vars(err).update(fields)
    return err


def answer(call: Any) -> tuple[bool, Any]:
    """Run ``call()`` as an actor method's body: ``(True, result)`` or ``(False, packed error)``."""
    try:
        return True, call()
    except SeraphError as err:
        return False, pack_error(err)


def result(reply: tuple[bool, Any]) -> Any:
    """The result of an :func:`answer` reply, or its error raised here."""
    ok, value = reply
    if ok:
        return value
    raise unpack_error(value)
