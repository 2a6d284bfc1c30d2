"""Workspaces over REST (docs/workspaces.md): every workspace's bots are listed with their
``workspace``, ``?workspace=`` filters the list and the event stream, the
``X-Seraph-Workspace`` header acts inside one (short ids, its own ``globalStorage``), and
``/api/workspaces`` lists and deletes them. Each test uses workspaces named after itself on
the session server."""

from __future__ import annotations

import contextlib
import secrets

import httpx
import pytest
from rest_helpers import EventStream, wait_run_ended

HEADER = "X-Seraph-Workspace"


@pytest.fixture
async def workspace(server, api):
    """``await workspace()``: a client acting inside a new workspace (deleted at the end)."""
    made: list[tuple[str, httpx.AsyncClient]] = []

    async def make() -> httpx.AsyncClient:
        name = f"ws-{secrets.token_hex(3)}"
        client = httpx.AsyncClient(base_url=server.url, headers={**server.headers, HEADER: name}, timeout=30)
        client.name = name
        made.append((name, client))
        return client

    yield make
    for name, client in made:
        await client.aclose()
        await api.delete(f"api/workspaces/{name}")


@contextlib.asynccontextmanager
async def events(server, headers=None, **params):
    async with (
        httpx.AsyncClient(
            base_url=server.url, headers=headers or {}, timeout=httpx.Timeout(30, read=None)
        ) as c,
        c.stream("GET", "api/seraph/events", params={"token": server.token, **params}) as response,
    ):
        assert response.status_code == 200
        stream = EventStream(response)
        await stream.wait_connected()
        yield stream


async def test_two_workspaces_create_the_same_id_and_rest_lists_both(api, workspace):
    one, two = await workspace(), await workspace()
    for client in (one, two):
        created = await client.post("api/bots", json={"id": "rookie"})
        assert created.status_code == 201, created.text
        assert (created.json()["id"], created.json()["workspace"]) == ("rookie", client.name)
    again = await one.post("api/bots", json={"id": "rookie"})
    assert (again.status_code, again.json()["error"]) == (409, "bot already exists: rookie")
    everyone = {bot["id"]: bot["workspace"] for bot in (await api.get("api/bots")).json()["bots"]}
    assert everyone[f"{one.name}~rookie"] == one.name and everyone[f"{two.name}~rookie"] == two.name
    listed = (await api.get("api/bots", params={"workspace": one.name})).json()["bots"]
    assert [bot["id"] for bot in listed] == [f"{one.name}~rookie"]
    inside = (await one.get("api/bots")).json()["bots"]
    assert [(bot["id"], bot["workspace"]) for bot in inside] == [("rookie", one.name)]
    full = (await api.get(f"api/bots/{two.name}~rookie")).json()
    assert (full["id"], full["workspace"]) == (f"{two.name}~rookie", two.name)
    bad = await api.get("api/bots", params={"workspace": "Not Valid"})
    assert bad.status_code == 400 and bad.json()["field"] == "workspace"


async def test_a_bot_created_into_a_workspace_over_rest_is_short_inside_it(api, workspace):
    one = await workspace()
    created = await api.post("api/bots", json={"workspace": one.name})
    assert created.json()["id"] == f"{one.name}~bot-1"
    assert [bot["id"] for bot in (await one.get("api/bots")).json()["bots"]] == ["bot-1"]
    assert (await one.get("api/bots/nope")).json() == {"error": "unknown bot: nope"}


async def test_global_storage_of_a_workspace_is_its_own_scope(api, workspace):
    one = await workspace()
    assert (await one.put("api/storage/global/plan", json={"value": "dig"})).status_code == 200
    assert (await api.get(f"api/storage/workspace:{one.name}/plan")).json()["value"] == "dig"
    assert "plan" not in (await api.get("api/storage/global")).json()["keys"]
    await one.post("api/bots", json={})
    source = "return getClient().id, globalStorage:get('plan')"
    body = {"client_id": "bot-1", "script_id": "s", "source": source}
    assert (await one.post("api/scripts/execute", json=body)).status_code == 200
    status = await wait_run_ended(one, "bot-1", "s")
    assert status["results"] == ["bot-1", "dig"]
    jobs = (await one.get("api/jobs")).json()["jobs"]
    assert [(job["client_id"], job["script_id"]) for job in jobs] == [("bot-1", "s")]


async def test_event_frames_carry_the_workspace_and_can_be_filtered(server, api, workspace):
    one, two = await workspace(), await workspace()
    async with (
        events(server) as everything,
        events(server, workspace=one.name) as filtered,
        events(server, headers={HEADER: one.name}) as inside,
    ):
        await two.post("api/bots", json={"id": "other"})
        await one.post("api/bots", json={"id": "mine"})
        _, seen = await everything.until(lambda e, d: e == "session" and d["client_id"] == f"{one.name}~mine")
        assert seen["workspace"] == one.name and seen["snapshot"]["workspace"] == one.name
        _, first = await filtered.until(lambda e, d: e == "session")
        assert (first["client_id"], first["workspace"]) == (f"{one.name}~mine", one.name)
        _, short = await inside.until(lambda e, d: e == "session")
        assert (short["client_id"], short["snapshot"]["id"], short["workspace"]) == ("mine", "mine", one.name)


async def test_workspaces_are_made_listed_and_deleted_with_their_bots(api, workspace):
    one = await workspace()
    made = await api.post("api/workspaces", json={"name": one.name, "seed": 7})
    assert made.status_code == 201 and made.json()["seed"] == 7
    await one.post("api/bots", json={})
    await one.post("api/bots", json={})
    await one.put("api/storage/global/k", json={"value": 1})
    rows = {w["name"]: w for w in (await api.get("api/workspaces")).json()["workspaces"]}
    assert rows[one.name] == {
        "name": one.name,
        "bots": 2,
        "storage_scope": f"workspace:{one.name}",
        "own_world": True,
        "seed": 7,
    }
    assert (await api.delete(f"api/workspaces/{one.name}")).json() == {"deleted_bots": 2}
    assert one.name not in {w["name"] for w in (await api.get("api/workspaces")).json()["workspaces"]}
    assert (await api.get(f"api/storage/workspace:{one.name}/k")).json()["value"] is None
    assert (await api.delete("api/workspaces/shared")).status_code == 400
