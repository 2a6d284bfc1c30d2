"""RemoteFleet: the Fleet interface over a Jupyter server's Seraph REST API and event stream.

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
from urllib.parse import quote

import httpx

from seraph_kernel.errors import (
    ActionError,
    BotExists,
    InvalidArgument,
    LuaCompileError,
    RemoteError,
    ScriptAlreadyRunning,
    UnknownBot,
    UnknownScript,
)
from seraph_kernel.fleet.base import JSON, Fleet, FleetEvent, Subscription, WorldView
from seraph_kernel.fleet.events import EventBus
from seraph_kernel.vocab import ERROR_CODES

log = logging.getLogger(__name__)

ENV_SERVER_URL = "SERAPH_SERVER_URL"
ENV_TOKEN = "SERAPH_TOKEN"
#: Requests without a long wait in them; actions that wait (walk_to, ?wait=true) have none.
REQUEST_TIMEOUT_S = 30.0
STREAM_CONNECT_TIMEOUT_S = 10.0
#: Longest silence (the server sends heartbeats every 15 s) before the stream is reopened.
STREAM_IDLE_TIMEOUT_S = 60.0
RECONNECT_INITIAL_S = 0.2
RECONNECT_MAX_S = 5.0


class RemoteFleet(Fleet):
    """A client of ``seraph_ext`` at ``url`` (including the server's base_url)."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.token = token or None
        self._client: httpx.AsyncClient | None = None
        self._bus = EventBus()
        self._stream_task: asyncio.Task[None] | None = None
        self._stream_up: asyncio.Future[None] | None = None
        self.stream_connects = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RemoteFleet:
        """From ``SERAPH_SERVER_URL`` and ``SERAPH_TOKEN``; ``InvalidArgument`` without a URL."""
        env = os.environ if environ is None else environ
        url = env.get(ENV_SERVER_URL, "").strip()
        if not url:
            raise InvalidArgument(ENV_SERVER_URL, "not set: no Jupyter server to attach to")
        return cls(url, env.get(ENV_TOKEN, "").strip() or None)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the event stream; returns once the server has subscribed it."""
        self._bus.bind()
        self._open_stream()
        assert self._stream_up is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._stream_up), STREAM_CONNECT_TIMEOUT_S)
        except asyncio.TimeoutError:
            await self.close()
            raise RemoteError(503, f"no event stream from {self.url}api/seraph/events") from None
        except Exception:
            await self.close()
            raise

    async def close(self) -> None:
        """End the event stream and the HTTP client; the server's bots keep running."""
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
        server = await self._request("GET", "api/seraph/info")
        return {**server, "kind": self.kind, "server_url": self.url, "server_kind": server.get("kind")}

    # -- bots ----------------------------------------------------------------------------------
    async def list_bots(self) -> list[dict[str, JSON]]:
        return (await self._request("GET", "api/bots"))["bots"]

    async def get_bot(self, bot_id: str) -> dict[str, JSON]:
        return await self._request("GET", _bot(bot_id))

    async def create_bot(
        self,
        bot_id: str | None = None,
        username: str | None = None,
        backend: str = "sim",
        settings: dict[str, JSON] | None = None,
    ) -> dict[str, JSON]:
        body = {"id": bot_id, "username": username, "backend": backend, "settings": settings}
        return await self._request("POST", "api/bots", json={k: v for k, v in body.items() if v is not None})

    async def delete_bot(self, bot_id: str) -> None:
        await self._request("DELETE", _bot(bot_id))

    async def connect(self, bot_id: str, wait: bool = False) -> str | None:
        return await self._action(_bot(bot_id, "connect"), wait=wait)

    async def disconnect(self, bot_id: str) -> None:
        await self._request("POST", _bot(bot_id, "disconnect"))

    async def warp(self, bot_id: str, world: str, wait: bool = False) -> str | None:
        return await self._action(_bot(bot_id, "warp"), {"world": world}, wait=wait)

    async def leave(self, bot_id: str) -> str | None:
        return await self._action(_bot(bot_id, "leave"))

    async def walk_to(self, bot_id: str, x: int, y: int) -> str | None:
        return await self._action(_bot(bot_id, "walk_to"), {"x": x, "y": y}, timeout=None)

    async def get_path(self, bot_id: str, x: int, y: int) -> list[tuple[int, int]]:
        reply = await self._request("GET", _bot(bot_id, "path"), params={"x": x, "y": y})
        return [(px, py) for px, py in reply["path"]]

    async def move(self, bot_id: str, dx: int, dy: int) -> str | None:
        return await self._action(_bot(bot_id, "move"), {"dx": dx, "dy": dy}, timeout=None)

    async def hit(self, bot_id: str, x: int, y: int) -> str | None:
        return await self._action(_bot(bot_id, "hit"), {"x": x, "y": y})

    async def place(self, bot_id: str, x: int, y: int, block_id: int) -> str | None:
        return await self._action(_bot(bot_id, "place"), {"x": x, "y": y, "block_id": block_id})

    async def collect(self, bot_id: str, collectable_id: int | None = None) -> int | str:
        body = {} if collectable_id is None else {"collectable_id": collectable_id}
        try:
            reply = await self._request("POST", _bot(bot_id, "collect"), json=body)
        except ActionError as err:
            return err.code
        return reply["collected"]

    async def say(self, bot_id: str, text: str) -> str | None:
        return await self._action(_bot(bot_id, "say"), {"text": text})

    async def tutorial(self, bot_id: str, wait: bool = False) -> str | None:
        return await self._action(_bot(bot_id, "tutorial"), wait=wait)

    async def recent_worlds(self, bot_id: str, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        params = _timeout_params(timeout_ms)
        return (await self._request("GET", _bot(bot_id, "recent_worlds"), params=params))["worlds"]

    async def active_worlds(self, bot_id: str, timeout_ms: int | None = None) -> list[dict[str, JSON]]:
        params = _timeout_params(timeout_ms)
        return (await self._request("GET", _bot(bot_id, "active_worlds"), params=params))["worlds"]

    async def world_info(self, bot_id: str, world: str, timeout_ms: int | None = None) -> dict[str, JSON]:
        params = {"world": world, **_timeout_params(timeout_ms)}
        return await self._request("GET", _bot(bot_id, "world_info"), params=params)

    async def collectables(self, bot_id: str) -> list[dict[str, JSON]]:
        return (await self._request("GET", _bot(bot_id, "collectables")))["collectables"]

    async def enemies(self, bot_id: str) -> list[dict[str, JSON]]:
        return (await self._request("GET", _bot(bot_id, "enemies")))["enemies"]

    async def minimap(self, bot_id: str) -> dict[str, JSON]:
        return await self._request("GET", _bot(bot_id, "minimap"))

    async def world(self, bot_id: str) -> WorldView | None:
        """A copy of the bot's world from ``/minimap`` (name and spawn from the snapshot)."""
        snapshot = await self.get_bot(bot_id)
        info = snapshot.get("world")
        if not info or snapshot.get("status") != "in_world":
            return None
        try:
            layers = await self.minimap(bot_id)
        except ActionError:
            return None
        return WorldView(
            name=info["world_name"],
            width=layers["width"],
            height=layers["height"],
            spawn=(int(info["spawn_map_x"]), int(info["spawn_map_y"])),
            foreground=layers["foreground_tiles"],
            background=layers["background_tiles"],
            water=layers["water_tiles"],
            wiring=layers["wiring_tiles"],
        )

    async def inventory(self, bot_id: str) -> dict[str, JSON]:
        return await self._request("GET", _bot(bot_id, "inventory"))

    async def block_types(self) -> dict[str, str]:
        return await self._request("GET", "api/catalog/block_types")

    async def block_infos(self) -> list[dict[str, JSON]]:
        return (await self._request("GET", "api/catalog/blocks"))["blocks"]

    # -- storage -------------------------------------------------------------------------------
    async def storage_get(self, scope: str, key: str) -> JSON:
        return (await self._request("GET", _storage(scope, key)))["value"]

    async def storage_set(self, scope: str, key: str, value: JSON) -> None:
        await self._request("PUT", _storage(scope, key), json={"value": value})

    async def storage_delete(self, scope: str, key: str) -> bool:
        return (await self._request("DELETE", _storage(scope, key)))["deleted"]

    async def storage_keys(self, scope: str) -> list[str]:
        return (await self._request("GET", _storage(scope)))["keys"]

    async def storage_clear(self, scope: str) -> None:
        await self._request("DELETE", _storage(scope))

    # -- scripts -------------------------------------------------------------------------------
    async def execute(
        self, client_id: str, script_id: str, source: str, timeout_ms: int | None = None
    ) -> None:
        body: dict[str, JSON] = {"client_id": client_id, "script_id": script_id, "source": source}
        if timeout_ms is not None:
            body["timeout_ms"] = timeout_ms
        await self._request("POST", "api/scripts/execute", json=body)

    async def stop(self, client_id: str, script_id: str) -> None:
        await self._request("POST", "api/scripts/stop", json=_key(client_id, script_id))

    async def status(self, client_id: str, script_id: str) -> dict[str, JSON]:
        return await self._request("GET", "api/scripts/status", params=_key(client_id, script_id))

    async def console(self, client_id: str, script_id: str, after: int | None = None) -> dict[str, JSON]:
        params: dict[str, Any] = _key(client_id, script_id)
        if after is not None:
            params["after"] = after
        return await self._request("GET", "api/scripts/console", params=params)

    async def console_clear(self, client_id: str, script_id: str) -> None:
        await self._request("POST", "api/scripts/console/clear", json=_key(client_id, script_id))

    async def jobs(self, client_id: str | None = None) -> list[dict[str, JSON]]:
        if client_id is None:
            return (await self._request("GET", "api/jobs"))["jobs"]
        return (await self._request("GET", "api/jobs/by_client", params={"client_id": client_id}))["jobs"]

    async def stop_all(self) -> int:
        return (await self._request("POST", "api/jobs/stop_all"))["stopped"]

    # -- events --------------------------------------------------------------------------------
    def subscribe(self, client_id: str | None = None) -> Subscription:
        """Events from the server's stream (opened by :meth:`start`, or here if it was not)."""
        subscription = self._bus.subscribe(client_id)
        self._open_stream()
        return subscription

    # -- HTTP ----------------------------------------------------------------------------------
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"token {self.token}"} if self.token else {}
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
        payload = _json_or_text(response)
        if response.status_code >= 400:
            raise error_from_response(response.status_code, payload)
        return payload

    async def _action(
        self, path: str, body: JSON = None, wait: bool = False, timeout: float | None = REQUEST_TIMEOUT_S
    ) -> str | None:
        """POST an action (``?wait=true`` when ``wait``: no timeout then, the server bounds
        it); a game-level failure comes back as its code, as in-process."""
        params = {"wait": "true"} if wait else None
        try:
            await self._request("POST", path, json=body, params=params, timeout=None if wait else timeout)
        except ActionError as err:
            return err.code
        return None

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
                async with self._http().stream("GET", "api/seraph/events", timeout=timeout) as r:
                    if r.status_code != 200:
                        await r.aread()
                        error = error_from_response(r.status_code, _json_or_text(r))
                        if self._stream_up is not None and not self._stream_up.done():
                            self._stream_up.set_exception(error)
                            return
                        raise error
                    async for kind, data in _sse_frames(r.aiter_lines()):
                        if kind is None:
                            self.stream_connects += 1
                            delay = RECONNECT_INITIAL_S
                            if self._stream_up is not None and not self._stream_up.done():
                                self._stream_up.set_result(None)
                            continue
                        client_id = data.pop("client_id", None)
                        self._bus.publish(FleetEvent(kind, client_id, data))
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.debug("event stream from %s dropped (%r); reopening in %.1f s", self.url, err, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
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
            with contextlib.suppress(ValueError):
                yield kind, json.loads("\n".join(data_lines))
            kind, data_lines = "message", []


def error_from_response(status: int, payload: Any) -> Exception:
    """The :mod:`seraph_kernel.errors` exception an error body stands for."""
    body = payload if isinstance(payload, dict) else {}
    message = str(body.get("error", payload))
    code = body.get("code")
    if code in ERROR_CODES:
        return ActionError(code, message)
    if "field" in body:
        return InvalidArgument(str(body["field"]), message.partition(": ")[2] or message)
    prefix, _, rest = message.partition(": ")
    if status == 404 and prefix == "unknown bot":
        return UnknownBot(rest)
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


def _bot(bot_id: str, action: str | None = None) -> str:
    if not bot_id or not isinstance(bot_id, str):
        raise UnknownBot(str(bot_id))
    path = f"api/bots/{quote(str(bot_id), safe='')}"
    return f"{path}/{action}" if action else path


def _storage(scope: str, key: str | None = None) -> str:
    path = f"api/storage/{quote(str(scope), safe=':')}"
    return f"{path}/{quote(str(key), safe='')}" if key is not None else path


def _key(client_id: str, script_id: str) -> dict[str, Any]:
    return {"client_id": client_id, "script_id": script_id}


def _timeout_params(timeout_ms: int | None) -> dict[str, Any]:
    return {} if timeout_ms is None else {"timeout_ms": timeout_ms}
