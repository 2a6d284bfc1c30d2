"""``%seraph``: which fleet this kernel uses (local world or a server), and attaching to one."""

from __future__ import annotations

import argparse
import json

from seraph_kernel.errors import SeraphError
from seraph_kernel.kernel.lazy_fleet import remote_fleet
from seraph_kernel.kernel.magics.base import Magic, MagicContext, MagicError, MagicUsageError
from seraph_kernel.kernel.magics.workspace import MAGICS as WORKSPACE_MAGICS
from seraph_kernel.kernel.magics.workspace import describe

VOLATILE = ("sim_address", "db_path", "server_url", "url")
"""Fields that change from run to run (ports, temporary files): shown only with ``-v``."""


async def _seraph(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    session = ctx.runner
    if args.action == "attach":
        if not args.url:
            raise MagicUsageError(
                "%seraph attach needs the server URL\nusage: %seraph attach <url> [--token T]"
            )
        candidate = remote_fleet(args.url, args.token)
        try:
            await candidate.info()  # fails fast on a wrong URL or token, before any stream
        except SeraphError as err:
            await candidate.close()
            raise MagicError(f"cannot attach to {args.url}: {err}") from None
        await session.fleet.replace(candidate)
        ctx.print(f"attached to {args.url}")
    info = await session.fleet.info()
    lines = [f"fleet: {info.get('kind')}"]
    if info.get("kind") == "local":
        lines[0] += " (embedded sim world)" if info.get("sim_embedded") else " (sim server)"
    lines.append(describe(info))
    for key in ("seed",):
        if key in info:
            lines.append(f"{key}: {info[key]}")
    for key in VOLATILE:
        if args.verbose and info.get(key) is not None:
            lines.append(f"{key}: {info[key]}")
    limits = info.get("limits") or {}
    if limits:
        lines.append("limits: " + ", ".join(f"{key}={value}" for key, value in sorted(limits.items())))
    lines.append(f"bot in use: {session.bot_id or 'none (%use <id>)'}")
    if args.verbose:
        lines.append(json.dumps(info, indent=2, sort_keys=True, default=str))
    ctx.print("\n".join(lines))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("attach",), help="attach: use a Seraph server's fleet")
    parser.add_argument("url", nargs="?", help="(attach) the Jupyter server URL, with its base_url")
    parser.add_argument("--token", help="(attach) the server's token")
    parser.add_argument("-v", "--verbose", action="store_true", help="also addresses, paths and raw info")


MAGICS = [
    Magic(
        "seraph",
        "Show the fleet (local or remote), world seed and limits; attach to a server.",
        _seraph,
        _arguments,
        synopsis="%seraph [-v] | %seraph attach <url> [--token T]",
    ),
    # in this family so that the installed entry points need no new group entry
    *WORKSPACE_MAGICS,
]
