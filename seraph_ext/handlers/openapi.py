"""``GET /api/seraph/openapi.yaml``: the REST contract this server implements, as shipped in
``seraph_ext/openapi.yaml`` (the tests check the live server against the same file)."""

from __future__ import annotations

from importlib.resources import files

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler

OPENAPI_YAML = files("seraph_ext").joinpath("openapi.yaml")


class OpenAPIHandler(SeraphHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(OPENAPI_YAML.read_bytes(), set_content_type="application/yaml")


handlers = [(r"/api/seraph/openapi.yaml", OpenAPIHandler)]
