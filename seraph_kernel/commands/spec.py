"""What a command declaration is made of: its arguments, where it runs, what it answers, its
REST sugar routes and its Lua method.

A command is declared once (``commands/bots.py`` and its siblings); argument checking, the REST
sugar routes, ``POST /invoke``, ``GET /api/commands``, ``RemoteFleet`` and the Lua client's
methods all read that one declaration. Reading a declaration top to bottom says everything the
command does; stepping through :meth:`Command.check` and ``LocalFleet.invoke`` in a debugger
shows every step of a call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from seraph_kernel.errors import ActionError, InvalidArgument

JSON = Any

#: Where a per-bot command runs: a method of the bot's backend session (``BotSession``).
BOT = "bot"
#: Where a fleet-level command runs: ``LocalFleet.do_<command name>``.
FLEET = "fleet"

#: Human text appended to a game-level code in REST error messages (and shown by the kernel).
ACTION_TEXT = {
    "ALREADY_CONNECTED": "the bot is already connected",
    "NOT_CONNECTED": "the bot is not connected",
    "NOT_IN_WORLD": "the bot is not in a world",
    "WORLD_FULL": "the world is full",
    "INVALID_WORLD": "invalid world name",
    "WORLD_NOT_FOUND": "no such world",
    "BANNED": "the account is banned",
    "TIMEOUT": "the game server did not answer in time",
    "DISCONNECTED": "the bot disconnected during the action",
    "AUTH_FAILED": "authentication failed",
    "TUTORIAL_BUSY": "the tutorial is already running",
    "CANCELLED": "the action was cancelled",
    "OTHER": "the action failed (for walk_to: the target is unreachable)",
}


def action_error(code: str) -> ActionError:
    """The exception a game-level failure code becomes at a front door."""
    return ActionError(code, f"{code}: {ACTION_TEXT.get(code, code.lower())}")


@dataclass(frozen=True)
class Arg:
    """One named argument. ``kind`` is ``int``, ``float`` (any finite number), ``str``,
    ``bool``, ``dict`` or ``object`` (any JSON value). ``low``/``high`` bound ints (``clamp``
    lowers values above ``high`` to it instead of refusing them); ``max_length`` bounds
    strings (``None``: unbounded); ``check`` refines a value after the type check (it raises
    ``InvalidArgument``); ``rule`` says what is allowed, and every refusal of the argument
    ends with it."""

    name: str
    kind: type
    doc: str = ""
    required: bool = True
    default: Any = None
    low: int | None = None
    high: int | None = None
    clamp: bool = False
    max_length: int | None = 256
    check: Callable[[Any], Any] | None = None
    #: ``null`` is a value here (``PUT {"value": null}``), not a missing argument.
    nullable: bool = False
    #: Where a REST sugar route reads it when not from the path: ``body`` for POST/PUT,
    #: ``query`` for GET/DELETE; ``"query"`` here forces the query string (``?wait=true``).
    rest_in: str | None = None
    rule: str | None = None

    def validate(self, value: Any) -> Any:
        """The checked value (``InvalidArgument`` naming this argument otherwise)."""
        if self.rule is None:
            return self._validate(value)
        try:
            return self._validate(value)
        except InvalidArgument as err:
            problem = str(err).partition(": ")[2]
            raise InvalidArgument(self.name, f"{problem} (allowed: {self.rule})") from None

    def _validate(self, value: Any) -> Any:
        if value is None:
            if self.required:
                raise InvalidArgument(self.name, "required")
            return self.default
        if self.kind is int:
            value = self._int(value)
        elif self.kind is str:
            value = self._str(value)
        elif self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InvalidArgument(self.name, f"expected a finite number, got {json_type(value)}")
            value = float(value)
        elif self.kind is bool:
            if not isinstance(value, bool):
                raise InvalidArgument(self.name, f"expected true or false, got {json_type(value)}")
        elif self.kind is dict and not isinstance(value, dict):
            raise InvalidArgument(self.name, f"expected an object, got {json_type(value)}")
        return self.check(value) if self.check is not None else value

    def _int(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(self.name, f"expected an integer, got {json_type(value)}")
        if self.low is not None and value < self.low:
            raise InvalidArgument(self.name, f"must be at least {self.low}, got {value}")
        if self.high is not None and value > self.high:
            if self.clamp:
                return self.high
            raise InvalidArgument(self.name, f"must be at most {self.high}, got {value}")
        return value

    def _str(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidArgument(self.name, f"expected a string, got {json_type(value)}")
        if not value:
            raise InvalidArgument(self.name, "must not be empty")
        if self.max_length is not None and len(value) > self.max_length:
            raise InvalidArgument(self.name, f"longer than {self.max_length} characters")
        return value

    def to_json_schema(self) -> dict[str, JSON]:
        """The JSON schema of this argument (for ``GET /api/commands`` and the OpenAPI check)."""
        kinds = {int: "integer", float: "number", str: "string", bool: "boolean", dict: "object"}
        schema: dict[str, JSON] = {"type": kinds[self.kind]} if self.kind in kinds else {}
        if self.low is not None:
            schema["minimum"] = self.low
        if self.high is not None and not self.clamp:
            schema["maximum"] = self.high
        if self.kind is str:
            schema["minLength"] = 1
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
        return schema


@dataclass(frozen=True)
class Route:
    """A REST sugar route: ``method`` and ``path`` (``{name}`` placeholders are arguments;
    ``{name:.+}`` lets one span slashes). ``status`` is the success status; ``handler`` names a
    hand-written handler that serves this route instead of the generated one (it still calls
    the same command)."""

    method: str
    path: str
    status: int = 200
    handler: str | None = None

    @property
    def path_args(self) -> list[str]:
        return [m.split(":")[0] for m in re.findall(r"\{([^}]+)\}", self.path)]

    @property
    def pattern(self) -> str:
        """The tornado URL pattern (relative to the server's base_url)."""

        def group(match: re.Match[str]) -> str:
            _, _, regex = match.group(1).partition(":")
            return f"({regex or '[^/]+'})"

        return re.sub(r"\{([^}]+)\}", group, self.path)

    @property
    def openapi_path(self) -> str:
        return re.sub(r"\{([^}:]+)(:[^}]+)?\}", r"{\1}", self.path)


# -- answers: how what the implementation returned becomes the command's JSON answer ------------
def ok(result: Any) -> JSON:
    """An action: ``None`` succeeded (``{"ok": true}``); a code string is a game-level failure."""
    if isinstance(result, str):
        raise action_error(result)
    return {"ok": True}


def as_is(result: Any) -> JSON:
    """The implementation's value is the answer."""
    return result


def keyed(key: str, with_ok: bool = False, codes: bool = False) -> Callable[[Any], JSON]:
    """``{key: value}`` (``{"ok": true, key: value}`` with ``with_ok``). With ``codes``, the
    implementation returns a code string instead of a value on a game-level failure."""

    def answer(result: Any) -> JSON:
        if codes and isinstance(result, str):
            raise action_error(result)
        return {"ok": True, key: result} if with_ok else {key: result}

    answer.__name__ = f"keyed_{key}"
    return answer


@dataclass(frozen=True)
class LuaMethod:
    """The command as a method of the Lua ``Client``: ``client:<name>(...)``. Lua arguments
    are the command's arguments after ``id``, in order (or ``params`` when given); a
    ``"x,y"`` param takes one ``Vector2i`` and fills both. ``unwrap`` picks one field of the
    answer as the Lua result; actions return ``nil`` or an ``Errors.*`` code."""

    name: str
    params: tuple[str, ...] | None = None
    unwrap: str | None = None


@dataclass(frozen=True)
class Command:
    """One command of the dispatcher. ``runs_on`` is :data:`BOT` (``method`` of the bot's
    backend session, the first argument is the bot ``id``) or :data:`FLEET`
    (``LocalFleet.do_<name>``)."""

    name: str
    doc: str
    runs_on: str
    args: tuple[Arg, ...] = ()
    method: str | None = None
    answer: Callable[[Any], JSON] = as_is
    waits: bool = False
    errors: tuple[str, ...] = ()
    rest: tuple[Route, ...] = ()
    lua: LuaMethod | None = None
    _by_name: dict[str, Arg] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({arg.name: arg for arg in self.args})

    def arg(self, name: str) -> Arg:
        return self._by_name[name]

    def check(self, args: Mapping[str, Any] | None) -> dict[str, Any]:
        """Every declared argument checked (defaults filled in); unknown ones are ignored, as
        REST bodies always were. ``InvalidArgument`` names the argument."""
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise InvalidArgument("args", f"expected an object, got {json_type(args)}")
        checked = {}
        for arg in self.args:
            if arg.nullable and arg.name in args:
                checked[arg.name] = args[arg.name]
            else:
                checked[arg.name] = arg.validate(args.get(arg.name))
        return checked

    def describe(self) -> dict[str, JSON]:
        """The command as ``GET /api/commands`` lists it."""
        return {
            "name": self.name,
            "doc": self.doc,
            "args": [
                {"name": a.name, "required": a.required, "doc": a.doc, **a.to_json_schema()}
                for a in self.args
            ],
            "waits": self.waits,
            "errors": list(self.errors),
            "rest": [f"{r.method} {r.openapi_path}" for r in self.rest],
            "lua": f"client:{self.lua.name}" if self.lua else None,
        }


#: How much of a refused value an error message quotes.
SHOWN_CHARS = 60


def shown(value: Any) -> str:
    """A refused value as an error message quotes it: its ``repr``, cut after
    :data:`SHOWN_CHARS` characters (a client may send megabytes)."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def json_type(value: Any) -> str:
    """How a JSON value is named in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
