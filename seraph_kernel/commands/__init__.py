"""The dispatcher: every bot, script, storage and catalog operation as one named command.

``COMMANDS`` maps each name to its :class:`~seraph_kernel.commands.spec.Command` declaration.
``POST /invoke {"cmd", "args"}`` reaches any of them, ``GET /api/commands`` lists them, the REST
sugar routes and the Lua client's methods are made from them, and ``Fleet.invoke`` runs them.
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands import (
    account,
    backpack,
    bots,
    catalog,
    consoles,
    library,
    scripting,
    scripts,
    storage,
    workspaces,
    worlds,
)
from seraph_kernel.commands.spec import BOT, FLEET, Arg, Command, LuaMethod, Route, action_error
from seraph_kernel.errors import InvalidArgument, UnknownCommand

MODULES = (
    bots,
    scripts,
    storage,
    catalog,
    library,
    account,
    consoles,
    scripting,
    backpack,
    worlds,
    workspaces,
)
COMMANDS: dict[str, Command] = {command.name: command for module in MODULES for command in module.COMMANDS}


def get_command(name: object) -> Command:
    """The declaration of ``name``; ``UnknownCommand`` (404) otherwise."""
    command = COMMANDS.get(name) if isinstance(name, str) else None
    if command is None:
        raise UnknownCommand(str(name))
    return command


def checked(name: object, args: dict[str, Any] | None) -> tuple[Command, dict[str, Any]]:
    """The declaration of ``name`` and ``args`` checked against it; an ``InvalidArgument``
    names the command too (every fleet's ``invoke`` starts here)."""
    command = get_command(name)
    try:
        return command, command.check(args)
    except InvalidArgument as err:
        err.command = command.name
        raise


__all__ = [
    "BOT",
    "COMMANDS",
    "FLEET",
    "Arg",
    "Command",
    "LuaMethod",
    "Route",
    "action_error",
    "checked",
    "get_command",
]
