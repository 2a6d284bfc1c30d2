"""Bad input never crashes the server or half-changes a bot or script: oversized bodies, wrong
content types, malformed JSON, wrong types, unicode and empty ids, huge timeouts, unknown
routes and methods. Each gets a JSON error naming what is wrong."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from seraph_ext.handlers.params import MAX_JSON_DEPTH


async def test_oversized_body_is_413_and_starts_nothing(api, make_bot):
    bot_id = await make_bot()
    source = "-- " + "x" * (3 * 1024 * 1024)
    response = await api.post(
        "api/scripts/execute", json={"client_id": bot_id, "script_id": "big", "source": source}
    )
    assert response.status_code == 413
    assert response.json()["error"].startswith("body: larger than")
    status = await api.get("api/scripts/status", params={"client_id": bot_id, "script_id": "big"})
    assert status.status_code == 404


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"world=MINEWORLD", "application/x-www-form-urlencoded"),
        (b"<world>MINEWORLD</world>", "application/xml"),
        (
            b"--b\r\nContent-Disposition: form-data; name=world\r\n\r\nX\r\n--b--",
            "multipart/form-data; boundary=b",
        ),
        (b"\xff\xfe\x00", "application/json"),
    ],
)
async def test_non_json_bodies_are_400_and_the_bot_stays(api, make_bot, content, content_type):
    bot_id = await make_bot(connect=True)
    response = await api.post(
        f"api/bots/{bot_id}/warp", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert (await api.get(f"api/bots/{bot_id}")).json()["status"] == "menu_ready"


async def test_json_sent_with_a_form_content_type_is_accepted(api, make_bot):
    bot_id = await make_bot(connect=True)
    response = await api.post(
        f"api/bots/{bot_id}/warp",
        content=b'{"world": "MINEWORLD"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json() == {"ok": True}


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    """JSON text of ``depth`` arrays (or objects, with ``'{"a":'`` and ``"}"``) inside each other."""
    return opening * depth + ("1" if opening != "[" else "") + closing * depth


TOO_DEEP = {"error": f"body: arrays and objects nested deeper than {MAX_JSON_DEPTH} levels", "field": "body"}
DEEP_BODIES = [
    ("POST", "invoke", '{"cmd": "list_bots", "args": {"x": %s}}'),
    ("POST", "api/bots", '{"id": "deep", "settings": {"a": %s}}'),
    ("PUT", "api/storage/global/deep", '{"value": %s}'),
    ("POST", "api/scripts/execute", '{"client_id": "deep", "script_id": "deep", "source": "x", "y": %s}'),
]


@pytest.mark.parametrize(("method", "path", "template"), DEEP_BODIES, ids=[p for _, p, _ in DEEP_BODIES])
@pytest.mark.parametrize("shape", [("[", "]"), ('{"a":', "}")], ids=["arrays", "objects"])
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 10_000])
async def test_bodies_nested_too_deep_are_400_and_the_server_keeps_answering(
    api, server, method, path, template, shape, depth
):
    """Past the limit (and far past what Python's decoder can recurse) a body is refused as
    malformed: nothing is created or stored, the server answers the next request."""
    response = await api.request(method, path, content=(template % nested(depth, *shape)).encode())
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert (await api.get("api/storage/global/deep")).json() == {"value": None}
    assert "deep" not in [b["id"] for b in (await api.get("api/bots")).json()["bots"]]
    assert "RecursionError" not in server.log()


async def test_values_nested_up_to_the_limit_are_stored_and_read_back(api):
    """The limit leaves room for what scripts store (tables about 100 levels deep)."""
    value = json.loads(nested(MAX_JSON_DEPTH - 1))
    response = await api.put("api/storage/global/nest", content=f'{{"value": {nested(MAX_JSON_DEPTH - 1)}}}')
    assert response.json() == {"ok": True}
    assert (await api.get("api/storage/global/nest")).json() == {"value": value}
    assert (await api.delete("api/storage/global/nest")).json() == {"deleted": True}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"value": NaN}', "NaN is not a JSON number"),
        (b'{"value": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"value": [1e999]}', "the number '1e999' is out of range"),
        (b'{"value": "\\ud800 alone"}', "a string holds \\ud800, a lone surrogate"),
        (b'{"value": {"\\udfff": 1}}', "a string holds \\udfff, a lone surrogate"),
    ],
)
async def test_bodies_json_cannot_round_trip_are_400_and_store_nothing(api, server, content, problem):
    """Values that would come back as invalid JSON (``NaN``) or break the store (a lone
    surrogate is not UTF-8) are refused when they arrive."""
    response = await api.put("api/storage/global/odd", content=content)
    assert response.status_code == 400
    assert response.json()["field"] == "body" and problem in response.json()["error"]
    assert (await api.get("api/storage/global/odd")).json() == {"value": None}
    assert "UnicodeEncodeError" not in server.log()


async def test_a_surrogate_pair_is_one_character_and_accepted(api):
    response = await api.put("api/storage/global/emoji", content=b'{"value": "\\ud83d\\ude00"}')
    assert response.json() == {"ok": True}
    assert (await api.get("api/storage/global/emoji")).json() == {"value": "\U0001f600"}
    await api.delete("api/storage/global/emoji")


async def test_refused_query_values_are_quoted_briefly(api, make_bot):
    bot_id = await make_bot()
    params = {"client_id": bot_id, "script_id": "s", "after": "9" * 5000 + "x"}
    response = await api.get("api/scripts/console", params=params)
    assert (response.status_code, response.json()["field"]) == (400, "after")
    assert len(response.json()["error"]) < 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("warp", {"world": 7}, "world"),
        ("warp", {"world": ""}, "world"),
        ("warp", {}, "world"),
        ("walk_to", {"x": "1", "y": 2}, "x"),
        ("walk_to", {"x": 1.5, "y": 2}, "x"),
        ("walk_to", {"x": True, "y": 2}, "x"),
        ("walk_to", {"x": 1}, "y"),
        ("walk_to", {"x": 10**40, "y": 1}, "x"),
        ("walk_to", {"x": -1, "y": 1}, "x"),
        ("move", {"dx": 2, "dy": 0}, "dx"),
        ("say", {"text": ["hi"]}, "text"),
        ("say", {"text": "x" * 5000}, "text"),
        ("collect", {"collectable_id": "all"}, "collectable_id"),
    ],
)
async def test_wrong_types_are_400_naming_the_field(api, make_bot, path, body, field):
    bot_id = await make_bot(connect=True)
    response = await api.post(f"api/bots/{bot_id}/{path}", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert response.json()["error"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"script_id": "s", "source": "print(1)"}, "client_id"),
        ({"client_id": "", "script_id": "s", "source": "print(1)"}, "client_id"),
        ({"client_id": "b", "script_id": 3, "source": "print(1)"}, "script_id"),
        ({"client_id": "b", "script_id": "s", "source": None}, "source"),
        ({"client_id": "b", "script_id": "s", "source": "x", "timeout_ms": -1}, "timeout_ms"),
        ({"client_id": "b", "script_id": "s", "source": "x", "timeout_ms": "5"}, "timeout_ms"),
        ({"client_id": "b", "script_id": "s", "source": "x", "timeout_ms": 10**15}, "timeout_ms"),
    ],
)
async def test_bad_execute_bodies_are_400(api, body, field):
    response = await api.post("api/scripts/execute", json=body)
    assert response.status_code == 400
    assert response.json()["field"] == field


@pytest.mark.parametrize("bot_id", ["ボット", "bot%2F1", "%20", "a" * 300, "bot-1%00"])
async def test_strange_ids_are_unknown_bots_not_crashes(api, bot_id):
    response = await api.get(f"api/bots/{bot_id}")
    assert response.status_code in (400, 404)
    assert "error" in response.json()


async def test_unicode_ids_round_trip_through_scripts(api, make_bot):
    bot_id = await make_bot()
    key = {"client_id": bot_id, "script_id": "スクリプト ✓"}
    assert (await api.post("api/scripts/execute", json={**key, "source": 'print("ünï")'})).status_code == 200
    for _ in range(100):
        lines = (await api.get("api/scripts/console", params=key)).json()["lines"]
        if lines:
            break
    assert lines[0]["text"] == "ünï"
    jobs = (await api.get("api/jobs/by_client", params={"client_id": bot_id})).json()["jobs"]
    assert [job["script_id"] for job in jobs] == ["スクリプト ✓"]


@pytest.mark.parametrize("path", ["api/bots//connect", "api/bots/", "api/scripts/", "api/scripts/run"])
async def test_empty_ids_and_unknown_routes_are_404_json(api, path):
    response = await api.post(path, json={})
    assert response.status_code == 404
    assert response.json()["error"].startswith("unknown route: POST ")


async def test_wrong_method_is_405_json(api, server):
    response = await api.put("api/bots", json={})
    assert response.status_code == 405
    assert response.json() == {"error": "method not allowed: PUT /seraph-test/api/bots"}
    unsupported = await api.request("PROPFIND", "api/bots/bot-1")
    assert unsupported.status_code == 405
    assert unsupported.json() == {"error": "method not allowed: PROPFIND /seraph-test/api/bots/bot-1"}
    assert "Uncaught exception in write_error" not in server.log()


async def test_console_after_must_be_a_non_negative_integer(api, make_bot):
    bot_id = await make_bot()
    for after in ("-1", "x"):
        params = {"client_id": bot_id, "script_id": "s", "after": after}
        response = await api.get("api/scripts/console", params=params)
        assert (response.status_code, response.json()["field"]) == (400, "after")


async def test_walk_cancelled_by_a_closed_request_stops_the_walk(api, make_bot, server):
    bot_id = await make_bot(world="MINEWORLD")
    minimap = (await api.get(f"api/bots/{bot_id}/minimap")).json()
    here = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    start = (int(here["map_x"]), int(here["map_y"]))
    target = None
    for x in range(minimap["width"] - 1, 0, -4):
        for y in range(minimap["height"] - 1, 0, -4):
            path = (await api.get(f"api/bots/{bot_id}/path", params={"x": x, "y": y})).json()["path"]
            if len(path) >= 12:
                target = (x, y)
                break
        if target:
            break
    assert target, "no far reachable tile"
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=1.5) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"api/bots/{bot_id}/walk_to", json={"x": target[0], "y": target[1]})
    await asyncio.sleep(1.0)
    first = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    await asyncio.sleep(0.8)
    second = (await api.get(f"api/bots/{bot_id}")).json()["player_position"]
    assert first == second, "the bot kept walking after its request was closed"
    assert (first["map_x"], first["map_y"]) not in (start, target)
