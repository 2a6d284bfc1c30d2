"""``%snapshot`` and ``%minimap``: widgets that show a bot and its world."""

from __future__ import annotations

import argparse

from seraph_kernel.kernel.magics.base import Magic, MagicContext


async def _snapshot(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    from seraph_kernel.kernel.widgets.snapshot import SnapshotWidget

    bot_id = await ctx.runner.bot(args.bot_id)
    fleet = await ctx.runner.fleet.ensure_started()
    ctx.display(await SnapshotWidget.create(fleet, bot_id, live=not args.static))


async def _minimap(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    from seraph_kernel.kernel.widgets.minimap import MinimapWidget

    bot_ids = [await ctx.runner.bot(bot_id) for bot_id in args.bot_ids or [None]]
    fleet = await ctx.runner.fleet.ensure_started()
    ctx.display(await MinimapWidget.create(fleet, bot_ids, live=args.live))


def _snapshot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bot_id", nargs="?", help="a bot id (default: the %%use bot)")
    parser.add_argument("--static", action="store_true", help="do not update live")


def _minimap_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "bot_ids",
        nargs="*",
        metavar="bot_id",
        help="bots to show (default: the %%use bot); the first one's world",
    )
    parser.add_argument("--live", action="store_true", help="redraw as things move (at most 10 fps)")


MAGICS = [
    Magic(
        "snapshot",
        "Show a bot's status, world, position, gems, level, inventory and last error, live.",
        _snapshot,
        _snapshot_arguments,
        synopsis="%snapshot [bot_id] [--static]",
    ),
    Magic(
        "minimap",
        "Draw the bot's world with a legend, zoom and pan; hover reads a tile, a click walks the bot"
        " there. Several bots share one map.",
        _minimap,
        _minimap_arguments,
        synopsis="%minimap [bot_id ...] [--live]",
    ),
]
