"""The dispatcher on a real Jupyter server: ``POST /invoke`` reaches every command,
``GET /api/commands`` lists them, and every REST sugar route answers exactly what ``/invoke``
answers for the same command, on good input and on bad."""

from __future__ import annotations

import pytest
from rest_helpers import wait_snapshot

from seraph_kernel.commands import COMMANDS
from seraph_kernel.sim import catalog


async def invoke(api, cmd, args=None):
    return await api.post("invoke", json={"cmd": cmd, "args": args})


async def test_invoke_join_world_does_what_warp_does(api, make_bot):
    by_invoke = await make_bot(connect=True)
    by_route = await make_bot(connect=True)
    answer = await invoke(api, "join_world", {"id": by_invoke, "world": "MINEWORLD"})
    routed = await api.post(f"api/bots/{by_route}/warp", json={"world": "MINEWORLD"})
    assert (answer.status_code, answer.json()) == (routed.status_code, routed.json()) == (200, {"ok": True})
    for bot_id in (by_invoke, by_route):
        snapshot = await wait_snapshot(api, bot_id, lambda s: s["status"] == "in_world")
        assert snapshot["current_world"] == "MINEWORLD"


async def test_api_commands_lists_every_command_sorted(api):
    response = await api.get("api/commands")
    assert response.status_code == 200
    body = response.json()
    assert body["commands"] == sorted(COMMANDS)
    assert "bot_drop" in body["commands"] and "join_world" in body["commands"]
    details = {d["name"]: d for d in body["details"]}
    assert [a["name"] for a in details["join_world"]["args"]] == ["id", "world", "wait", "special"]
    assert details["join_world"]["rest"] == ["POST /api/bots/{id}/warp"]
    assert details["bot_drop"]["lua"] == "client:drop"


async def test_zero_argument_commands_take_null_empty_or_no_args(api, make_bot):
    await make_bot()
    for body in ({"cmd": "list_bots", "args": None}, {"cmd": "list_bots", "args": {}}, {"cmd": "list_bots"}):
        response = await api.post("invoke", json=body)
        assert response.status_code == 200 and response.json()["bots"]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"cmd": "no_such_thing"}, 404, "unknown command: no_such_thing"),
        ({"cmd": 7}, 404, "unknown command: 7"),
        ({"args": {}}, 404, "unknown command: None"),
        ({"cmd": "list_bots", "args": [1]}, 400, "args: expected an object or null"),
    ],
)
async def test_bad_invocations_are_refused_clearly(api, body, status, error):
    response = await api.post("invoke", json=body)
    assert (response.status_code, response.json()["error"]) == (status, error)


async def test_invoke_needs_the_token(anonymous):
    response = await anonymous.post("invoke", json={"cmd": "list_bots"})
    assert response.status_code == 403
    assert (await anonymous.get("api/commands")).status_code == 403


def sugar_cases(bot_id: str) -> list[tuple[str, dict, str, str, dict]]:
    """``(cmd, args, method, path, payload)``: the same call through /invoke and its route."""
    bot = f"api/bots/{bot_id}"
    return [
        ("get_bot", {"id": bot_id}, "GET", bot, {}),
        ("get_bot", {"id": "nobody"}, "GET", "api/bots/nobody", {}),
        ("join_world", {"id": bot_id}, "POST", f"{bot}/warp", {"json": {}}),
        ("join_world", {"id": bot_id, "world": 5}, "POST", f"{bot}/warp", {"json": {"world": 5}}),
        ("join_world", {"id": "nobody", "world": "X"}, "POST", "api/bots/nobody/warp", {"json": {"world": "X"}}),  # noqa: E501
        ("bot_walk_to", {"id": bot_id, "x": "1", "y": 2}, "POST", f"{bot}/walk_to", {"json": {"x": "1", "y": 2}}),  # noqa: E501
        ("bot_walk_to", {"id": bot_id, "x": -1, "y": 2}, "POST", f"{bot}/walk_to", {"json": {"x": -1, "y": 2}}),  # noqa: E501
        ("bot_hit", {"id": bot_id, "x": 1, "y": 1}, "POST", f"{bot}/hit", {"json": {"x": 1, "y": 1}}),
        ("bot_move", {"id": bot_id, "dx": 2, "dy": 0}, "POST", f"{bot}/move", {"json": {"dx": 2, "dy": 0}}),
        ("bot_path", {"id": bot_id, "x": 3, "y": 4}, "GET", f"{bot}/path", {"params": {"x": 3, "y": 4}}),
        ("bot_world_info", {"id": bot_id}, "GET", f"{bot}/world_info", {}),
        ("bot_drop", {"id": bot_id, "block_id": 1, "amount": 0}, "POST", f"{bot}/drop",
         {"json": {"block_id": 1, "amount": 0}}),
        ("bot_drop", {"id": bot_id, "block_id": 99999, "amount": 1}, "POST", f"{bot}/drop",
         {"json": {"block_id": 99999, "amount": 1}}),
        ("bot_inventory", {"id": bot_id}, "GET", f"{bot}/inventory", {}),
        ("storage_set", {"scope": "elsewhere", "key": "k", "value": 1}, "PUT", "api/storage/elsewhere/k",
         {"json": {"value": 1}}),
        ("storage_get", {"scope": "global", "key": "nothing"}, "GET", "api/storage/global/nothing", {}),
        ("seraph_status", {"client_id": bot_id, "script_id": "never"}, "GET", "api/scripts/status",
         {"params": {"client_id": bot_id, "script_id": "never"}}),
        ("seraph_execute", {"client_id": bot_id, "script_id": "bad", "source": "return ("}, "POST",
         "api/scripts/execute", {"json": {"client_id": bot_id, "script_id": "bad", "source": "return ("}}),
        ("catalog_block_types", {}, "GET", "api/catalog/block_types", {}),
    ]  # fmt: skip


async def test_every_sugar_route_answers_what_invoke_answers(api, make_bot):
    bot_id = await make_bot(connect=True, world="MINEWORLD")
    for cmd, args, method, path, payload in sugar_cases(bot_id):
        through_invoke = await invoke(api, cmd, args)
        through_route = await api.request(method, path, **payload)
        assert (through_route.status_code, through_route.json()) == (
            through_invoke.status_code,
            through_invoke.json(),
        ), f"{cmd} {args}"


async def test_bot_drop_over_rest_and_invoke(api, make_bot):
    dropper = await make_bot(connect=True, world="MINEWORLD")
    picker = await make_bot(connect=True, world="MINEWORLD")
    pickaxe = {"block_id": catalog.PICKAXE_BASIC, "amount": 1}
    dropped = await api.post(f"api/bots/{dropper}/drop", json=pickaxe)
    assert (dropped.status_code, dropped.json()) == (200, {"ok": True})
    again = await invoke(api, "bot_drop", {"id": dropper, **pickaxe})
    assert (again.status_code, again.json()["code"]) == (422, "OTHER")
    collected = await invoke(api, "bot_collect", {"id": picker})
    assert collected.status_code == 200 and collected.json()["collected"] >= 1
    items = (await api.get(f"api/bots/{picker}/inventory")).json()["items"]
    assert {row["block_id"]: row["amount"] for row in items}[catalog.PICKAXE_BASIC] == 2
