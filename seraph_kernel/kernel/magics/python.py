"""``%%python``: Python in the same kernel, with ``fleet`` and ``lua`` (the cell VM's globals)."""

from __future__ import annotations

import argparse

from seraph_kernel.kernel.magics.base import Magic, MagicContext


async def _python(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    await ctx.run_python(body or "")


MAGICS = [
    Magic(
        "python",
        "Run the cell as Python (IPython); `fleet` is the Fleet, `lua` the Lua globals as plain data.",
        _python,
        line=False,
        cell=True,
        synopsis="%%python",
    ),
]
