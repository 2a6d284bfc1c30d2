"""RemoteFleet: the Fleet interface over Seraph's own HTTP API: ``POST /invoke`` and the event
stream, so it drives our Jupyter server extension and a real Seraph app alike.

Kernels started by a server with ``seraph_ext`` get ``SERAPH_SERVER_URL`` and ``SERAPH_TOKEN``
in their environment and use :meth:`RemoteFleet.from_env`, so every kernel, the REST API and
the dashboards see the same bots. Error bodies map back to the same
:mod:`seraph_kernel.errors` exceptions a LocalFleet raises; game-level failure codes of
actions come back as the returned code string, as in-process.

Events: :meth:`start` opens one ``GET /api/seraph/events`` stream (and waits until the server
has subscribed it), fanned out to local subscriptions. A dropped stream is reopened with a
capped backoff; events emitted while it is down are lost. :meth:`close` ends the stream and
the HTTP client only: the bots and scripts belong to the server and keep running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import httpx

from seraph_kernel.commands import COMMANDS
from seraph_kernel.commands.workspaces import WORKSPACE_HEADER
from seraph_kernel.errors import (
    ActionError,
    BotExists,
    InvalidArgument,
    LuaCompileError,
    RemoteError,
    ScriptAlreadyRunning,
    UnknownBot,
    UnknownCommand,
    UnknownScript,
)
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, Subscription, WorldView, copied_world
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.fleet.snapshot_reads import SnapshotReads
from seraph_kernel.library.errors import LibraryError
from seraph_kernel.vocab import ERROR_CODES

log = logging.getLogger(__name__)

ENV_SERVER_URL = "SERAPH_SERVER_URL"
ENV_TOKEN = "SERAPH_TOKEN"
ENV_EVENTS_PATH = "SERAPH_EVENTS_PATH"
#: Where the event stream is: ``api/seraph/events`` on our server, ``events`` on Seraph's app.
DEFAULT_EVENTS_PATH = "api/seraph/events"
#: Requests without a long wait in them; actions that wait (walk_to, ?wait=true) have none.
REQUEST_TIMEOUT_S = 30.0
STREAM_CONNECT_TIMEOUT_S = 10.0
#: Longest silence (the server sends heartbeats every 15 s) before the stream is reopened.
STREAM_IDLE_TIMEOUT_S = 60.0
RECONNECT_INITIAL_S = 0.2
RECONNECT_MAX_S = 5.0


class RemoteFleet(Fleet):
    """A client of ``seraph_ext`` at ``url`` (including the server's base_url)."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        events_path: str = DEFAULT_EVENTS_PATH,
        workspace: str | None = None,
        owns_workspace: bool = False,
        seed: int | None = None,
    ) -> None:
        """``workspace``: act inside that workspace of the server (short ids, its own worlds
        and ``globalStorage``; ``docs/workspaces.md``), sent as the ``X-Seraph-Workspace``
        header; ``None`` sees the whole fleet with global ids. ``owns_workspace``: the
        workspace is this client's own: :meth:`start` makes it with ``seed`` (its worlds and
        default usernames; ``None``: the server's) and :meth:`close` deletes it (a kernel's)."""
        self.url = url if url.endswith("/") else url + "/"
        self.token = token or None
        self.events_path = events_path.lstrip("/")
        self.workspace_name = workspace
        self.owns_workspace = owns_workspace and workspace is not None
        self.seed = seed
        self._client: httpx.AsyncClient | None = None
        self._bus = EventBus()
        self._stream_task: asyncio.Task[None] | None = None
        self._stream_up: asyncio.Future[None] | None = None
        self.stream_connects = 0
        #: Snapshot reads answered again while nothing changed (only while the stream is up:
        #: its events tell of changes; fleet/snapshot_reads.py).
        self.snapshot_reads = SnapshotReads()
        self._stream_live = False

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        workspace: str | None = None,
        owns_workspace: bool = False,
        seed: int | None = None,
    ) -> RemoteFleet:
        """From ``SERAPH_SERVER_URL`` and ``SERAPH_TOKEN``; ``InvalidArgument`` without a URL."""
        env = os.environ if environ is None else environ
        url = env.get(ENV_SERVER_URL, "").strip()
        if not url:
            raise InvalidArgument(ENV_SERVER_URL, "not set: no Jupyter server to attach to")
        events_path = env.get(ENV_EVENTS_PATH, "").strip() or DEFAULT_EVENTS_PATH
        token = env.get(ENV_TOKEN, "").strip() or None
        return cls(url, token, events_path, workspace, owns_workspace, seed)

    def workspace(self, name: str, owns_workspace: bool = False) -> RemoteFleet:
        """A client of the same server acting in workspace ``name`` (not started)."""
        return RemoteFleet(self.url, self.token, self.events_path, name, owns_workspace, self.seed)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Make the workspace this client owns, open the event stream; returns once the server
        has subscribed it."""
        if self.owns_workspace:
            await self.invoke("create_workspace", {"name": self.workspace_name, "seed": self.seed})
        self._bus.bind()
        self._open_stream()
        assert self._stream_up is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._stream_up), STREAM_CONNECT_TIMEOUT_S)
        except asyncio.TimeoutError:
            await self.close()
            raise RemoteError(503, f"no event stream from {self.url}{self.events_path}") from None
        except Exception:
            await self.close()
            raise

    async def close(self) -> None:
        """End the event stream and the HTTP client; the server's bots keep running, except
        those of a workspace this client owns, which is deleted."""
        if self.owns_workspace:
            self.owns_workspace = False
            try:
                await self.invoke("delete_workspace", {"name": self.workspace_name})
            except Exception as err:
                log.warning("could not delete workspace %s: %r", self.workspace_name, err)
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
            self._stream_task = None
        self._bus.close()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def kind(self) -> str:
        return "remote"

    async def info(self) -> dict[str, JSON]:
        server = await self.invoke("seraph_info")
        return {
            **server,
            "kind": self.kind,
            "server_url": self.url,
            "server_kind": server.get("kind"),
            "workspace": self.workspace_name or server.get("workspace"),
            "owns_workspace": self.owns_workspace,
        }

    # -- the dispatcher --------------------------------------------------------------------------
    async def invoke(self, cmd: str, args: dict[str, JSON] | None = None) -> JSON:
        """``POST /invoke {"cmd", "args"}``: the server checks and runs it; an error body maps
        back to the exception a LocalFleet raises. Commands that wait (a walk, ``wait=true``)
        have no client-side timeout: the server bounds them."""
        command = COMMANDS.get(cmd)
        waits = command is None or command.waits
        body = {"cmd": cmd, "args": {k: v for k, v in (args or {}).items() if v is not None}}
        bot_id = body["args"].get("id")
        if cmd == "get_bot" and isinstance(bot_id, str) and self._stream_live:
            return await self._read_snapshot(bot_id, body)
        self.snapshot_reads.forget()  # anything else may change what a snapshot says
        try:
            return await self._request(
                "POST", "invoke", json=body, timeout=None if waits else REQUEST_TIMEOUT_S
            )
        finally:
            self.snapshot_reads.forget()

    async def _read_snapshot(self, bot_id: str, body: JSON) -> JSON:
        reads = self.snapshot_reads
        kept = reads.get(bot_id)
        if kept is not None:
            return kept
        generation = reads.generation
        snapshot = await self._request("POST", "invoke", json=body)
        if self._stream_live:
            reads.keep(bot_id, generation, snapshot)
        return snapshot

    async def world(self, bot_id: str) -> WorldView | None:
        """A copy of the bot's world from ``/minimap`` (name and spawn from the snapshot)."""
        return await copied_world(self, bot_id)

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, client_id: str | None = None) -> Subscription:
        """Events from the server's stream (opened by :meth:`start`, or here if it was not)."""
        subscription = self._bus.subscribe(client_id)
        self._open_stream()
        return subscription

    # -- HTTP ----------------------------------------------------------------------------------
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            if self.workspace_name is not None:
                headers[WORKSPACE_HEADER] = self.workspace_name
            self._client = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=REQUEST_TIMEOUT_S)
        return self._client

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: JSON = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = REQUEST_TIMEOUT_S,
    ) -> Any:
        try:
            response = await self._http().request(method, path, json=json, params=params, timeout=timeout)
        except httpx.TransportError as err:
            raise RemoteError(503, f"cannot reach {self.url}: {err!r}") from err
        if response.status_code >= 400:
            raise error_from_response(response.status_code, _json_or_text(response))
        try:
            return _decoded(response)
        except ValueError as err:
            raise RemoteError(502, f"{method} {path}: the server's answer is not JSON ({err})") from None

    # -- event stream --------------------------------------------------------------------------
    def _open_stream(self) -> None:
        """Start the one stream reader of this fleet (once)."""
        if self._stream_task is None:
            loop = asyncio.get_running_loop()
            self._stream_up = loop.create_future()
            self._stream_task = loop.create_task(self._read_stream())

    async def _read_stream(self) -> None:
        delay = RECONNECT_INITIAL_S
        while True:
            try:
                timeout = httpx.Timeout(REQUEST_TIMEOUT_S, read=STREAM_IDLE_TIMEOUT_S)
                async with self._http().stream("GET", self.events_path, timeout=timeout) as r:
                    if r.status_code != 200:
                        await r.aread()
                        error = error_from_response(r.status_code, _json_or_text(r))
                        if self._stream_up is not None and not self._stream_up.done():
                            self._stream_up.set_exception(error)
                            return
                        raise error
                    async for kind, data in _sse_frames(r.aiter_lines()):
                        if kind != "log":  # a change, or a connect: kept snapshots may be stale
                            self.snapshot_reads.forget()
                        if kind is None:
                            self._stream_live = True
                            self.stream_connects += 1
                            delay = RECONNECT_INITIAL_S
                            if self._stream_up is not None and not self._stream_up.done():
                                self._stream_up.set_result(None)
                            continue
                        client_id = data.pop("client_id", None)
                        data.pop("workspace", None)
                        self._bus.publish(FleetEvent(kind, client_id, data))
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.debug("event stream from %s dropped (%r); reopening in %.1f s", self.url, err, delay)
            finally:
                self._stream_live = False  # changes go untold until it is back
                self.snapshot_reads.forget()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)


