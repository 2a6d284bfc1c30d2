"""find_path against python-tcod's A* and networkx's astar_path on the same worlds.

Worlds come from the sim's world generator (a 100×60 mine, a 1000×1000 ``HUGE`` world); if it
is not importable, a seeded random maze with ~30% walls. Start is the spawn, goal the
reachable tile farthest from it (the longest search). Each reference gets its own native input
built outside the timing (tcod: a numpy cost array; networkx: the grid graph); ours gets the
flat passability buffer ``walk_to`` hands it. Figures are medians of repeated runs.

Targets: ≤ 1.5× the fastest reference on both sizes; 100×60 under 1 ms.

    python bench/pathfinding.py [--seed 42] [--repeat 21]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections import deque
from collections.abc import Callable

import networkx as nx
import numpy as np
import tcod.path

from seraph_kernel.backends.pathfinding import find_path

Point = tuple[int, int]


def sim_world(seed: int, name: str) -> tuple[bytes, int, int, Point] | None:
    """Passability of a generated sim world, or ``None`` when the generator is unavailable."""
    try:
        from seraph_kernel.sim import catalog, worldgen
    except ImportError:
        return None
    world = worldgen.generate(seed, name)
    passable = bytes(1 if catalog.is_passable(t) else 0 for t in world.foreground)
    return passable, world.width, world.height, tuple(world.spawn)


def random_maze(seed: int, width: int, height: int) -> tuple[bytes, int, int, Point]:
    rng = random.Random(seed)
    cells = bytearray(0 if rng.random() < 0.3 else 1 for _ in range(width * height))
    start = (width // 2, height // 2)
    cells[start[1] * width + start[0]] = 1
    return bytes(cells), width, height, start


def farthest_reachable(passable: bytes, width: int, height: int, start: Point) -> Point:
    """The tile with the greatest walking distance from ``start`` (breadth-first search)."""
    seen = bytearray(width * height)
    seen[start[1] * width + start[0]] = 1
    queue = deque([start])
    last = start
    while queue:
        last = x, y = queue.popleft()
        for nx_, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            i = ny * width + nx_
            if 0 <= nx_ < width and 0 <= ny < height and passable[i] and not seen[i]:
                seen[i] = 1
                queue.append((nx_, ny))
    return last


def interleaved_medians(fns: dict[str, Callable[[], object]], repeats: dict[str, int]) -> dict[str, tuple]:
    """``{name: (median ms, last result)}``. Runs take turns, in a rotating order, so load
    changes and cache effects hit every implementation alike; the garbage collector is off while
    timing (as in timeit), so collecting networkx's garbage is not billed to the next call."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, object] = {}
    names = list(fns)
    gc.collect()
    gc.disable()
    try:
        for i in range(max(repeats.values())):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                if i < repeats[name]:
                    t0 = time.perf_counter()
                    results[name] = fns[name]()
                    times[name].append((time.perf_counter() - t0) * 1000)
    finally:
        gc.enable()
    return {name: (statistics.median(times[name]), results[name]) for name in fns}


def bench(label: str, grid: tuple[bytes, int, int, Point], repeat: int) -> tuple[float, float]:
    """Print the figures of one world; return our median and our ratio to the fastest reference."""
    passable, width, height, start = grid
    goal = farthest_reachable(passable, width, height, start)
    cost = np.frombuffer(passable, dtype=np.uint8).reshape(height, width).astype(np.int8)
    cost[start[1], start[0]] = 1

    def tcod_astar() -> list[Point]:
        return tcod.path.AStar(cost.T, diagonal=0).get_path(*start, *goal)

    graph = nx.grid_2d_graph(width, height)
    graph.remove_nodes_from(
        [(x, y) for y in range(height) for x in range(width) if not passable[y * width + x]]
    )

    def manhattan(a: Point, b: Point) -> int:
        return abs(a[0] - b[0]) + abs(a[1] - b[1])

    def networkx_astar() -> list[Point]:
        return nx.astar_path(graph, start, goal, heuristic=manhattan)[1:]

    def ours() -> list[Point] | None:
        return find_path(passable, width, height, start, goal)

    nx_repeat = max(3, repeat // 5) if width * height > 100_000 else repeat
    figures = interleaved_medians(
        {"tcod AStar": tcod_astar, "networkx astar_path": networkx_astar, "seraph find_path": ours},
        {"tcod AStar": repeat, "networkx astar_path": nx_repeat, "seraph find_path": repeat},
    )
    lengths = {name: len(path) for name, (_, path) in figures.items()}
    assert len(set(lengths.values())) == 1, f"path lengths differ: {lengths}"
    fastest_name = min((n for n in figures if n != "seraph find_path"), key=lambda n: figures[n][0])
    ratio = figures["seraph find_path"][0] / figures[fastest_name][0]
    print(
        f"{label}: {width}x{height}, start {start} -> goal {goal}, path length {lengths['seraph find_path']}"
    )
    for name, (ms, _) in figures.items():
        print(f"  {name:<22} {ms:10.3f} ms (median)")
    print(f"  ratio vs fastest reference ({fastest_name}): {ratio:.2f}x  (target <= 1.5x)")
    return figures["seraph find_path"][0], ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    worlds = [
        ("sim MINEWORLD", sim_world(args.seed, "MINEWORLD")),
        ("random maze", random_maze(args.seed, 100, 60)),
        ("sim HUGE1", sim_world(args.seed, "HUGE1")),
        ("random maze", random_maze(args.seed, 1000, 1000)),
    ]
    ok = True
    for label, grid in worlds:
        if grid is None:
            print(f"{label}: skipped (the sim's world generator is not importable)")
            continue
        ms, ratio = bench(label, grid, args.repeat)
        ok &= ratio <= 1.5 and (grid[1] * grid[2] > 6000 or ms < 1.0)
    print(f"targets (<= 1.5x the fastest reference; 100x60 under 1 ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
