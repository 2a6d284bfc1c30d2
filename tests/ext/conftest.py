"""Fixtures of the REST API tests: one real ``jupyter server`` subprocess with ``seraph_ext``
(its own Jupyter dirs, a fresh SQLite file, the embedded sim world, a non-trivial base_url)
shared by the session, HTTP clients for it, and bots made fresh for each test."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator

import httpx
import pytest
from server_process import ServerProcess, start_server

_bot_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    """The session's Jupyter server with seraph_ext."""
    proc = start_server(tmp_path_factory.mktemp("jupyter"))
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def api(server) -> httpx.AsyncClient:
    """An authenticated client of the session server (paths relative to its base_url)."""
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30) as client:
        yield client


@pytest.fixture
async def anonymous(server) -> httpx.AsyncClient:
    """A client without the token."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
async def make_bot(api):
    """``await make_bot(connect=False, world=None)``: a bot with an id unique in the session,
    deleted at the end of the test."""
    made: list[str] = []

    async def make(connect: bool = False, world: str | None = None) -> str:
        bot_id = f"t{next(_bot_numbers)}-{secrets.token_hex(2)}"
        response = await api.post("api/bots", json={"id": bot_id})
        assert response.status_code == 201, response.text
        made.append(bot_id)
        if connect or world:
            response = await api.post(f"api/bots/{bot_id}/connect", params={"wait": "true"})
            assert response.status_code == 200, response.text
        if world:
            response = await api.post(
                f"api/bots/{bot_id}/warp", params={"wait": "true"}, json={"world": world}
            )
            assert response.status_code == 200, response.text
        return bot_id

    yield make
    for bot_id in made:
        await api.delete(f"api/bots/{bot_id}")
