"""A deployment's Authorizer governs the ``seraph`` resource: the handlers use jupyter_server's
``@authorized``, so a read-only policy lets reads through and refuses every change."""

from __future__ import annotations

import httpx
from jupyter_server.auth.authorizer import Authorizer

from seraph_ext.testing import serve


class ReadOnlySeraph(Authorizer):
    """Allows everything except writes and deletes on the ``seraph`` resource."""

    def is_authorized(self, handler, user, action, resource):
        return not (resource == "seraph" and action in ("write", "execute"))


async def test_a_read_only_authorizer_refuses_changes_with_the_envelope(sim_server, db_path):
    config = {"ServerApp": {"authorizer_class": ReadOnlySeraph}}
    async with (
        serve(sim_address=sim_server.address, db_path=db_path, server_config=config) as server,
        httpx.AsyncClient(base_url=server.url, headers=server.headers) as client,
    ):
        listed = await client.get("api/bots")
        created = await client.post("api/bots", json={})
        deleted = await client.delete("api/storage/global")
        assert (await client.get("api/bots")).json() == {"bots": []}
    assert listed.status_code == 200
    assert created.status_code == 403
    assert created.json() == {"error": "User is not authorized to write on resource: seraph."}
    assert deleted.status_code == 403 and "seraph" in deleted.json()["error"]
