"""The vocabulary every layer shares: bot statuses, game-level error codes, tutorial states,
run states and run error codes. Plain constants; this module imports nothing of ours."""

from __future__ import annotations

#: Run states of a script execution (spec 004's task states).
QUEUED, PROCESSING, COMPLETE, FAILED, CANCELLED = "QUEUED", "PROCESSING", "COMPLETE", "FAILED", "CANCELLED"
RUN_STATES = (QUEUED, PROCESSING, COMPLETE, FAILED, CANCELLED)
#: Error codes of a run record (spec 004).
SCRIPT_ERROR = "SCRIPT_ERROR"
DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
OUTPUT_SIZE_LIMIT_EXCEEDED = "OUTPUT_SIZE_LIMIT_EXCEEDED"
INTERNAL_ERROR = "INTERNAL_ERROR"
RUN_ERROR_CODES = (SCRIPT_ERROR, DEADLINE_EXCEEDED, OUTPUT_SIZE_LIMIT_EXCEEDED, INTERNAL_ERROR)

#: Game-level failure codes of bot actions: the Lua ``Errors.*`` names.
ERROR_CODES = (
    "ALREADY_CONNECTED",
    "NOT_CONNECTED",
    "NOT_IN_WORLD",
    "WORLD_FULL",
    "INVALID_WORLD",
    "WORLD_NOT_FOUND",
    "BANNED",
    "TIMEOUT",
    "DISCONNECTED",
    "AUTH_FAILED",
    "TUTORIAL_BUSY",
    "CANCELLED",
    "OTHER",
)

#: Sentinel ``count`` values of a recent-world row (the Lua ``WorldCount`` enum): a row carries
#: one of them instead of a player count when the server cannot give a number.
WORLD_COUNTS = {
    "UNKNOWN": -1,  # the server holds no live copy of the world (never loaded, or unloaded)
    "FULL": -2,  # the world is at its player cap: joining answers WORLD_FULL
}

STATUSES = (
    "connecting",
    "authenticating",
    "menu_ready",
    "joining_world",
    "loading_world",
    "awaiting_ready",
    "in_world",
    "redirecting",
    "reconnecting",
    "disconnected",
    "already_connected",
    "banned",
    "kicked",
    "error",
)

TUTORIAL_STATES = {
    "NOT_STARTED": 0,
    "CHARACTER_CREATION": 1,
    "TUTORIAL_WORLD": 2,
    "COMPLETED": 3,
    "PHASE_1": 4,
    "PHASE_2": 5,
    "PHASE_3": 6,
    "PHASE_4": 7,
}
