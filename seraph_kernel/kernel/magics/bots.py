"""``%bots``, ``%use``, ``%create_bot``, ``%connect``, ``%disconnect``: the fleet's bots."""

from __future__ import annotations

import argparse

from seraph_kernel.kernel.magics.base import Magic, MagicContext, game_error


async def _bots(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    from seraph_kernel.kernel.widgets.fleet_table import FleetTable

    fleet = await ctx.runner.fleet.ensure_started()
    ctx.display(await FleetTable.create(fleet, live=not args.static))


async def _use(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    snapshot = await ctx.runner.use(args.bot_id)
    ctx.print(f"getClient() is {args.bot_id} ({snapshot.get('status')})")


async def _create_bot(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    snapshot = await ctx.runner.fleet.create_bot(args.bot_id, username=args.username, backend=args.backend)
    bot_id = snapshot["id"]
    note = ""
    if ctx.runner.bot_id is None:
        await ctx.runner.use(bot_id)
        note = "; getClient() is this bot"
    ctx.print(f"created {bot_id} ({snapshot.get('username')}){note}")


async def _connect(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    bot_id = await ctx.runner.bot(args.bot_id)
    code = await ctx.runner.fleet.connect(bot_id, wait=True)
    if code:
        raise game_error(f"connect {bot_id}", code)
    snapshot = await ctx.runner.fleet.get_bot(bot_id)
    ctx.print(f"{bot_id}: {snapshot['status']}")


async def _disconnect(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    bot_id = await ctx.runner.bot(args.bot_id)
    await ctx.runner.fleet.disconnect(bot_id)
    ctx.print(f"{bot_id}: disconnected")


def _optional_bot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bot_id", nargs="?", help="a bot id (default: the %%use bot)")


def _create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bot_id", nargs="?", help="the new bot's id (default: bot-1, bot-2, ...)")
    parser.add_argument("--username", help="the account name (default: derived from the id)")
    parser.add_argument("--backend", default="sim", help="the backend plugin (default: sim)")


MAGICS = [
    Magic(
        "bots",
        "Show every bot of the fleet as a live table (status, world, position).",
        _bots,
        lambda p: p.add_argument("--static", action="store_true", help="do not update live"),
        synopsis="%bots [--static]",
    ),
    Magic(
        "use",
        "Bind getClient() in Lua cells to a bot.",
        _use,
        lambda p: p.add_argument("bot_id", help="a bot id (see %%bots)"),
        synopsis="%use <bot_id>",
    ),
    Magic(
        "create_bot",
        "Create a bot (not connected); the first one is used by getClient().",
        _create_bot,
        _create_arguments,
        synopsis="%create_bot [bot_id] [--username NAME] [--backend sim]",
    ),
    Magic(
        "connect",
        "Connect a bot and wait until it is at the menu (menu_ready).",
        _connect,
        _optional_bot,
        synopsis="%connect [bot_id]",
    ),
    Magic(
        "disconnect", "Disconnect a bot cleanly.", _disconnect, _optional_bot, synopsis="%disconnect [bot_id]"
    ),
]
