"""``POST /api/library/scripts/{script_id}/execute``: the generated route, with ``user`` set
to the Jupyter user making the request, so a session of a free-for-all script names who ran
it (a client cannot claim another name through this route)."""

from __future__ import annotations

from typing import Any

from seraph_ext.handlers.commands import CommandRouteHandler
from seraph_kernel.commands import Command, Route


class LibraryExecuteHandler(CommandRouteHandler):
    def route_args(self, command: Command, route: Route, path_values: tuple[str, ...]) -> dict[str, Any]:
        args = super().route_args(command, route, path_values)
        user = self.current_user
        args["user"] = getattr(user, "username", None) or getattr(user, "name", None) or None
        return args
