"""``%script start|stop|status|wait|console`` and ``%%script``: detached Lua scripts of a bot.

A detached script runs in its own VM in the process that owns the fleet, keyed by
``(bot, script_id)``; it keeps running after the cell ends.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from seraph_kernel.kernel.magics.base import LineAndCellMagic, MagicContext, MagicUsageError, with_progress

STATUS_FIELDS = ("state", "running", "last_error")
WAIT_POLL_S = 0.05
#: Console lines the progress line of ``%script wait`` keeps.
CONSOLE_TAIL_LINES = 10


async def _script(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    bot_id = await ctx.runner.bot(args.bot)
    fleet = ctx.runner.fleet
    if body is not None:
        await _start(ctx, bot_id, args.script_id, body, args.timeout_ms)
        return
    if args.action == "start":
        if not args.file:
            raise MagicUsageError("%script start needs a Lua file (or use %%script <script_id> on a cell)")
        try:
            source = Path(args.file).expanduser().read_text(encoding="utf-8")
        except OSError as err:
            raise MagicUsageError(f"cannot read {args.file}: {err.strerror}") from None
        await _start(ctx, bot_id, args.script_id, source, args.timeout_ms)
    elif args.action == "stop":
        await fleet.stop(bot_id, args.script_id)
        ctx.print(f"stopped {bot_id}/{args.script_id}")
    elif args.action in ("status", "wait"):
        if args.action == "wait":
            status = await _wait_showing_console(ctx, bot_id, args.script_id, args.timeout)
        else:
            status = await fleet.status(bot_id, args.script_id)
        lines = [f"{bot_id}/{args.script_id}"] + [
            f"  {key}: {_text(status.get(key))}" for key in STATUS_FIELDS
        ]
        error = status.get("error")
        if error:
            lines.append(f"  error: {error.get('code')}: {error.get('message')}")
        ctx.print("\n".join(lines))
    else:
        console = await fleet.console(bot_id, args.script_id)
        lines = [_console_line(line) for line in console.get("lines", [])]
        ctx.print("\n".join(lines) if lines else f"({bot_id}/{args.script_id}: no console lines)")


async def _wait_showing_console(ctx: MagicContext, bot_id: str, script_id: str, timeout_s: float) -> dict:
    """``_wait`` with a progress line: the time waited and the last console lines, as they come
    (``%script console`` shows them all afterwards)."""
    fleet = ctx.runner.fleet
    tail: list[str] = []
    seen: int | None = None

    async def describe(elapsed: float) -> str:
        nonlocal seen
        for line in (await fleet.console(bot_id, script_id, after=seen)).get("lines", []):
            seen = line.get("seq", seen)
            tail.append(_console_line(line))
        del tail[:-CONSOLE_TAIL_LINES]
        return "\n".join([f"waiting for {bot_id}/{script_id} ({elapsed:.1f} s)", *tail])

    return await with_progress(ctx, _wait(fleet, bot_id, script_id, timeout_s), describe)


async def _wait(fleet, bot_id: str, script_id: str, timeout_s: float) -> dict:
    """Poll the status (works the same over a local or remote fleet) until the run ends."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = await fleet.status(bot_id, script_id)
        if not status.get("running"):
            return status
        if time.monotonic() >= deadline:
            raise MagicUsageError(f"{bot_id}/{script_id} still running after {timeout_s:g} s")
        await asyncio.sleep(WAIT_POLL_S)


async def _start(ctx: MagicContext, bot_id: str, script_id: str, source: str, timeout_ms: int | None) -> None:
    await ctx.runner.fleet.execute(bot_id, script_id, source, timeout_ms=timeout_ms)
    ctx.print(f"started {bot_id}/{script_id}")


def _text(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _console_line(line: dict) -> str:
    level = line.get("level", "info")
    return line.get("text", "") if level == "info" else f"[{level}] {line.get('text', '')}"


def _line_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status", "wait", "console"))
    parser.add_argument("script_id", help="the script's id, unique per bot")
    parser.add_argument("file", nargs="?", help="(start) a Lua file to run")
    parser.add_argument("--bot", help="a bot id (default: the %%use bot)")
    parser.add_argument(
        "--timeout-ms", dest="timeout_ms", type=int, help="(start) end the script after this long"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="(wait) give up waiting after this many seconds"
    )


def _cell_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("script_id", help="the script's id, unique per bot")
    parser.add_argument("--bot", help="a bot id (default: the %%use bot)")
    parser.add_argument("--timeout-ms", dest="timeout_ms", type=int, help="end the script after this long")


MAGICS = [
    LineAndCellMagic(
        "script",
        "Detached scripts: start (a file, or %%script on a cell), stop, status, wait (for the end), console.",
        _script,
        _line_arguments,
        cell=True,
        cell_arguments=_cell_arguments,
        cell_synopsis="%%script <script_id> [--bot id] [--timeout-ms N]",
        synopsis="%script start|stop|status|wait|console <script_id> [file] [--bot id] [--timeout-ms N]",
    ),
]
