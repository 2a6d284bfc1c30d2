"""What a magic is and what it may use: the plugin contract of ``seraph.magics``.

A magic family is a module exposing ``MAGICS``, a list of :class:`Magic` objects; the entry
point names that list (``bots = "seraph_kernel.kernel.magics.bots:MAGICS"``). A magic declares its
arguments with argparse; bad arguments answer with the magic's usage as an error, and the
kernel keeps its state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from seraph_kernel.errors import SeraphError


class MagicUsageError(SeraphError):
    """Bad arguments: the message is the error and the magic's usage."""


class MagicError(SeraphError):
    """The magic ran but failed (a game error code, no bot selected...)."""


def game_error(what: str, code: str) -> MagicError:
    """A magic's game-level failure with the code's meaning, in the words REST uses
    (``walk_to 0 0 (bot-1): OTHER: the action failed (for walk_to: the target is unreachable)``)."""
    from seraph_kernel.commands import action_error

    return MagicError(f"{what}: {action_error(code)}")


class Progress(Protocol):
    """A line of a cell's output that changes while a long magic runs."""

    def update(self, text: str) -> None:
        """Show ``text`` in place of the previous one."""

    def close(self) -> None:
        """Empty the line: the magic prints its result as usual."""


class MagicContext(Protocol):
    """What the kernel hands a magic."""

    runner: Any  # seraph_kernel.kernel.cell_runner.CellRunner
    registry: Any  # seraph_kernel.kernel.magics.registry.MagicRegistry

    def print(self, text: str) -> None:
        """Write a line to the cell's stdout."""

    def display(self, obj: Any) -> None:
        """Show a widget or any object with a rich repr in the cell's output."""

    def progress(self) -> Progress:
        """A new progress line in the cell's output (empty until updated)."""

    async def run_lua(self, source: str) -> None:
        """Run Lua in the cell VM as a normal cell would (``%%lua``)."""

    async def run_python(self, source: str) -> None:
        """Run Python in the kernel's IPython shell (``%%python``)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, with a one-line ``%magic`` usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise MagicUsageError(
            f"{self.prog}: {message}\nusage: {self.format_usage().removeprefix('usage: ').strip()}"
        )

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise MagicUsageError(message or self.format_usage().strip())


T = TypeVar("T")
PROGRESS_PERIOD_S = 0.25


async def with_progress(
    ctx: MagicContext, work: Awaitable[T], describe: Callable[[float], Awaitable[str]]
) -> T:
    """Await ``work`` while a progress line shows ``describe(elapsed seconds)``, at once and
    then every :data:`PROGRESS_PERIOD_S`. The line is emptied at the end, so a cell's kept
    output (what nbval compares, what a notebook saves) does not depend on timing. A failing
    ``describe`` only skips that update."""
    line = ctx.progress()
    task = asyncio.ensure_future(work)
    started = time.monotonic()
    try:
        while True:
            with contextlib.suppress(Exception):
                line.update(await describe(time.monotonic() - started))
            done, _ = await asyncio.wait({task}, timeout=PROGRESS_PERIOD_S)
            if done:
                return task.result()
    finally:
        if not task.done():
            task.cancel()
        line.close()


Runner = Callable[[MagicContext, argparse.Namespace, "str | None"], Awaitable[None]]
ArgumentsSpec = Callable[[argparse.ArgumentParser], None]
#: ``complete(fleet, words, typed)``: the matches for the argument being typed (``words`` are
#: the ones before it, the magic's name first), or ``None`` to let the kernel complete it.
Completer = Callable[[Any, list[str], str], Awaitable["list[str] | None"]]


@dataclass
class Magic:
    """One magic: ``%name`` (line), ``%%name`` (cell), or both.

    ``run(ctx, args, body)`` gets parsed arguments and the cell body (``None`` for a line
    magic). ``arguments(parser)`` declares the arguments; ``synopsis`` overrides the usage
    line argparse would write; ``complete`` completes arguments from the fleet.
    """

    name: str
    help: str
    run: Runner
    arguments: ArgumentsSpec = lambda parser: None
    line: bool = True
    cell: bool = False
    synopsis: str | None = None
    complete: Completer | None = None
    parser: argparse.ArgumentParser = field(init=False, repr=False)

    def __post_init__(self) -> None:
        prefix = "%" if self.line else "%%"
        self.parser = _Parser(
            prog=f"{prefix}{self.name}",
            usage=self.synopsis.replace("%", "%%") if self.synopsis else None,
            description=self.help,
            add_help=False,
            formatter_class=lambda prog: argparse.HelpFormatter(prog, width=200),
        )
        self.arguments(self.parser)

    @property
    def usage(self) -> str:
        """``%name <args>``: the magic's ``synopsis``, or as argparse words it."""
        return self.parser.format_usage().removeprefix("usage: ").strip()

    def parse(self, args: str) -> argparse.Namespace:
        """Split like a shell and parse; raises :class:`MagicUsageError`."""
        try:
            words = shlex.split(args)
        except ValueError as err:
            raise MagicUsageError(f"{self.parser.prog}: {err}\nusage: {self.usage}") from None
        return self.parser.parse_args(words)

    async def __call__(self, ctx: MagicContext, args: str, body: str | None) -> None:
        if body is None and not self.line:
            raise MagicUsageError(f"%{self.name} is a cell magic: use %%{self.name} on a cell's first line")
        if body is not None and not self.cell:
            raise MagicUsageError(f"%%{self.name} is not a cell magic: use %{self.name} on a line")
        await self.run(ctx, self.parse(args), body)


@dataclass
class LineAndCellMagic(Magic):
    """One name, two grammars: ``%name <action> ...`` (``arguments``) and ``%%name ...`` on a
    cell (``cell_arguments``, usage ``cell_synopsis``); both call ``run``."""

    cell_arguments: ArgumentsSpec = lambda parser: None
    cell_synopsis: str | None = None
    cell_magic: Magic = field(init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cell_magic = Magic(
            self.name,
            self.help,
            self.run,
            self.cell_arguments,
            line=False,
            cell=True,
            synopsis=self.cell_synopsis,
        )

    async def __call__(self, ctx: MagicContext, args: str, body: str | None) -> None:
        if body is not None:
            await self.cell_magic(ctx, args, body)
        else:
            await super().__call__(ctx, args, None)

    @property
    def usage(self) -> str:
        return f"{super().usage}\n       {self.cell_magic.usage}"
