"""The OpenAPI file is the contract: served as shipped, naming exactly the mounted routes, and
every response of the live server conforms to it (schemathesis, bounded examples)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import seraph_ext
from seraph_ext.handlers import routes
from seraph_ext.handlers.base import NotFoundHandler

SPEC_PATH = Path(seraph_ext.__file__).parent / "openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text())
EXAMPLE_BOT = "bot-1"


def test_the_served_file_is_the_shipped_file(server):
    response = httpx.get(server.url + "api/seraph/openapi.yaml", headers=server.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.content == SPEC_PATH.read_bytes()
    assert yaml.safe_load(response.text)["openapi"].startswith("3.")


def test_every_mounted_route_is_documented_and_every_documented_path_is_mounted():
    mounted = [pattern for pattern, handler, *_ in routes() if handler is not NotFoundHandler]
    patterns = [re.compile(pattern + "$") for pattern in mounted]
    documented = [re.sub(r"\{[^}]+\}", "x", path) for path in SPEC["paths"]]
    for path in documented:
        assert any(p.match(path) for p in patterns), f"{path} is documented but not mounted"
    for pattern in patterns:
        assert any(pattern.match(path) for path in documented), f"{pattern.pattern} is not documented"


def test_the_spec_documents_auth_and_the_error_envelope():
    assert set(SPEC["components"]["securitySchemes"]) == {"bearer", "tokenHeader", "tokenQuery"}
    assert SPEC["components"]["schemas"]["Error"]["required"] == ["error"]
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "403" in operation["responses"], f"{method} {path} does not document 403"


@schemathesis.check
def only_documented_server_errors(ctx, response, case):
    """A 5xx is allowed only where 001 documents it: a Lua compile error of execute."""
    if response.status_code >= 500:
        compile_error = case.path in ("/api/scripts/execute", "/invoke") and response.status_code == 500
        body = response.json() if compile_error else {}
        assert compile_error and body.get("error", "").startswith("lua compile: "), (
            f"{response.status_code} from {case.method} {case.path}: {response.text[:300]}"
        )


@pytest.fixture(scope="module")
def example_bot(server):
    """The bot the spec's examples name, standing in MINEWORLD, so examples reach 2xx paths."""
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        client.post("api/bots", json={"id": EXAMPLE_BOT})
        client.post(f"api/bots/{EXAMPLE_BOT}/connect", params={"wait": "true"})
        client.post(f"api/bots/{EXAMPLE_BOT}/warp", params={"wait": "true"}, json={"world": "MINEWORLD"})
    return EXAMPLE_BOT


schema = schemathesis.openapi.from_dict(SPEC).exclude(path="/api/seraph/events")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_live_responses_conform_to_the_spec(case, server, example_bot):
    case.call_and_validate(
        base_url=server.url.rstrip("/"),
        headers=server.headers,
        timeout=30,
        checks=[
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            only_documented_server_errors,
        ],
    )


def test_the_event_stream_is_documented_as_text_event_stream():
    responses = SPEC["paths"]["/api/seraph/events"]["get"]["responses"]
    assert "text/event-stream" in responses["200"]["content"]
