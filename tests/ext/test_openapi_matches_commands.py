"""``openapi.yaml`` and the dispatcher's declarations agree: every REST sugar route of every
command is documented with the command's arguments (where they are read, whether required,
their types and bounds), and every documented command route is declared. Edit one without the
other and this fails."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import seraph_ext
from seraph_kernel.commands import COMMANDS

SPEC = yaml.safe_load((Path(seraph_ext.__file__).parent / "openapi.yaml").read_text())
#: Documented paths that are not command routes.
NOT_COMMANDS = {"/invoke", "/api/commands", "/api/seraph/events", "/api/seraph/openapi.yaml"}
ROUTES = [(command, route) for command in COMMANDS.values() for route in command.rest]


def resolve(node: dict) -> dict:
    """Follow a local ``$ref``."""
    while "$ref" in node:
        target = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation(route) -> tuple[dict, dict]:
    item = SPEC["paths"][route.openapi_path]
    return item, item[route.method.lower()]


def documented_parameters(item: dict, op: dict) -> dict[str, dict]:
    params = [resolve(p) for p in item.get("parameters", []) + op.get("parameters", [])]
    return {p["name"]: p for p in params}


def body_schema(op: dict) -> dict:
    if "requestBody" not in op:
        return {"properties": {}, "required": []}
    return resolve(resolve(op["requestBody"])["content"]["application/json"]["schema"])


@pytest.mark.parametrize(("command", "route"), ROUTES, ids=[f"{c.name}:{r.method}" for c, r in ROUTES])
def test_each_command_route_is_documented_with_its_arguments(command, route):
    assert route.openapi_path in SPEC["paths"], f"{route.method} {route.openapi_path} is not in openapi.yaml"
    item, op = operation(route)
    params = documented_parameters(item, op)
    body = body_schema(op)
    for arg in command.args:
        schema = arg.to_json_schema()
        if arg.name in route.path_args:
            assert params[arg.name]["in"] == "path"
            continue
        in_body = route.method in ("POST", "PUT") and arg.rest_in != "query"
        if in_body:
            assert arg.name in body["properties"], f"{command.name}: body field {arg.name} undocumented"
            documented = resolve(body["properties"][arg.name])
            assert (arg.name in body.get("required", [])) == arg.required, f"{command.name}: {arg.name}"
        else:
            assert arg.name in params, f"{command.name}: query parameter {arg.name} undocumented"
            assert params[arg.name]["in"] == "query"
            assert bool(params[arg.name].get("required")) == arg.required, f"{command.name}: {arg.name}"
            documented = params[arg.name]["schema"]
        for key in ("type", "minimum", "maximum"):
            if key in schema:
                assert documented.get(key) == schema[key], f"{command.name}: {arg.name}.{key}"
    declared = {a.name for a in command.args}
    extra_query = {n for n, p in params.items() if p["in"] == "query"} - declared
    assert not extra_query, f"{command.name}: documented but not declared: {extra_query}"
    extra_body = set(body["properties"]) - declared
    assert not extra_body, f"{command.name}: documented body fields not declared: {extra_body}"


def test_every_documented_command_route_is_declared():
    declared = {(r.openapi_path, r.method.lower()) for _, r in ROUTES}
    for path, item in SPEC["paths"].items():
        if path in NOT_COMMANDS:
            continue
        for method in item:
            if method != "parameters":
                assert (path, method) in declared, f"{method.upper()} {path} is documented but not declared"


def test_commands_are_named_once_and_in_seraph_style():
    assert len(COMMANDS) == len({c.name for c in COMMANDS.values()})
    for name in ("list_bots", "connect_bot", "disconnect_bot", "join_world", "leave_world", "bot_walk_to",
                 "bot_chat", "bot_active_worlds", "catalog_block_types", "seraph_execute"):
        assert name in COMMANDS
