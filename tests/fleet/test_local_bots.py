"""LocalFleet bot bookkeeping: ids, usernames, validation, listing and deletion."""

import pytest

from seraph_kernel.commands.ids import BOT_ID_RULE
from seraph_kernel.errors import BotExists, InvalidArgument, UnknownBot


async def test_ids_count_up_and_snapshots_start_disconnected(fleet):
    first = await fleet.create_bot()
    second = await fleet.create_bot()
    assert (first["id"], second["id"]) == ("bot-1", "bot-2")
    assert first["status"] == "disconnected"
    assert first["username"] != second["username"]
    assert (await fleet.get_bot("bot-2"))["username"] == second["username"]


async def test_given_ids_and_usernames_are_kept(fleet):
    bot = await fleet.create_bot("miner.01", username="Digger")
    assert (bot["id"], bot["username"]) == ("miner.01", "Digger")
    assert (await fleet.create_bot())["id"] == "bot-1"


async def test_auto_ids_continue_after_the_highest(fleet):
    await fleet.create_bot("bot-7")
    assert (await fleet.create_bot())["id"] == "bot-8"


async def test_default_usernames_follow_the_seed(make_fleet, tmp_path):
    one = await make_fleet(db_path=tmp_path / "a.sqlite")
    two = await make_fleet(db_path=tmp_path / "b.sqlite")
    other_seed = await make_fleet(db_path=tmp_path / "c.sqlite", seed=7)
    names = [(await f.create_bot())["username"] for f in (one, two, other_seed)]
    assert names[0] == names[1] != names[2]
    assert names[0].startswith("P") and names[0][1:].isdigit()


async def test_duplicate_id_is_refused_and_the_first_bot_kept(fleet):
    original = await fleet.create_bot("bot-1", username="First")
    with pytest.raises(BotExists, match="bot already exists: bot-1"):
        await fleet.create_bot("bot-1", username="Second")
    assert (await fleet.get_bot("bot-1"))["username"] == original["username"]


BAD_IDS = [
    "", "x" * 65, "has space", "a/b", "bot:1", "ünï", 7,
    ".", "..", "a\\b", "a?", "a#", "a%2F", "a\x00", " a", "a\n",
]  # fmt: skip


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_bad_ids_are_refused_and_nothing_is_created(fleet, bad_id):
    with pytest.raises(InvalidArgument, match=r"^id: ") as refused:
        await fleet.create_bot(bad_id)
    assert str(refused.value).endswith(f"(allowed: {BOT_ID_RULE})")
    assert await fleet.list_bots() == []


async def test_ids_made_only_of_dots_beyond_two_are_names(fleet):
    assert (await fleet.create_bot("..."))["id"] == "..."


async def test_the_longest_allowed_id_works(fleet):
    bot_id = "A-z_0." + "x" * 58
    assert (await fleet.create_bot(bot_id))["id"] == bot_id


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"backend": "no-such-game"}, "backend"),
        ({"username": ""}, "username"),
        ({"settings": [1]}, "settings"),
        ({"settings": {"when": object()}}, "settings"),
    ],
)
async def test_bad_backend_username_or_settings_are_refused(fleet, kwargs, field):
    with pytest.raises(InvalidArgument, match=f"^{field}: "):
        await fleet.create_bot(**kwargs)
    assert await fleet.list_bots() == []


async def test_list_is_in_natural_id_order_with_lite_snapshots(fleet):
    for bot_id in ("bot-10", "bot-2", "alpha", "bot-1"):
        await fleet.create_bot(bot_id)
    bots = await fleet.list_bots()
    assert [b["id"] for b in bots] == ["alpha", "bot-1", "bot-2", "bot-10"]
    assert all("inventory" not in b and "world" not in b for b in bots)
    full = await fleet.get_bot("bot-1")
    assert {"inventory", "world", "tutorial_stage"} <= full.keys()


async def test_unknown_bots_raise_for_reads_and_actions(fleet):
    for call in (
        fleet.get_bot("bot-99"),
        fleet.connect("bot-99"),
        fleet.warp("bot-99", "MINEWORLD"),
        fleet.walk_to("bot-99", 1, 1),
        fleet.minimap("bot-99"),
        fleet.delete_bot("bot-99"),
    ):
        with pytest.raises(UnknownBot, match="unknown bot: bot-99"):
            await call


async def test_delete_disconnects_and_forgets_the_bot(fleet, make_fleet):
    doomed = await fleet.create_bot()
    keep = await fleet.create_bot()
    assert await fleet.connect("bot-1", wait=True) is None
    await fleet.delete_bot("bot-1")
    assert [b["id"] for b in await fleet.list_bots()] == [keep["id"]]
    with pytest.raises(UnknownBot):
        await fleet.get_bot("bot-1")
    await fleet.create_bot("heir", username=doomed["username"])
    assert await fleet.connect("heir", wait=True) is None  # the account's session was released
    await fleet.delete_bot("heir")
    await fleet.close()
    restarted = await make_fleet()
    assert [b["id"] for b in await restarted.list_bots()] == [keep["id"]]
