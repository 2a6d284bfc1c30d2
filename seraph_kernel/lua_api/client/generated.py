"""A ``Client`` method made from a command declaration: ``client:drop(blockId, amount)`` for
``bot_drop``. The Lua arguments are the command's arguments after ``id``, in order; Lua numbers
become integers where the command wants one (``3.0`` is ``3``); the answer follows the Lua
conventions (``nil`` or an ``Errors.*`` code for actions; the declared field otherwise)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from seraph_kernel.commands import Command
from seraph_kernel.lua_api.client.conventions import game_call, require_int, require_str
from seraph_kernel.lua_api.client.state import ClientState


def lua_param(name: str) -> str:
    """``block_id`` -> ``blockId``: how the argument is named in Lua error messages."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def command_binding(state: ClientState, command: Command) -> Callable[..., Awaitable[Any]]:
    """The coroutine behind ``client:<lua name>(...)`` (its first argument is the bot id)."""
    assert command.lua is not None
    lua_name = command.lua.name
    params = [arg for arg in command.args if arg.name != "id"]
    if command.lua.params is not None:
        params = [command.arg(name) for name in command.lua.params]

    async def call(client_id: str, *values: Any) -> Any:
        args: dict[str, Any] = {"id": client_id}
        for arg, value in zip(params, values, strict=False):
            if value is not None and arg.kind is int:
                value = require_int(lua_name, lua_param(arg.name), value)
            elif value is not None and arg.kind is str:
                value = require_str(lua_name, lua_param(arg.name), value)
            args[arg.name] = value
        answer = await game_call(lua_name, state.fleet.invoke(command.name, args))
        if isinstance(answer, str):  # a game-level failure: its Errors.* code
            return answer
        if command.lua.unwrap:
            return answer[command.lua.unwrap]
        # an action (``{"ok": true, ...}``: its details are for REST) answers nil
        return None if isinstance(answer, dict) and answer.get("ok") is True else answer

    call.__name__ = lua_name
    return call
