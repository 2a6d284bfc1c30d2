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
