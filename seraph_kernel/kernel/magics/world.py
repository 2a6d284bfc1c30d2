"""``%warp``, ``%leave``, ``%walk_to``: moving the bot between and within worlds."""

from __future__ import annotations

import argparse
import math
from typing import Any

from seraph_kernel.errors import ActionError
from seraph_kernel.kernel.magics.base import Magic, MagicContext, MagicError, game_error, with_progress
from seraph_kernel.kernel.widgets.text import position_text


async def _warp(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    bot_id = await ctx.runner.bot(args.bot)
    if not args.create:
        await _refuse_unknown_world(ctx.runner.fleet, bot_id, args.world)
    fleet = ctx.runner.fleet

    async def describe(elapsed: float) -> str:
        status = (await fleet.get_bot(bot_id)).get("status")
        return f"{bot_id} warping to {args.world}: {status} ({elapsed:.1f} s)"

    code = await with_progress(ctx, fleet.warp(bot_id, args.world, wait=True), describe)
    if code:
        raise game_error(f"warp {bot_id} to {args.world}", code)
    snapshot = await ctx.runner.fleet.get_bot(bot_id)
    where = position_text(snapshot.get("player_position"))
    ctx.print(f"{bot_id} is in {snapshot.get('current_world')} at {where}")


async def _refuse_unknown_world(fleet: Any, bot_id: str, world: str) -> None:
    """Joining any valid name makes a new world, so a typo (``MINEWROLD``) would quietly land
    the bot in an empty one. A world is known when it is built in (its ``world_info`` has
    flags: hub, tutorial, mine), has players, or the bot visited it before; otherwise this
    raises, unless ``--create`` asked for a new world. The game's own refusals (an invalid
    name, a bot not connected) are left to the warp itself."""
    try:
        info = await fleet.world_info(bot_id, world)
        if info.get("flags") or info.get("player_count"):
            return
        name = str(info.get("name") or world)
        if any(row.get("name") == name for row in await fleet.recent_worlds(bot_id)):
            return
    except ActionError:
        return
    raise MagicError(
        f"warp {bot_id} to {world}: WORLD_NOT_FOUND: no world {name} is known (not built in, nobody "
        f"is in it, {bot_id} never visited it); %warp {world} --create makes a new one"
    )


async def _leave(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    bot_id = await ctx.runner.bot(args.bot)
    code = await ctx.runner.fleet.leave(bot_id)
    if code:
        raise game_error(f"leave {bot_id}", code)
    ctx.print(f"{bot_id}: menu_ready")


async def _walk_to(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    bot_id = await ctx.runner.bot(args.bot)
    fleet = ctx.runner.fleet
    route = await fleet.get_path(bot_id, args.x, args.y)
    tiles = [tuple(tile) for tile in route]
    walked = 0

    async def describe(elapsed: float) -> str:
        nonlocal walked
        position = (await fleet.get_bot(bot_id)).get("player_position") or {}
        here = (math.floor(position.get("map_x", 0)), math.floor(position.get("map_y", 0)))
        if here in tiles:
            walked = max(walked, tiles.index(here) + 1)
        return (
            f"{bot_id} walking to ({args.x}, {args.y}): {walked} of {len(tiles)} tiles walked, "
            f"{len(tiles) - walked} to go ({elapsed:.1f} s)"
        )

    code = await with_progress(ctx, fleet.walk_to(bot_id, args.x, args.y), describe)
    if code:
        raise game_error(f"walk_to {args.x} {args.y} ({bot_id})", code)
    snapshot = await ctx.runner.fleet.get_bot(bot_id)
    ctx.print(f"{bot_id} is at {position_text(snapshot.get('player_position'))}")


def _bot_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bot", help="a bot id (default: the %%use bot)")


def _warp_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("world", help="the world's name")
    parser.add_argument(
        "--create", action="store_true", help="join even a world nobody knows (joining makes it)"
    )
    _bot_option(parser)


def _walk_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("x", type=int, help="tile column")
    parser.add_argument("y", type=int, help="tile row")
    _bot_option(parser)


MAGICS = [
    Magic(
        "warp",
        "Join a world (following redirects) and wait until in it.",
        _warp,
        _warp_arguments,
        synopsis="%warp <world> [--create] [--bot id]",
    ),
    Magic("leave", "Leave the world, back to the menu.", _leave, _bot_option, synopsis="%leave [--bot id]"),
    Magic(
        "walk_to",
        "Walk to a tile along the A* path; waits until there.",
        _walk_to,
        _walk_arguments,
        synopsis="%walk_to <x> <y> [--bot id]",
    ),
]