def _decoded(response: httpx.Response) -> Any:
    """The answer's JSON; ``ValueError`` saying what is wrong otherwise (a server, or whatever
    answers at its address, may send anything: HTML, or JSON nested too deeply to decode)."""
    try:
        return response.json()
    except RecursionError:
        raise ValueError("nested too deeply to decode") from None


def _json_or_text(response: httpx.Response) -> Any:
    """An error answer's JSON, or its text as ``{"error": ...}``."""
    try:
        return _decoded(response)
    except ValueError:
        return {"error": response.text[:200] or response.reason_phrase}


async def _sse_frames(lines: Any) -> Any:
    """``(kind, data)`` per SSE frame; ``(None, {})`` for the server's ``: connected`` comment."""
    kind, data_lines = "message", []
    async for line in lines:
        if line == ": connected":
            yield None, {}
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data_lines.append(line[5:].lstrip())
        elif line == "" and data_lines:
            try:
                data = json.loads("\n".join(data_lines))
            except (ValueError, RecursionError) as err:
                log.warning("skipped an event frame that is not JSON (%s)", type(err).__name__)
            else:
                if isinstance(data, dict):
                    yield kind, data
            kind, data_lines = "message", []


def error_from_response(status: int, payload: Any) -> Exception:
    """The :mod:`seraph_kernel.errors` exception an error body stands for."""
    body = payload if isinstance(payload, dict) else {}
    message = str(body.get("error", payload))
    code = body.get("code")
    if body.get("success") is False:
        extra = {k: v for k, v in body.items() if k not in ("success", "code", "message", "error")}
        return LibraryError(code, str(body.get("message", message)), status, **extra)
    if code in ERROR_CODES:
        return ActionError(code, message)
    if "field" in body:
        return InvalidArgument(str(body["field"]), message.partition(": ")[2] or message)
    prefix, _, rest = message.partition(": ")
    if status == 404 and prefix == "unknown bot":
        return UnknownBot(rest)
    if status == 404 and prefix == "unknown command":
        return UnknownCommand(rest)
    if status == 404 and prefix == "unknown script":
        client_id, _, script_id = rest.partition("/")
        return UnknownScript(client_id, script_id)
    if status == 409 and prefix == "bot already exists":
        return BotExists(rest)
    if status == 409 and prefix == "script already running":
        client_id, _, script_id = rest.partition("/")
        return ScriptAlreadyRunning(client_id, script_id)
    if prefix == "lua compile":
        return LuaCompileError(message)
    return RemoteError(status, message)
