"""Kernel round trip and minimap render time.

- Execute round trip (request sent -> execute_reply received) of ``return 1+1`` on the Seraph
  kernel against ``1+1`` on the stock ``python3`` ipykernel and ``return 1+1`` on ILua (the PyPI
  Lua kernel, which runs a ``lua`` binary), all started side by side in this run and measured
  interleaved. Targets: ratio <= 1.0 against python3 and against ILua (issue 14). ILua is found
  through ``--ilua-python`` (a Python with ``ilua`` installed, e.g. ``python -m venv /tmp/ilua &&
  /tmp/ilua/bin/pip install ilua``; it needs Debian's ``lua5.4``); without it, it is skipped.
- Interrupt latency of a spinning Lua cell (``while true do end``): interrupt sent -> reply.
  Target: <= 500 ms.
- ``%minimap`` render time (palette image with markers, then PNG) for 100x60 and 1000x1000
  worlds of the seeded sim. Target: <= 10 ms at 1000x1000. zlib dominates; on a busy machine
  the figure grows with the load (the bench prints both parts).

Prints medians: per repeat (a block of ``--rounds`` interleaved round trips) and the median of
those. ``--before DIR`` adds the Seraph kernel of an older source tree to the same rounds.
Usage: ``python bench/kernel_roundtrip.py [--rounds N] [--repeats R] [--ilua-python PY]
[--before DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

from seraph_kernel.kernel.widgets.minimap_render import (
    BotMarker,
    Markers,
    encode_png,
    palette_for,
    render_image,
)
from seraph_kernel.sim.catalog import BLOCKS
from seraph_kernel.sim.worldgen import generate

SEED = 42


def drain(client) -> None:
    while True:
        try:
            client.get_iopub_msg(timeout=0.01)
        except queue.Empty:
            return


def round_trip(client, code: str) -> float:
    started = time.perf_counter()
    msg_id = client.execute(code)
    while True:
        reply = client.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            elapsed = time.perf_counter() - started
            assert reply["content"]["status"] == "ok", reply["content"]
            return elapsed


def interrupt_latency(manager, client) -> float:
    # stop_on_error=False: the interrupted cell's error reply must not abort the next request
    # (ipykernel aborts queued execute requests until it has handled its own "stop aborting")
    msg_id = client.execute("while true do end", stop_on_error=False)
    time.sleep(0.3)
    started = time.perf_counter()
    manager.interrupt_kernel()
    while True:
        reply = client.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            return time.perf_counter() - started


def render_times(width: int, height: int, rounds: int) -> tuple[float, float, float]:
    """Medians (seconds) of building the palette image, encoding it, and both (``%minimap``)."""
    world = generate(SEED, "BENCHWORLD", (width, height))
    palette = palette_for((block.id, block.name) for block in BLOCKS.values())
    markers = Markers(
        bots=[BotMarker((width // 2, height // 2))],
        players=[(3, 3), (width - 4, height - 4)],
        collectables=[(x, 5) for x in range(1, min(width, 60), 3)],
        enemies=[(7, y) for y in range(1, min(height, 40), 4)],
    )
    build, encode, total = [], [], []
    for _ in range(rounds):
        started = time.perf_counter()
        image = render_image(world.width, world.height, world.foreground, palette, markers)
        built = time.perf_counter()
        encode_png(image)
        done = time.perf_counter()
        build.append(built - started)
        encode.append(done - built)
        total.append(done - started)
    return statistics.median(build), statistics.median(encode), statistics.median(total)


def ilua_kernel_dir(python: str | None) -> Path | None:
    """A kernels folder holding an ``ilua`` spec run by ``python`` (ILua's own spec says
    ``python``, whichever that is), or None when ILua or a ``lua`` binary is missing."""
    lua = shutil.which("lua5.4") or shutil.which("lua")
    if python is None or lua is None or not Path(python).exists():
        return None
    root = Path(tempfile.mkdtemp(prefix="ilua-kernels-"))
    spec = root / "kernels" / "ilua"
    spec.mkdir(parents=True)
    argv = [python, "-m", "ilua.app", "-c", "{connection_file}", "-i", lua]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "ILua", "language": "lua", "interrupt_mode": "message"})
    )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved blocks of --rounds each")
    parser.add_argument("--ilua-python", help="a Python interpreter with ilua installed")
    parser.add_argument(
        "--before",
        help="the source tree of an earlier version (git archive REV | tar -x -C DIR), run as the "
        "kernel 'before' (PYTHONPATH=DIR) in the same interleaved rounds",
    )
    args = parser.parse_args()
    dropped = sorted(k for k in os.environ if k.startswith("SERAPH_"))
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    if dropped:  # a trial tree's switch named SERAPH_* would silently measure nothing
        print(f"not passed to the kernels (every kernel runs with its defaults): {', '.join(dropped)}")
    kernels = {
        "seraph": ("seraph", "return 1+1"),
        "python3": ("python3", "1+1"),
    }
    ilua_dir = ilua_kernel_dir(args.ilua_python)
    if ilua_dir is not None:
        path = os.pathsep.join(filter(None, [str(ilua_dir), env.get("JUPYTER_PATH")]))
        env["JUPYTER_PATH"] = os.environ["JUPYTER_PATH"] = path  # the spec is looked up here
        kernels["ilua"] = ("ilua", "return 1+1")
    launch = {name: {"env": env} for name in kernels}
    if args.before:
        # `python -m` puts the working directory first on sys.path: start it inside the tree
        before = str(Path(args.before).resolve())
        kernels["before"] = ("seraph", "return 1+1")
        launch["before"] = {"env": {**env, "PYTHONPATH": before}, "cwd": before}
    started = {
        name: start_new_kernel(kernel_name=spec, **launch[name]) for name, (spec, _) in kernels.items()
    }
    repeats: list[dict[str, float]] = []
    try:
        for _ in range(20):
            for name, (_, code) in kernels.items():
                round_trip(started[name][1], code)
        for _ in range(args.repeats):
            times: dict[str, list[float]] = {name: [] for name in kernels}
            for _ in range(args.rounds):
                for name, (_, code) in kernels.items():
                    times[name].append(round_trip(started[name][1], code))
                    drain(started[name][1])
            repeats.append({name: statistics.median(values) * 1000 for name, values in times.items()})
        interrupts = [interrupt_latency(*started["seraph"]) for _ in range(5)]
    finally:
        for manager, client in started.values():
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    print(f"execute round trip (ms), median of {args.rounds} interleaved rounds, {args.repeats} repeats:")
    for index, ms in enumerate(repeats, 1):
        figures = "  ".join(f"{name} {value:6.3f}" for name, value in ms.items())
        ratios = "  ".join(f"seraph/{name} {ms['seraph'] / ms[name]:5.2f}" for name in ms if name != "seraph")
        print(f"  repeat {index}: {figures}   {ratios}")
    ms = {name: statistics.median(r[name] for r in repeats) for name in kernels}
    print("median of the repeats:")
    for name, (_, code) in kernels.items():
        print(f"  {name:8} {code!r:14} {ms[name]:7.3f} ms")
    print(f"  ratio seraph/python3  {ms['seraph'] / ms['python3']:7.3f}   (target <= 1.0)")
    if "before" in ms:
        print(f"  ratio seraph/before   {ms['seraph'] / ms['before']:7.3f}")
    if "ilua" in ms:
        print(f"  ratio seraph/ilua     {ms['seraph'] / ms['ilua']:7.3f}   (target <= 1.0)")
    else:
        print("  ILua skipped: pass --ilua-python (a Python with ilua) and install lua5.4")
    interrupt_ms = statistics.median(interrupts) * 1000
    print(f"interrupt of `while true do end`, median of 5: {interrupt_ms:.1f} ms (target <= 500)")
    for width, height in ((100, 60), (1000, 1000)):
        rounds = 50 if width * height > 100_000 else 200
        build, encode, total = (t * 1000 for t in render_times(width, height, rounds))
        print(
            f"%minimap render {width}x{height}: {total:.2f} ms"
            f" (image {build:.2f} ms + PNG {encode:.2f} ms, medians of {rounds})"
        )
    print("  target: <= 10 ms at 1000x1000")


if __name__ == "__main__":
    main()
