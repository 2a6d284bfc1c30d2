"""The script commands: ``001_…``'s routes (execute / stop / status / console / clear) keyed by
``(client_id, script_id)``, and the jobs list."""

from __future__ import annotations

from seraph_kernel.commands.ids import MAX_SCRIPT_ID_LENGTH, SCRIPT_ID_RULE, new_script_id
from seraph_kernel.commands.spec import FLEET, Arg, Command, Route, keyed, ok
from seraph_kernel.errors import InvalidArgument

#: Upper bound of a script's run timeout (``timeout_ms`` of execute): 24 h.
MAX_RUN_TIMEOUT_MS = 86_400_000

CLIENT_ID = Arg("client_id", str, "the bot the script runs as")
SCRIPT_ID = Arg("script_id", str, "the script's name, unique per bot")
KEY = (CLIENT_ID, SCRIPT_ID)
#: The restart policies of ``seraph_execute`` (``docs/scale.md``).
RESTART_POLICIES = ("no", "on-failure")


def restart_policy(value: str) -> str:
    """``restart`` is one of :data:`RESTART_POLICIES`."""
    if value not in RESTART_POLICIES:
        raise InvalidArgument("restart", f"expected one of {', '.join(RESTART_POLICIES)}, got {value!r}")
    return value


COMMANDS = (
    Command(
        "seraph_execute",
        "Compile and start a detached script; returns once the runtime accepted the source.",
        FLEET,
        (
            CLIENT_ID,
            Arg(
                "script_id",
                str,
                SCRIPT_ID.doc,
                max_length=MAX_SCRIPT_ID_LENGTH,
                check=new_script_id,
                rule=SCRIPT_ID_RULE,
            ),
            Arg("source", str, "Lua source", max_length=None),
            Arg("timeout_ms", int, "the run's deadline", False, low=1, high=MAX_RUN_TIMEOUT_MS),
            Arg(
                "restart",
                str,
                "on-failure: start the run again on another shard if its node is lost (Ray farms)",
                False,
                max_length=16,
                check=restart_policy,
            ),
        ),
        answer=ok,
        rest=(Route("POST", "/api/scripts/execute"),),
    ),
    Command(
        "seraph_stop",
        "Stop a script (its cleanups run); idempotent.",
        FLEET,
        KEY,
        answer=ok,
        waits=True,
        rest=(Route("POST", "/api/scripts/stop"),),
    ),
    Command(
        "seraph_status",
        "The run record of a script's latest run.",
        FLEET,
        KEY,
        rest=(Route("GET", "/api/scripts/status"),),
    ),
    Command(
        "seraph_console",
        "A script's console lines (after a sequence number, for incremental reads).",
        FLEET,
        (*KEY, Arg("after", int, "only lines with a greater seq", False, low=0)),
        rest=(Route("GET", "/api/scripts/console"),),
    ),
    Command(
        "seraph_console_clear",
        "Empty a script's console.",
        FLEET,
        KEY,
        answer=ok,
        rest=(Route("POST", "/api/scripts/console/clear"),),
    ),
    Command(
        "seraph_jobs",
        "Every run the server knows, running or ended.",
        FLEET,
        (Arg("client_id", str, "only this bot's runs", False),),
        answer=keyed("jobs"),
        rest=(Route("GET", "/api/jobs"),),
    ),
    Command(
        "seraph_jobs_by_client",
        "The runs of one bot.",
        FLEET,
        (CLIENT_ID,),
        answer=keyed("jobs"),
        rest=(Route("GET", "/api/jobs/by_client"),),
    ),
    Command(
        "seraph_stop_all",
        "Stop every running script.",
        FLEET,
        answer=keyed("stopped"),
        waits=True,
        rest=(Route("POST", "/api/jobs/stop_all"),),
    ),
)
