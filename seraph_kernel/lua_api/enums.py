"""``Errors``, ``Status``, ``TutorialState`` and ``WorldCount``: the enum tables of
lua-api.md, from the values in :mod:`seraph_kernel.vocab` so Lua and Python never disagree."""

from __future__ import annotations

from typing import Any

from seraph_kernel.vocab import ERROR_CODES, STATUSES, TUTORIAL_STATES, WORLD_COUNTS


def install(ctx: Any) -> None:
    """Add the enum tables to ``ctx.env``."""
    ctx.env.Errors = ctx.to_lua({code: code for code in ERROR_CODES})
    ctx.env.Status = ctx.to_lua({status.upper(): status.upper() for status in STATUSES})
    ctx.env.TutorialState = ctx.to_lua(dict(TUTORIAL_STATES))
    ctx.env.WorldCount = ctx.to_lua(dict(WORLD_COUNTS))
