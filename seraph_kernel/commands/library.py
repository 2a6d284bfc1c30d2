"""The script library (``002_…``) under ``/api/library``: scripts with settings, versions,
keys, executions and sessions. Answers are 002's ``{"success": true, …}``; refusals are
:class:`~seraph_kernel.library.errors.LibraryError` (``{"success": false, "code", "message"}``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seraph_kernel.commands.ids import MAX_BOT_ID_LENGTH
from seraph_kernel.commands.spec import FLEET, JSON, Arg, Command, Route, json_type
from seraph_kernel.errors import InvalidArgument

#: Longest source a script version may hold (characters); longer updates are refused (400).
MAX_SOURCE_CHARS = 1_000_000
#: Longest script or project name.
MAX_NAME_CHARS = 100
#: Most sessions one page answers (``limit`` above it is lowered to it).
MAX_PAGE = 1000
DEFAULT_PAGE = 100
#: Library ids are ``scr-``/``prj-``/``ses-`` plus 16 hex digits; anything longer is no id.
MAX_LIBRARY_ID = 64

PREFIX = "/api/library"
SCRIPT_PATH = PREFIX + "/scripts/{script_id}"


def success(key: str | None = None) -> Callable[[Any], JSON]:
    """002's answer: ``{"success": true}``, with the implementation's value under ``key``
    (or, without ``key``, its fields merged in when it returns a dict)."""

    def answer(result: Any) -> JSON:
        if key is not None:
            return {"success": True, key: result}
        return {"success": True, **(result if isinstance(result, dict) else {})}

    answer.__name__ = f"success_{key}"
    return answer


def version_number(value: Any) -> int:
    """A version number from a path segment or a JSON integer."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument("version", f"expected a positive integer, got {json_type(value)}")
    return value


SCRIPT_ID = Arg("script_id", str, "the library script's id", max_length=MAX_LIBRARY_ID)
NAME = Arg("name", str, "the script's name", max_length=MAX_NAME_CHARS)
SOURCE = Arg("script", str, "the source (Lua or Luau)", max_length=MAX_SOURCE_CHARS)
FLAG_DOCS = {
    "free_for_all": "anyone may execute it without a key",
    "use_heartbeat": "re-check running instances; stop those disabled or whose key was revoked",
    "kick_outdated": "stop running instances of older versions when a new version lands",
    "require_sessions": "refuse executions while no live event stream follows the bot",
}
FLAGS = tuple(Arg(name, bool, doc, required=False) for name, doc in FLAG_DOCS.items())
PAGE = (
    Arg("from", int, "start index (0 is the newest session)", False, default=0, low=0),
    Arg("limit", int, "sessions to return", False, default=DEFAULT_PAGE, low=1, high=MAX_PAGE, clamp=True),
)
FILTERS = tuple(
    Arg(name, str, doc, required=False, rest_in="query")
    for name, doc in (
        ("key", "the user key the session must have"),
        ("roblox_id", "the bot's user id"),
        ("place_id", "the world the session ran in"),
        ("job_id", "the run's id"),
    )
)


def script_route(method: str, tail: str = "", **options: Any) -> Route:
    return Route(method, SCRIPT_PATH + tail, **options)


