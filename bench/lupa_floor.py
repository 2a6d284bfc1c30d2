"""The floor under issue 14's printing target: bare lupa driven by asyncio, and nothing else.

``--scripts`` bare ``lupa.LuaRuntime``s each run a coroutine that yields every 100 ms; asyncio's
``call_later`` resumes it. With ``--print`` each tick also yields a line (``'tick ' .. n``) that
Python appends to a bounded deque: no console buffer, no event, no stream, no limits, no hook.
Whatever Seraph's runtime does per tick comes on top of this, so a target below it cannot be met
by any design that resumes one lupa coroutine per script from Python.

    python bench/lupa_floor.py [--scripts 1000] [--seconds 10] [--print]

``printing_steady.py`` runs it (in a subprocess, before its server starts) as its baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import subprocess
import sys
import time

QUIET = "return function() while true do coroutine.yield(100) end end"
PRINTING = "return function() local n = 0 while true do n = n + 1 coroutine.yield(100, 'tick ' .. n) end end"
WARM_S = 2.0


async def measure(scripts: int, seconds: float, printing: bool) -> dict[str, float]:
    import lupa.lua54 as lupa

    loop = asyncio.get_running_loop()
    lines: collections.deque[str] = collections.deque(maxlen=1000)
    counted = [0]

    def step(co) -> None:
        if printing:
            ms, line = co.send(None)
            lines.append(line)
            counted[0] += 1
        else:
            ms = co.send(None)
        loop.call_later(ms / 1000, step, co)

    coroutines = []
    for _ in range(scripts):
        co = lupa.LuaRuntime().execute(PRINTING if printing else QUIET).coroutine()
        coroutines.append(co)
        step(co)
        await asyncio.sleep(0.1 / scripts)
    await asyncio.sleep(WARM_S)
    cpu0, wall0, lines0 = time.process_time(), time.monotonic(), counted[0]
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return {
        "core": cpu / wall,
        "us": cpu / wall / (scripts * 10) * 1e6,
        "lines_s": (counted[0] - lines0) / wall,
    }


def floor(scripts: int, seconds: float, printing: bool) -> dict[str, float]:
    """The floor measured in a fresh interpreter (its RSS and heap owe nothing to the caller)."""
    cmd = [sys.executable, __file__, "--scripts", str(scripts), "--seconds", str(seconds), "--json"]
    out = subprocess.run(cmd + (["--print"] if printing else []), check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--print", action="store_true", help="each tick also hands Python a line")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    r = asyncio.run(measure(args.scripts, args.seconds, args.print))
    if args.json:
        print(json.dumps(r))
        return
    kind = "printing" if args.print else "quiet"
    print(
        f"{args.scripts} bare lupa runtimes, {kind}, 10 Hz: {r['core'] * 100:.1f}% of a core,"
        f" {r['us']:.1f} us per tick, {r['lines_s']:.0f} lines/s"
    )


if __name__ == "__main__":
    main()
