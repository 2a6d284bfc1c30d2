"""The event bus: fan-out, per-bot filtering, publishing from threads, bounded queues."""

import asyncio
import threading

from seraph_kernel.fleet.base import FleetEvent
from seraph_kernel.fleet.events import FLUSH_EVENTS, EventBus


def event(client_id, n=0):
    return FleetEvent(kind="log", client_id=client_id, data={"n": n})


async def test_every_subscriber_gets_events_and_filters_apply():
    bus = EventBus()
    everything = bus.subscribe()
    only_two = bus.subscribe("bot-2")
    bus.publish(event("bot-1", 1))
    bus.publish(event("bot-2", 2))
    assert [(await anext(everything)).data["n"] for _ in range(2)] == [1, 2]
    assert (await anext(only_two)).data["n"] == 2
    assert only_two.get_nowait() is None


async def test_events_published_from_worker_threads_arrive_in_order():
    bus = EventBus()
    sub = bus.subscribe()

    def worker():
        for n in range(100):
            bus.publish(event("bot-1", n))

    thread = threading.Thread(target=worker)
    thread.start()
    got = [(await asyncio.wait_for(anext(sub), 5)).data["n"] for _ in range(100)]
    thread.join()
    assert got == list(range(100))


async def test_a_slow_subscriber_keeps_only_the_newest_events():
    bus = EventBus(queue_size=10)
    slow = bus.subscribe()
    for n in range(25):
        bus.publish(event("bot-1", n))
    got = []
    while (e := slow.get_nowait()) is not None:
        got.append(e.data["n"])
    assert got == list(range(15, 25))
    assert slow.dropped == 15


async def test_a_slow_subscriber_keeps_only_the_newest_bytes_of_console_lines():
    bus = EventBus(queue_bytes=100_000)
    slow = bus.subscribe()
    line = "x" * 16_000
    for n in range(200):
        bus.publish(FleetEvent(kind="log", client_id="bot-1", data={"n": n, "message": line}))
    got = []
    while (e := slow.get_nowait()) is not None:
        got.append(e.data["n"])
    assert got == list(range(194, 200))
    assert slow.dropped == 194


async def test_close_ends_iteration_and_unsubscribes():
    bus = EventBus()
    sub = bus.subscribe()
    reader = asyncio.ensure_future(anext(sub, None))
    await asyncio.sleep(0)
    sub.close()
    assert await asyncio.wait_for(reader, 1) is None
    bus.publish(event("bot-1"))
    assert sub.get_nowait() is None


async def test_bus_close_ends_every_subscription():
    bus = EventBus()
    subs = [bus.subscribe(), bus.subscribe("bot-1")]
    bus.close()
    for sub in subs:
        assert [e async for e in sub] == []


async def test_subscribing_after_close_ends_at_once():
    bus = EventBus()
    bus.close()
    late = bus.subscribe()
    bus.publish(event("bot-1"))
    assert [e async for e in late] == []


def snapshot(client_id, n):
    return FleetEvent(kind="session", client_id=client_id, data={"snapshot": {"id": client_id, "n": n}})


def drain(sub):
    got = []
    while (e := sub.get_nowait()) is not None:
        got.append((e.kind, e.client_id, e.data.get("n", e.data.get("snapshot", {}).get("n"))))
    return got


async def test_a_slow_readers_snapshots_of_one_bot_collapse_into_the_latest_in_its_place():
    bus = EventBus(coalesce_after=0)
    slow = bus.subscribe()
    bus.publish(snapshot("bot-1", 1))
    bus.publish(event("bot-1", 10))
    bus.publish(snapshot("bot-2", 1))
    bus.publish(snapshot("bot-1", 2))
    assert drain(slow) == [("log", "bot-1", 10), ("session", "bot-2", 1), ("session", "bot-1", 2)]
    assert (slow.coalesced, slow.dropped) == (1, 0)


async def test_console_lines_overflowing_never_push_out_the_latest_snapshots():
    bus = EventBus(queue_size=10, coalesce_after=0)
    slow = bus.subscribe()
    for n in range(3):
        for bot in ("a", "b", "c"):
            bus.publish(snapshot(bot, n))
    for n in range(50):
        bus.publish(event("a", n))
    got = drain(slow)
    assert got[:3] == [("session", "a", 2), ("session", "b", 2), ("session", "c", 2)]
    assert [n for _, _, n in got[3:]] == list(range(40, 50))
    assert (slow.coalesced, slow.dropped) == (6, 40)
    assert slow.backlog() == {"queued": 0, "queued_bytes": 0, "snapshots": 0, "dropped": 40, "coalesced": 6}


async def test_snapshots_of_more_bots_than_the_slots_lose_the_oldest_bots():
    bus = EventBus(snapshot_slots=3, coalesce_after=0)
    slow = bus.subscribe()
    for bot in ("a", "b", "c", "d", "e"):
        bus.publish(snapshot(bot, 0))
    assert slow.backlog()["snapshots"] == 3
    assert [bot for _, bot, _ in drain(slow)] == ["c", "d", "e"]
    assert slow.dropped == 2


async def test_deferred_events_wait_for_flush_then_arrive_in_one_batch_in_order():
    bus = EventBus()
    sub = bus.subscribe()
    drains = 0
    drain = bus._drain_pending

    def counted_drain():
        nonlocal drains
        drains += 1
        drain()

    bus._drain_pending = counted_drain
    thread = threading.Thread(
        target=lambda: [bus.publish(event("bot-1", n), deferred=True) for n in range(300)]
    )
    thread.start()
    thread.join()
    await asyncio.sleep(0.05)
    assert sub.get_nowait() is None  # nothing hopped onto the loop yet
    flusher = threading.Thread(target=bus.flush)
    flusher.start()
    flusher.join()
    got = [(await asyncio.wait_for(anext(sub), 5)).data["n"] for _ in range(300)]
    assert got == list(range(300))
    assert drains == 1


async def test_deferred_events_go_without_flush_past_the_batch_bound():
    bus = EventBus(queue_size=FLUSH_EVENTS * 2)
    sub = bus.subscribe()
    thread = threading.Thread(
        target=lambda: [bus.publish(event("bot-1", n), deferred=True) for n in range(FLUSH_EVENTS)]
    )
    thread.start()
    thread.join()
    got = [(await asyncio.wait_for(anext(sub), 5)).data["n"] for _ in range(FLUSH_EVENTS)]
    assert got == list(range(FLUSH_EVENTS))


async def test_a_reader_that_keeps_up_sees_every_status_change_of_a_bot():
    """A batch (console lines and snapshots come in batches) reaching a reader with nothing
    waiting is queued whole; one reaching a reader still behind is coalesced."""
    bus = EventBus(coalesce_after=1)
    reader = bus.subscribe()

    def batch(numbers):
        thread = threading.Thread(
            target=lambda: [bus.publish(snapshot("bot-1", n), deferred=True) for n in numbers]
        )
        thread.start()
        thread.join()
        bus.flush()

    batch(range(4))
    await asyncio.sleep(0.05)
    assert [n for _, _, n in drain(reader)] == [0, 1, 2, 3]
    batch(range(4))
    await asyncio.sleep(0.05)
    batch(range(4, 8))
    await asyncio.sleep(0.05)
    assert [n for _, _, n in drain(reader)] == [0, 1, 2, 3, 7]
    assert reader.coalesced == 3
