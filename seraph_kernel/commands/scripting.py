"""The child-script engine commands: each bot has one engine (``getScripting()`` /
``client:scripting()`` in Lua) whose runs are ordinary detached runs keyed
``(client_id, "scripting")``, so they show in the jobs list and ``/api/scripts/…`` like any
other. These commands add what the engine needs on top: starting a run on behalf of a parent
run (which bounds the family), the source last executed, and the engine's state in one call."""

from __future__ import annotations

from seraph_kernel.commands.spec import FLEET, Arg, Command, ok

#: The ``script_id`` of every run of a bot's child-script engine.
ENGINE_SCRIPT_ID = "scripting"
#: The longest source ``execute`` takes (characters): a child is a script, not a data channel.
MAX_CHILD_SOURCE_CHARS = 256 * 1024
#: How deep children may nest: a notebook cell or a REST run is level 0, the runs it starts 1…
MAX_CHILD_DEPTH = 4

CLIENT_ID = Arg("client_id", str, "the bot whose engine this is")

COMMANDS = (
    Command(
        "scripting_execute",
        f"Start a source on the bot's child-script engine (script_id {ENGINE_SCRIPT_ID!r}); refused "
        "while its previous run is going. With a parent run, the child inherits the rest of its "
        f"timeout, nests one level deeper (at most {MAX_CHILD_DEPTH}) and stops when it is stopped.",
        FLEET,
        (
            CLIENT_ID,
            Arg("source", str, "Lua or Luau source", max_length=MAX_CHILD_SOURCE_CHARS),
            Arg("parent_client_id", str, "the bot of the run starting this one", False),
            Arg("parent_script_id", str, "the script_id of the run starting this one", False),
        ),
        answer=ok,
    ),
    Command(
        "scripting_stop",
        "Stop the engine's run (its cleanups run); idempotent.",
        FLEET,
        (CLIENT_ID,),
        answer=ok,
        waits=True,
    ),
    Command(
        "scripting_state",
        "The engine's state: {running, source (last executed, '' if none), error (of its last run)}.",
        FLEET,
        (CLIENT_ID,),
    ),
)
