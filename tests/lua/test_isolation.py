"""A spinning script runs on its own worker thread: other scripts' sleeps stay on time and the
event loop keeps running (a behaviour check with a generous bound, not a performance target)."""

from __future__ import annotations

import asyncio
import threading

from .conftest import finish

SPIN = "local t = now() repeat for i = 1, 1e5 do end until now() - t > 1000 return 'spun'"
TICKER = """
local worst = 0
for i = 1, 10 do
  local t = now()
  sleep(50)
  local late = now() - t - 50
  if late > worst then worst = late end
end
return worst
"""


async def test_sleeping_scripts_keep_time_while_others_spin(start_lua):
    spinners = [start_lua(SPIN)[0] for _ in range(2)]
    await asyncio.sleep(0.05)
    ticker, _ = start_lua(TICKER)
    loop_ticks = 0

    async def count_loop_ticks():
        nonlocal loop_ticks
        while ticker.running:
            await asyncio.sleep(0.01)
            loop_ticks += 1

    counter = asyncio.ensure_future(count_loop_ticks())
    record = await finish(ticker)
    await counter
    assert record.state == "COMPLETE"
    worst_lateness_ms = record.results[0]
    assert worst_lateness_ms < 1000
    assert loop_ticks > 10  # the event loop was never blocked for the whole time
    assert any(spinner.running for spinner in spinners)  # the ticker finished while they spun
    for spinner in spinners:
        record = await finish(spinner)
        assert record.results == ["spun"], record


async def test_lua_never_runs_on_the_event_loop_thread(engine, start_lua):
    from .conftest import new_vm

    vm = new_vm(engine)
    threads = []
    vm.context.env.where = vm.context.function("where", lambda: threads.append(threading.current_thread()))
    run, _ = start_lua("where() sleep(1) where() task.spawn(where)", vm=vm)
    await finish(run)
    assert len(threads) == 3
    assert threading.current_thread() not in threads
