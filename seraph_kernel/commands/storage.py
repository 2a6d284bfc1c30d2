"""The storage commands: the Lua ``storage`` / ``globalStorage`` key-value store, so a
RemoteFleet (and any program) shares it with the server's scripts."""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands.spec import FLEET, Arg, Command, Route, keyed, ok
from seraph_kernel.commands.workspaces import NAME_PATTERN
from seraph_kernel.errors import InvalidArgument

#: The scope of Lua ``storage`` in a script with no bound bot (Seraph's namespace name).
NO_PARENT_SCOPE = "__noparent__"


def storage_scope(scope: str) -> str:
    """``global``, ``bot:<id>``, ``__noparent__`` or ``workspace:<name>`` (a workspace's
    ``globalStorage``)."""
    if scope in ("global", NO_PARENT_SCOPE) or (scope.startswith("bot:") and len(scope) > 4):
        return scope
    if scope.startswith("workspace:") and NAME_PATTERN.fullmatch(scope[len("workspace:") :]):
        return scope
    raise InvalidArgument(
        "scope", f"expected 'global', 'bot:<id>', '{NO_PARENT_SCOPE}' or 'workspace:<name>', got {scope!r}"
    )


def storage_key(key: object) -> str:
    """Any non-empty string."""
    if not isinstance(key, str) or not key:
        raise InvalidArgument("key", f"expected a non-empty string, got {key!r}")
    return key


SCOPE = Arg("scope", str, "global, bot:<id>, __noparent__ or workspace:<name>", check=storage_scope)
KEY = Arg("key", object, "the key: any non-empty string", check=storage_key)


def scope_route(method: str, key: bool = False, **options: Any) -> Route:
    return Route(method, "/api/storage/{scope}" + ("/{key:.+}" if key else ""), **options)


COMMANDS = (
    Command(
        "storage_keys",
        "The keys of a scope.",
        FLEET,
        (SCOPE,),
        answer=keyed("keys"),
        rest=(scope_route("GET"),),
    ),
    Command(
        "storage_clear",
        "Delete every key of a scope.",
        FLEET,
        (SCOPE,),
        answer=ok,
        rest=(scope_route("DELETE"),),
    ),
    Command(
        "storage_get",
        "A value; a missing key reads as null.",
        FLEET,
        (SCOPE, KEY),
        answer=keyed("value"),
        rest=(scope_route("GET", key=True),),
    ),
    Command(
        "storage_set",
        "Store any JSON value under a key.",
        FLEET,
        (SCOPE, KEY, Arg("value", object, "any JSON value", nullable=True)),
        answer=ok,
        rest=(scope_route("PUT", key=True),),
    ),
    Command(
        "storage_delete",
        "Delete a key; whether it existed.",
        FLEET,
        (SCOPE, KEY),
        answer=keyed("deleted"),
        rest=(scope_route("DELETE", key=True),),
    ),
)
