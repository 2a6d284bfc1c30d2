"""``%lsmagic``, ``%help`` and ``%%lua``: finding your way around the kernel."""

from __future__ import annotations

import argparse

from seraph_kernel.kernel.magics.base import Magic, MagicContext, MagicUsageError


async def _lsmagic(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    registry = ctx.registry
    line = "  ".join(f"%{name}" for name in registry.line_magics())
    cell = "  ".join(f"%%{name}" for name in registry.cell_magics())
    ctx.print(f"Line magics:\n  {line}\nCell magics:\n  {cell}\n%help <magic> explains one.")


async def _help(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    registry = ctx.registry
    if args.magic:
        magic = registry.get(args.magic.lstrip("%"))
        ctx.print(f"{magic.usage}\n\n{magic.help}")
        return
    lines = ["Seraph (Lua): cells are Lua 5.4 bound to the bot chosen with %use.", ""]
    width = max(len(magic.usage) for magic in registry.all())
    lines += [f"  {magic.usage:<{width}}  {magic.help.splitlines()[0]}" for magic in registry.all()]
    lines += ["", "name? shows the documentation of a Lua API function (getClient?, client:warp?)."]
    ctx.print("\n".join(lines))


async def _lua(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    if body is None:
        raise MagicUsageError("%%lua runs the rest of the cell as Lua")
    await ctx.run_lua(body)


MAGICS = [
    Magic("lsmagic", "List every magic.", _lsmagic, synopsis="%lsmagic"),
    Magic(
        "help",
        "Explain the kernel, or one magic.",
        _help,
        lambda p: p.add_argument("magic", nargs="?", help="a magic name, with or without %%"),
        synopsis="%help [magic]",
    ),
    Magic(
        "lua", "Run the cell as Lua (the default for cells).", _lua, line=False, cell=True, synopsis="%%lua"
    ),
]
