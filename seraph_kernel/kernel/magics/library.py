"""``%library`` and ``%%library save``: the saved-script library (002) from a notebook.

``%library`` shows the scripts with their totals; ``%%library save <name>`` makes the cell a
new script or the next version of the script of that name (validated by the compiler first);
``%library run <name>`` starts it on a bot; ``toggle``, ``sessions`` and ``executions`` (a bar
chart of the last 30 days) read and change the rest. Everything goes through the dispatcher,
so it works the same on the kernel's own fleet and on a server's.
"""

from __future__ import annotations

import argparse
import html
from datetime import UTC, datetime
from typing import Any

from seraph_kernel.kernel.magics.base import LineAndCellMagic, MagicContext, MagicError, MagicUsageError
from seraph_kernel.kernel.magics.script import _wait as wait_for_run
from seraph_kernel.library.errors import LibraryError

SCRIPT_COLUMNS = ("name", "id", "version", "enabled", "free_for_all", "executions", "sessions", "running")
SESSION_COLUMNS = ("created", "client_id", "user_key", "version", "state", "ended")
CHART_W, CHART_H, CHART_PAD = 600, 180, 24


class Table:
    """Rows as an aligned ``text/plain`` table and an HTML ``<table>`` (deterministic text)."""

    def __init__(self, columns: tuple[str, ...], rows: list[tuple[Any, ...]], empty: str) -> None:
        self.columns = columns
        self.rows = [tuple(_cell(value) for value in row) for row in rows]
        self.empty = empty

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if not self.rows:
            return {"text/plain": self.empty}
        widths = [max(len(row[i]) for row in [self.columns, *self.rows]) for i in range(len(self.columns))]
        lines = [
            "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
            for row in [self.columns, *self.rows]
        ]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self.rows
        )
        return {
            "text/plain": "\n".join(lines),
            "text/html": f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        }


class ExecutionsChart:
    """Executions per day as an SVG bar chart (``text/plain``: the total and the busiest day)."""

    def __init__(self, name: str, executions: dict[str, int]) -> None:
        self.name = name
        self.executions = executions

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        days = list(self.executions)
        total = sum(self.executions.values())
        busiest = max(days, key=lambda day: self.executions[day]) if total else None
        text = f"{self.name}: {total} execution(s) over {len(days)} days"
        if busiest is not None:
            text += f", most on {busiest} ({self.executions[busiest]})"
        return {"text/plain": text, "image/svg+xml": self.svg()}

    def svg(self) -> str:
        counts = list(self.executions.values())
        top = max(counts, default=0) or 1
        width = (CHART_W - 2 * CHART_PAD) / max(len(counts), 1)
        bars = []
        for index, (day, count) in enumerate(self.executions.items()):
            height = (CHART_H - 2 * CHART_PAD) * count / top
            x = CHART_PAD + index * width
            y = CHART_H - CHART_PAD - height
            bars.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width * 0.8:.1f}" height="{height:.1f}" '
                f'fill="#4a7bd0"><title>{day}: {count}</title></rect>'
            )
        labels = [
            f'<text x="{CHART_PAD + i * width:.1f}" y="{CHART_H - 6}" font-size="10">{day}</text>'
            for i, day in enumerate(self.executions)
            if i % 7 == 0 or i == len(counts) - 1
        ]
        caption = f"{html.escape(self.name)}: executions per day (max {top})"
        title = f'<text x="{CHART_PAD}" y="16" font-size="12">{caption}</text>'
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" '
            f'viewBox="0 0 {CHART_W} {CHART_H}">{title}{"".join(bars)}{"".join(labels)}</svg>'
        )


async def _invoke(ctx: MagicContext, cmd: str, **args: Any) -> Any:
    """A library command; its 002 refusal becomes a readable magic error."""
    try:
        return await ctx.runner.fleet.invoke(cmd, {k: v for k, v in args.items() if v is not None})
    except LibraryError as err:
        text = err.message if err.code is None else f"{err.message} (code {err.code})"
        if "parser_output" in err.extra:
            text += f"\n{err.extra['parser_output']}"
        raise MagicError(text) from None


async def find_script(ctx: MagicContext, name: str) -> dict[str, Any] | None:
    """The script named ``name`` (or with that id); ``MagicError`` when the name is ambiguous."""
    scripts = (await _invoke(ctx, "library_list"))["scripts"]
    by_id = [s for s in scripts if s["id"] == name]
    if by_id:
        return by_id[0]
    named = [s for s in scripts if s["name"] == name]
    if len(named) > 1:
        ids = ", ".join(s["id"] for s in named)
        raise MagicError(f"{len(named)} library scripts are named {name!r} ({ids}): use an id")
    return named[0] if named else None


async def _require(ctx: MagicContext, name: str) -> dict[str, Any]:
    script = await find_script(ctx, name)
    if script is None:
        raise MagicError(f"no library script named {name!r} (see %library)")
    return script


