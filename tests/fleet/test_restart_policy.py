"""``seraph_execute``'s additive ``restart`` field: checked like every argument, and accepted
by a single-process fleet (which has no node to lose)."""

from __future__ import annotations

import pytest

from seraph_kernel.errors import InvalidArgument


async def test_restart_takes_no_or_on_failure(fleet):
    bot = (await fleet.create_bot())["id"]
    for policy in ("no", "on-failure"):
        args = {"client_id": bot, "script_id": policy, "source": "return 1", "restart": policy}
        assert await fleet.invoke("seraph_execute", args) == {"ok": True}
    with pytest.raises(InvalidArgument, match="restart: expected one of no, on-failure, got 'always'"):
        await fleet.invoke(
            "seraph_execute", {"client_id": bot, "script_id": "x", "source": "return 1", "restart": "always"}
        )
