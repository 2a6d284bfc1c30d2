"""Every route, taken from the served OpenAPI file, refuses requests without the Jupyter token
with the JSON envelope, and accepts the token in each of the three documented places."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

import seraph_ext

SPEC = yaml.safe_load((Path(seraph_ext.__file__).parent / "openapi.yaml").read_text())
OPERATIONS = [
    (method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method in item
    if method in {"get", "post", "put", "delete"}
]
SAMPLE_PARAMS = {"{id}": "bot-99", "{scope}": "global", "{key}": "k"}


def concrete(path: str) -> str:
    for name, value in SAMPLE_PARAMS.items():
        path = path.replace(name, value)
    return path.lstrip("/")


def test_every_operation_is_covered():
    assert len(OPERATIONS) >= 40
    assert ("GET", "/api/seraph/events") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("credentials", ["none", "wrong"])
async def test_refused_without_a_valid_token(server, method, path, credentials):
    headers = {"Authorization": "token not-the-token"} if credentials == "wrong" else {}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as client:
        response = await client.request(
            method, concrete(path), json={} if method in ("POST", "PUT") else None
        )
    assert response.status_code in (401, 403)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"].startswith("authentication required")


@pytest.mark.parametrize("path", ["api/bots/nope/nothing", "api/scripts/unknown", "api/seraph"])
async def test_unknown_routes_also_require_the_token(anonymous, path):
    response = await anonymous.get(path)
    assert response.status_code == 403
    assert "error" in response.json()


@pytest.mark.parametrize(
    "place",
    ["token header", "bearer header", "query"],
)
async def test_the_token_works_in_each_documented_place(server, place):
    headers, params = {}, {}
    if place == "token header":
        headers["Authorization"] = f"token {server.token}"
    elif place == "bearer header":
        headers["Authorization"] = f"Bearer {server.token}"
    else:
        params["token"] = server.token
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as client:
        listed = await client.get("api/bots", params=params)
        created = await client.post("api/bots", params=params, json={})
    assert listed.status_code == 200 and "bots" in listed.json()
    assert created.status_code == 201
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as client:
        await client.delete(f"api/bots/{created.json()['id']}")
