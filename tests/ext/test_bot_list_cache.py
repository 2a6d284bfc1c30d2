"""The shared ``GET /api/bots`` body: reused while nothing changed, rebuilt as soon as a bot
event arrives (a change made by one request is seen by the next) or once it is too old."""

from __future__ import annotations

import asyncio
import json

from seraph_ext import bot_list_cache
from seraph_ext.bot_list_cache import BotListCache


async def test_reused_until_a_bot_changes(fleet):
    await fleet.create_bot("a")
    cache = BotListCache(fleet, max_age_s=60)
    first = (await cache.get()).body
    assert (await cache.get()).body is first
    await fleet.create_bot("b")
    after_create = json.loads((await cache.get()).body)
    assert [bot["id"] for bot in after_create["bots"]] == ["a", "b"]
    await fleet.connect("b", wait=True)
    statuses = {bot["id"]: bot["status"] for bot in json.loads((await cache.get()).body)["bots"]}
    assert statuses["b"] == "menu_ready"
    cache.close()


async def test_rebuilt_once_too_old(fleet):
    await fleet.create_bot("a")
    cache = BotListCache(fleet, max_age_s=0.05)
    first = (await cache.get()).body
    await asyncio.sleep(0.1)
    assert (await cache.get()).body is not first
    cache.close()


async def test_the_body_is_the_fleets_list(fleet):
    for name in ("x", "y"):
        await fleet.create_bot(name)
    cache = BotListCache(fleet)
    assert json.loads((await cache.get()).body) == {"bots": await fleet.list_bots()}
    cache.close()


async def test_a_build_yields_between_pages_and_requests_meanwhile_share_it(fleet, monkeypatch):
    """A 10,000-bot body takes a while: the loop keeps running between pages, and a request
    arriving during the build gets the same body instead of building another."""
    monkeypatch.setattr(bot_list_cache, "BUILD_PAGE", 3)
    for n in range(8):
        await fleet.create_bot(f"bot-{n}")
    cache = BotListCache(fleet, max_age_s=60)
    building = asyncio.ensure_future(cache.get())
    await asyncio.sleep(0)
    assert not building.done()
    meanwhile = await cache.get()
    assert (await building) is meanwhile
    assert meanwhile.body == json.dumps({"bots": await fleet.list_bots()}, separators=(",", ":")).encode()
    cache.close()


async def test_console_lines_do_not_make_it_rebuild(fleet):
    """Printing scripts change no snapshot: their lines leave the body as it is."""
    await fleet.create_bot("a")
    await fleet.execute("a", "s", "return 1")
    while (await fleet.status("a", "s"))["running"]:
        await asyncio.sleep(0.01)
    cache = BotListCache(fleet, max_age_s=60)
    first = await cache.get()
    watcher = fleet.subscribe()
    await fleet.console_add("a", "s", "a console line")
    assert (await asyncio.wait_for(anext(watcher), 5)).kind == "log"
    assert (await cache.get()) is first
    watcher.close()
    cache.close()


async def test_a_body_that_took_long_to_build_is_reused_for_longer(fleet, monkeypatch):
    """max_age_s bounds staleness for small fleets; a body whose build took a while is reused
    for BUILD_AGE_FACTOR times that, so polling a big idle fleet does not rebuild it each time."""
    await fleet.create_bot("a")
    build = BotListCache._build

    async def slow_build(self):
        await asyncio.sleep(0.1)
        return await build(self)

    monkeypatch.setattr(BotListCache, "_build", slow_build)
    cache = BotListCache(fleet, max_age_s=0.05)
    first = await cache.get()
    await asyncio.sleep(0.15)
    assert (await cache.get()) is first
    await asyncio.sleep(0.3)
    assert (await cache.get()) is not first
    cache.close()