async def _save(ctx: MagicContext, args: argparse.Namespace, body: str) -> None:
    script = await find_script(ctx, args.name)
    if script is None:
        made = await _invoke(ctx, "library_create", name=args.name, script=body, project_id=args.project)
        ctx.print(f"saved {args.name} as {made['script']['id']} (version 1)")
    else:
        version = (await _invoke(ctx, "library_update", script_id=script["id"], script=body))["version"]
        ctx.print(f"saved {args.name} ({script['id']}) as version {version}")


async def _library(ctx: MagicContext, args: argparse.Namespace, body: str | None) -> None:
    if body is not None:
        await _save(ctx, args, body)
        return
    action = args.action or "list"
    if action == "list":
        scripts = (await _invoke(ctx, "library_list", project_id=args.project))["scripts"]
        rows = [
            (
                s["name"],
                s["id"],
                s["version"],
                s["enabled"],
                s["free_for_all"],
                s["total_executions"],
                s["total_sessions"],
                s["total_instances"],
            )
            for s in scripts
        ]
        ctx.display(
            Table(SCRIPT_COLUMNS, rows, "(the library is empty: save a cell with %%library save <name>)")
        )
        return
    if not args.name:
        raise MagicUsageError(f"%library {action} needs a script name")
    script = await _require(ctx, args.name)
    if action == "run":
        bot_id = await ctx.runner.bot(args.bot)
        answer = await _invoke(ctx, "library_execute", script_id=script["id"], client_id=bot_id, key=args.key)
        session = answer["session"]
        ctx.print(f"started {args.name} v{session['version']} on {bot_id} (run {bot_id}/{script['id']})")
        if args.wait:
            status = await wait_for_run(ctx.runner.fleet, bot_id, script["id"], args.timeout)
            ctx.print(f"{args.name} on {bot_id}: {status.get('state')}")
    elif action == "toggle":
        state = not script["enabled"] if args.state is None else args.state == "on"
        await _invoke(ctx, "library_toggle", script_id=script["id"], state=state)
        ctx.print(f"{args.name} is {'enabled' if state else 'disabled'}")
    elif action == "sessions":
        sessions = (await _invoke(ctx, "library_sessions", script_id=script["id"], limit=args.limit))[
            "sessions"
        ]
        rows = [
            (
                _time(s["created_at"]),
                s["client_id"],
                s["user_key"],
                s["version"],
                s["state"],
                _time(s["ended_at"]),
            )
            for s in sessions
        ]
        ctx.display(Table(SESSION_COLUMNS, rows, f"({args.name} has no sessions)"))
    else:
        executions = (await _invoke(ctx, "library_executions", script_id=script["id"]))["executions"]
        ctx.display(ExecutionsChart(args.name, executions))


#: Actions whose next word is a script name.
NAMED_ACTIONS = ("run", "toggle", "sessions", "executions")


async def complete_names(fleet: Any, words: list[str], typed: str) -> list[str] | None:
    """Actions after ``%library``; script names after ``%library <action>`` and ``%%library save``."""
    if words == ["library"]:
        return [action for action in ("list", *NAMED_ACTIONS) if action.startswith(typed)]
    if len(words) != 2 or words[0] != "library" or words[1] not in (*NAMED_ACTIONS, "save"):
        return None
    scripts = (await fleet.invoke("library_list", {}))["scripts"]
    return sorted({s["name"] for s in scripts if s["name"].startswith(typed)})


def _time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


def _line_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("list", "run", "toggle", "sessions", "executions"))
    parser.add_argument("name", nargs="?", help="a library script's name (or id)")
    parser.add_argument("state", nargs="?", choices=("on", "off"), help="(toggle) default: flip")
    parser.add_argument("--bot", help="(run) a bot id (default: the %%use bot)")
    parser.add_argument("--key", help="(run) a key of the script, when it is not free for all")
    parser.add_argument("--wait", action="store_true", help="(run) wait until the run ends")
    parser.add_argument("--timeout", type=float, default=120.0, help="(run --wait) give up after this long")
    parser.add_argument("--project", help="(list) only this project's scripts")
    parser.add_argument("--limit", type=int, default=20, help="(sessions) how many, newest first")


def _cell_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("save", choices=("save",))
    parser.add_argument("name", help="the script's name: a new script, or the next version of it")
    parser.add_argument("--project", help="(new scripts) the project it belongs to")


MAGICS = [
    LineAndCellMagic(
        "library",
        "The script library: list, save a cell (%%library save), run, toggle, sessions, executions.",
        _library,
        _line_arguments,
        cell=True,
        cell_arguments=_cell_arguments,
        cell_synopsis="%%library save <name> [--project id]",
        synopsis="%library [list|run|toggle|sessions|executions] [name] [on|off] [--bot id] [--key K]",
        complete=complete_names,
    ),
]
