"""The dispatcher's front doors: ``POST /invoke {"cmd", "args"}``, ``GET /api/commands``, and
the REST sugar routes, each a thin shell that builds a command's arguments from the path, the
query string and the body, and runs the same command through the fleet.

Every route of a command comes from its declaration in :mod:`seraph_kernel.commands`; a test
checks ``openapi.yaml`` against the same declarations.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from seraph_ext.handlers.base import SeraphHandler
from seraph_ext.handlers.params import query_value
from seraph_kernel.commands import COMMANDS, Command, Route, get_command
from seraph_kernel.errors import InvalidArgument


class InvokeHandler(SeraphHandler):
    """``POST /invoke {"cmd": "<name>", "args": {...}}``: any command; the answer is the body
    its REST sugar route answers (``args`` may be ``null`` or absent for commands without
    arguments)."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        data = self.body()
        command = get_command(data.get("cmd"))
        args = data.get("args")
        if args is not None and not isinstance(args, dict):
            raise InvalidArgument("args", "expected an object or null")
        fleet = await self.fleet()
        self.command_name = command.name
        self.reply(await self.cancellable(fleet.invoke(command.name, args)))


class CommandListHandler(SeraphHandler):
    """``GET /api/commands`` -> ``{"commands": [...names], "details": [...]}`` sorted, read
    from the dispatcher itself."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        names = sorted(COMMANDS)
        self.reply({"commands": names, "details": [COMMANDS[name].describe() for name in names]})


class CommandRouteHandler(SeraphHandler):
    """One REST path; each HTTP method of it is the sugar of one command."""

    def initialize(self, by_method: dict[str, tuple[Command, Route]]) -> None:
        self.by_method = by_method
        # tornado answers 405 for any other method, before authentication (as for every route)
        self.SUPPORTED_METHODS = tuple(by_method)

    async def _run(self, *path_values: str) -> None:
        command, route = self.by_method[self.request.method or ""]
        args = self.route_args(command, route, path_values)
        fleet = await self.fleet()
        self.command_name = command.name
        self.reply(await self.cancellable(fleet.invoke(command.name, args)), status=route.status)

    def route_args(self, command: Command, route: Route, path_values: tuple[str, ...]) -> dict[str, Any]:
        """The command's arguments: path segments, then the query string (GET/DELETE and
        arguments declared ``rest_in="query"``), then the JSON body (POST/PUT)."""
        args: dict[str, Any] = dict(zip(route.path_args, path_values, strict=True))
        has_body = route.method in ("POST", "PUT")
        body_args = [a for a in command.args if a.name not in args and has_body and a.rest_in != "query"]
        if body_args:
            data = self.body(required=any(a.required for a in body_args))
            args.update({a.name: data[a.name] for a in body_args if a.name in data})
        for arg in command.args:
            if arg.name not in args and arg not in body_args:
                text = self.query(arg.name)
                if text is not None:
                    args[arg.name] = query_value(arg, text)
        return args

    get = web.authenticated(authorized(_run))
    post = web.authenticated(authorized(_run))
    put = web.authenticated(authorized(_run))
    delete = web.authenticated(authorized(_run))


def command_routes(
    handlers: dict[str, type[CommandRouteHandler]], allowed: set[str] | None = None
) -> list[tuple[Any, ...]]:
    """``(pattern, handler, {"by_method": …})`` for every REST sugar route of every command,
    one per path. A path where a route names a ``handler`` is served by ``handlers[name]`` (a
    :class:`CommandRouteHandler` that refines one method). With ``allowed`` (``"METHOD /path"``
    strings), only those routes are mounted."""
    by_path: dict[str, dict[str, tuple[Command, Route]]] = {}
    handler_of: dict[str, type[CommandRouteHandler]] = {}
    for command in COMMANDS.values():
        for route in command.rest:
            if allowed is not None and f"{route.method} {route.openapi_path}" not in allowed:
                continue
            by_path.setdefault(route.pattern, {})[route.method] = (command, route)
            if route.handler is not None:
                handler_of[route.pattern] = handlers[route.handler]
    return [
        (pattern, handler_of.get(pattern, CommandRouteHandler), {"by_method": by_method})
        for pattern, by_method in by_path.items()
    ]


handlers = [(r"/invoke", InvokeHandler), (r"/api/commands", CommandListHandler)]
