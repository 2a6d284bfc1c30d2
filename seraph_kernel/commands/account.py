"""The account commands: Seraph's ``client:refresh()``, which reads the account fields again."""

from __future__ import annotations

from seraph_kernel.commands.bots import ID, bot_route
from seraph_kernel.commands.spec import BOT, Command, LuaMethod, ok

COMMANDS = (
    Command(
        "bot_refresh",
        "Read the account (gems, byte coins, level, xp) from the game server into the snapshot again.",
        BOT,
        (ID,),
        "refresh",
        ok,
        errors=("NOT_CONNECTED", "DISCONNECTED", "TIMEOUT"),
        rest=(bot_route("POST", "refresh"),),
        lua=LuaMethod("refresh"),
    ),
)
