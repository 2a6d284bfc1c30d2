"""Writing to a script's console from outside it: what another bot's ``client:console():add``
(Seraph's console handles) needs, through ``/invoke`` as well as in-process."""

from __future__ import annotations

from seraph_kernel.commands.scripts import KEY
from seraph_kernel.commands.spec import FLEET, Arg, Command, json_type, ok
from seraph_kernel.errors import InvalidArgument

#: Longest line accepted (a console keeps at most 16 KiB of one line and cuts the rest).
MAX_TEXT_LENGTH = 16 * 1024


def console_text(value: object) -> str:
    """Any string (an empty line too); a longer one than a console keeps is refused."""
    if not isinstance(value, str):
        raise InvalidArgument("text", f"expected a string, got {json_type(value)}")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidArgument("text", f"longer than {MAX_TEXT_LENGTH} characters")
    return value


COMMANDS = (
    Command(
        "seraph_console_add",
        "Append an info line to a script's console (it streams as a log event like a print).",
        FLEET,
        (*KEY, Arg("text", object, "the line", check=console_text)),
        answer=ok,
    ),
)
