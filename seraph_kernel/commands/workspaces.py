"""The workspace commands (``docs/workspaces.md``): every kernel works in its own workspace of
the server's fleet; these list them and delete one, and ``WORKSPACE`` is the additive argument
of ``list_bots`` (a filter) and ``create_bot`` (where the bot goes)."""

from __future__ import annotations

import re
from typing import Any

from seraph_kernel.commands.spec import FLEET, Arg, Command, Route, keyed
from seraph_kernel.errors import InvalidArgument

#: The workspace every client shares: plain bot ids and the ``global`` storage scope.
SHARED = "shared"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
NAME_RULE = "1-32 characters of a-z 0-9 -, starting with a letter or digit"
#: The HTTP header naming the workspace a request acts in.
WORKSPACE_HEADER = "X-Seraph-Workspace"


def workspace_name(value: Any, field: str = "workspace") -> str:
    """A valid workspace name (``shared`` included); ``InvalidArgument`` otherwise."""
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise InvalidArgument(field, f"expected a workspace name ({NAME_RULE}), got {value!r}")
    return value


WORKSPACE = Arg(
    "workspace",
    str,
    "a workspace name (shared: the common fleet)",
    False,
    check=workspace_name,
    max_length=32,
)

NAME = Arg("name", str, "the workspace", check=lambda v: workspace_name(v, "name"), max_length=32)

COMMANDS = (
    Command(
        "create_workspace",
        "Make a workspace whose world is generated from seed (default: the server's seed).",
        FLEET,
        (
            NAME,
            Arg("seed", int, "the seed of its worlds and default usernames", False, low=0, high=2**63 - 1),
        ),
        rest=(Route("POST", "/api/workspaces", status=201),),
    ),
    Command(
        "list_workspaces",
        "Every workspace with bots or its own world: name, bot count, storage scope, seed.",
        FLEET,
        answer=keyed("workspaces"),
        rest=(Route("GET", "/api/workspaces"),),
    ),
    Command(
        "delete_workspace",
        "Delete a workspace: its bots (their scripts stop), globalStorage, library scripts, world.",
        FLEET,
        (NAME,),
        rest=(Route("DELETE", "/api/workspaces/{name}"),),
    ),
)