COMMANDS = (
    Command(
        "library_project_create",
        "Create a project (a named group of scripts).",
        FLEET,
        (Arg("name", str, "the project's name (unique)", max_length=MAX_NAME_CHARS),),
        answer=success("project"),
        rest=(Route("POST", PREFIX + "/projects", status=201),),
    ),
    Command(
        "library_projects",
        "Every project.",
        FLEET,
        answer=success("projects"),
        rest=(Route("GET", PREFIX + "/projects"),),
    ),
    Command(
        "library_create",
        "Save a new script; its source (if given) is compiled first and becomes version 1.",
        FLEET,
        (
            NAME,
            Arg("script", str, SOURCE.doc, required=False, max_length=MAX_SOURCE_CHARS),
            Arg("project_id", str, "the project it belongs to", required=False, max_length=MAX_LIBRARY_ID),
            *FLAGS,
        ),
        answer=success("script"),
        errors=("2: script is invalid",),
        rest=(Route("POST", PREFIX + "/scripts", status=201),),
    ),
    Command(
        "library_list",
        "The saved scripts with their settings and totals.",
        FLEET,
        (Arg("project_id", str, "only this project's scripts", required=False, max_length=MAX_LIBRARY_ID),),
        answer=success("scripts"),
        rest=(Route("GET", PREFIX + "/scripts"),),
    ),
    Command(
        "library_get",
        "A script's info: settings and totals.",
        FLEET,
        (SCRIPT_ID,),
        answer=success("script"),
        rest=(script_route("GET"),),
    ),
    Command(
        "library_executions",
        "Executions per UTC day over the last 30 days, as MM/DD keys.",
        FLEET,
        (SCRIPT_ID,),
        answer=success("executions"),
        rest=(script_route("GET", "/executions"),),
    ),
    Command(
        "library_edit",
        "Change a script's name and settings.",
        FLEET,
        (SCRIPT_ID, Arg("name", str, NAME.doc, required=False, max_length=MAX_NAME_CHARS), *FLAGS),
        answer=success(),
        errors=("1: cannot edit nothing",),
        rest=(script_route("POST", "/edit"),),
    ),
    Command(
        "library_remove",
        "Delete a script with its versions, keys, sessions and counts; its runs are stopped.",
        FLEET,
        (SCRIPT_ID,),
        answer=success(),
        rest=(script_route("POST", "/remove"),),
    ),
    Command(
        "library_update",
        "Compile a new source; when valid it becomes the script's next version.",
        FLEET,
        (SCRIPT_ID, SOURCE),
        answer=success(),
        errors=("2: script is invalid",),
        rest=(script_route("POST", "/update"),),
    ),
    Command(
        "library_toggle",
        "Enable or disable a script (disabled scripts refuse executions).",
        FLEET,
        (SCRIPT_ID, Arg("state", bool, "enabled or not")),
        answer=success(),
        errors=("1: script update required",),
        rest=(script_route("POST", "/toggle"),),
    ),
    Command(
        "library_sessions",
        "A page of the script's sessions, newest first.",
        FLEET,
        (SCRIPT_ID, *PAGE),
        answer=success("sessions"),
        rest=(script_route("POST", "/sessions"),),
    ),
    Command(
        "library_sessions_filter",
        "A page of the script's sessions matching every filter given.",
        FLEET,
        (SCRIPT_ID, *PAGE, *FILTERS),
        answer=success("sessions"),
        errors=("0: must filter something",),
        rest=(script_route("GET", "/sessions/filter"),),
    ),
    Command(
        "library_execute",
        "Start the script's current version on a bot as the detached run (client_id, script_id).",
        FLEET,
        (
            SCRIPT_ID,
            Arg("client_id", str, "the bot it runs as", max_length=MAX_BOT_ID_LENGTH),
            Arg("key", str, "a key of the script (needed unless it is free for all)", required=False),
            Arg("user", str, "who runs it (REST fills in the Jupyter user)", required=False),
        ),
        answer=success("session"),
        errors=(
            "1: script update required",
            "2: script is disabled",
            "3: a valid key of this script is required",
            "4: script requires a live event stream",
        ),
        rest=(script_route("POST", "/execute", handler="library_execute"),),
    ),
    Command(
        "library_versions",
        "Every version of a script (number, size, time).",
        FLEET,
        (SCRIPT_ID,),
        answer=success("versions"),
        rest=(script_route("GET", "/versions"),),
    ),
    Command(
        "library_version",
        "One version of a script with its source.",
        FLEET,
        (SCRIPT_ID, Arg("version", object, "the version number", check=version_number)),
        answer=success("version"),
        rest=(script_route("GET", "/versions/{version}"),),
    ),
    Command(
        "library_keys",
        "The keys of a script (revoked ones say when).",
        FLEET,
        (SCRIPT_ID,),
        answer=success("keys"),
        rest=(script_route("GET", "/keys"),),
    ),
    Command(
        "library_key_issue",
        "Issue a new key for a script.",
        FLEET,
        (SCRIPT_ID,),
        answer=success("key"),
        rest=(script_route("POST", "/keys", status=201),),
    ),
    Command(
        "library_key_revoke",
        "Revoke a key of this script; with use_heartbeat its running instances stop.",
        FLEET,
        (SCRIPT_ID, Arg("key", str, "the key")),
        answer=success(),
        rest=(script_route("DELETE", "/keys/{key}"),),
    ),
)
