"""The server side of the tutorial (``TUTORIAL2``): which step may follow which, and what it
does to the account's ``tutorial_state``.

NOT_STARTED (0) --join TUTORIAL2--> CHARACTER_CREATION (1) --create_character-->
TUTORIAL_WORLD (2) --exit, standing on the spawn pod--> COMPLETED (3). The client then warps
to ``PIXELSTATION``. The sim's tutorial ends at COMPLETED; the PHASE_* values are never set.
"""

from __future__ import annotations

from seraph_kernel.sim import catalog as c
from seraph_kernel.sim.accounts import USERNAME_RE, Account
from seraph_kernel.sim.world import Player, RuleError, World
from seraph_kernel.sim.worldgen import TUTORIAL
from seraph_kernel.vocab import TUTORIAL_STATES

NOT_STARTED = TUTORIAL_STATES["NOT_STARTED"]
CHARACTER_CREATION = TUTORIAL_STATES["CHARACTER_CREATION"]
TUTORIAL_WORLD = TUTORIAL_STATES["TUTORIAL_WORLD"]
COMPLETED = TUTORIAL_STATES["COMPLETED"]


def on_join(account: Account, world: World) -> bool:
    """Entering the tutorial world starts character creation; whether the state changed."""
    if world.name == TUTORIAL and account.tutorial_state == NOT_STARTED:
        account.tutorial_state = CHARACTER_CREATION
        return True
    return False


def step(account: Account, world: World | None, player: Player | None, name: str, nick: str | None) -> None:
    """Advance the tutorial by the step ``name``; :class:`RuleError` when out of order."""
    if world is None or player is None or world.name != TUTORIAL:
        raise RuleError(f"tutorial: step {name!r} needs the player in {TUTORIAL}", "NOT_IN_WORLD")
    if name == "create_character":
        if account.tutorial_state != CHARACTER_CREATION:
            raise RuleError(f"tutorial: create_character in state {account.tutorial_state}")
        if nick is not None:
            if not isinstance(nick, str) or not USERNAME_RE.match(nick):
                raise RuleError(f"tutorial: invalid nick {nick!r}")
            account.nick = nick
        account.tutorial_state = TUTORIAL_WORLD
    elif name == "exit":
        if account.tutorial_state != TUTORIAL_WORLD:
            raise RuleError(f"tutorial: exit in state {account.tutorial_state}")
        if world.fg[player.y * world.width + player.x] != c.SPAWN_POD:
            raise RuleError(f"tutorial: exit needs the player on the spawn pod, not ({player.x},{player.y})")
        account.tutorial_state = COMPLETED
    else:
        raise RuleError(f"tutorial: unknown step {name!r}")
