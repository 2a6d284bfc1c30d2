"""``%workspace`` and ``%reset``: which workspace of the server's fleet this kernel works in.

A kernel under a Jupyter server starts in a fresh workspace of its own (``docs/workspaces.md``):
bots with short ids, its own worlds and ``globalStorage``, deleted when the kernel stops. Sharing
is explicit: ``%workspace shared`` attaches the fleet every client shares, ``%workspace <name>``
a named one other kernels can attach too, and each says so in its output.
"""

from __future__ import annotations

import argparse
from typing import Any

from seraph_kernel.kernel.magics.base import Magic, MagicContext, MagicError

NEW = "new"


def describe(info: dict[str, Any]) -> str:
    """One line saying which workspace the kernel's fleet is and who else sees it."""
    name = info.get("workspace")
    if info.get("kind") == "local":
        return "workspace: this kernel's own fleet (no server: nothing is shared)"
    if name is None:
        return "workspace: none (every bot of the server, with global ids)"
    if name == "shared":
        return "workspace: shared (the server's common fleet: bots and globalStorage shared with everyone)"
    if info.get("owns_workspace"):
        return f"workspace: {name} (this kernel's own; deleted when the kernel stops)"
    return f"workspace: {name} (attached: shared with every kernel that attaches it)"


async def _workspace(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    runner = ctx.runner
    fleet = await runner.fleet.ensure_started()
    if args.name is not None:
        if fleet.kind == "local":
            raise MagicError(
                "this kernel owns its fleet (no Jupyter server with seraph_ext): there is no other "
                "workspace to attach; %seraph attach <url> first"
            )
        if args.name == NEW:
            await runner.fleet.reset()
        else:
            from seraph_kernel.commands.workspaces import workspace_name
            from seraph_kernel.errors import InvalidArgument

            try:
                name = workspace_name(args.name, "name")
            except InvalidArgument as err:
                raise MagicError(f"%workspace: {err}") from None
            await runner.fleet.replace(fleet.workspace(name))
        runner.bot_id = None
    info = await runner.fleet.info()
    bots = await runner.fleet.list_bots()
    ctx.print(f"{describe(info)}\nbots: {len(bots)}" + ("" if args.name is None else "; getClient() unbound"))


async def _reset(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    runner = ctx.runner
    await runner.fleet.reset()
    runner.bot_id = None
    info = await runner.fleet.info()
    ctx.print(f"started over: no bots, fresh worlds and globalStorage (Lua globals kept)\n{describe(info)}")


MAGICS = [
    Magic(
        "workspace",
        "Show this kernel's workspace, or attach another: shared, a name, or new (a fresh own one).",
        _workspace,
        lambda p: p.add_argument("name", nargs="?", help="shared, new, or a workspace name"),
        synopsis="%workspace [shared | new | <name>]",
    ),
    Magic(
        "reset",
        "Start the workspace over: a fresh own workspace (its bots, worlds and globalStorage).",
        _reset,
        synopsis="%reset",
    ),
]
