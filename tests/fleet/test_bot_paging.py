"""``list_bots`` paged with ``limit`` and ``after`` (issue 14): natural order, a ``next``
cursor only on paged answers, an ``after`` that names no bot, pages inside a workspace."""

from __future__ import annotations

import pytest

from seraph_kernel.errors import InvalidArgument
from seraph_kernel.fleet.bot_order import BotOrder


async def walk(fleet, limit):
    """Every page from the start; the ids in order and the pages' sizes."""
    ids, sizes, after = [], [], None
    while True:
        page = await fleet.invoke("list_bots", {"limit": limit, "after": after})
        ids += [bot["id"] for bot in page["bots"]]
        sizes.append(len(page["bots"]))
        if page["next"] is None:
            return ids, sizes
        after = page["next"]


async def test_pages_walk_every_bot_once_in_the_listings_order(fleet):
    for n in (10, 2, 1, 11, 3):
        await fleet.create_bot(f"bot-{n}")
    await fleet.create_bot("alpha")
    listing = [bot["id"] for bot in await fleet.list_bots()]
    assert listing == ["alpha", "bot-1", "bot-2", "bot-3", "bot-10", "bot-11"]
    assert await walk(fleet, 4) == (listing, [4, 2])
    assert await walk(fleet, 3) == (listing, [3, 3])
    assert await walk(fleet, 1000) == (listing, [6])


async def test_the_unpaged_answer_has_no_next(fleet):
    await fleet.create_bot("a")
    assert list(await fleet.invoke("list_bots")) == ["bots"]
    assert list(await fleet.invoke("list_bots", {"limit": 5})) == ["bots", "next"]


async def test_after_a_deleted_bot_starts_where_it_would_sort(fleet):
    for n in range(1, 6):
        await fleet.create_bot(f"bot-{n}")
    page = await fleet.invoke("list_bots", {"limit": 2})
    assert page["next"] == "bot-2"
    await fleet.delete_bot("bot-2")
    after = await fleet.invoke("list_bots", {"limit": 2, "after": page["next"]})
    assert [bot["id"] for bot in after["bots"]] == ["bot-3", "bot-4"]
    only_after = await fleet.invoke("list_bots", {"after": "bot-4"})
    assert ([bot["id"] for bot in only_after["bots"]], only_after["next"]) == (["bot-5"], None)
    beyond = await fleet.invoke("list_bots", {"limit": 2, "after": "zzz"})
    assert beyond == {"bots": [], "next": None}


@pytest.mark.parametrize(
    ("args", "field"), [({"limit": 0}, "limit"), ({"limit": "5"}, "limit"), ({"after": ""}, "after")]
)
async def test_bad_paging_arguments_are_refused(fleet, args, field):
    with pytest.raises(InvalidArgument) as caught:
        await fleet.invoke("list_bots", args)
    assert caught.value.field == field


async def test_a_limit_above_the_largest_page_is_lowered(fleet):
    await fleet.create_bot("a")
    page = await fleet.invoke("list_bots", {"limit": 10**9})
    assert page == {"bots": await fleet.list_bots(), "next": None}


async def test_a_workspace_pages_its_own_bots_with_short_ids(fleet):
    one = fleet.workspace("nb-one")
    for n in range(1, 4):
        await one.create_bot(f"bot-{n}")
        await fleet.workspace("nb-two").create_bot(f"bot-{n}")
    first = await one.invoke("list_bots", {"limit": 2})
    assert ([bot["id"] for bot in first["bots"]], first["next"]) == (["bot-1", "bot-2"], "bot-2")
    rest = await one.invoke("list_bots", {"limit": 2, "after": first["next"]})
    assert ([bot["id"] for bot in rest["bots"]], rest["next"]) == (["bot-3"], None)


def test_ids_with_equal_natural_keys_are_each_listed_once():
    order = BotOrder()
    ids = ["bot-1", "bot-01", "bot-001", "bot-2"]
    walked, after = [], None
    while True:
        page, after = order.page(ids, after, 1)
        walked += page
        if after is None:
            break
    assert sorted(walked) == sorted(ids) and len(walked) == len(ids)
