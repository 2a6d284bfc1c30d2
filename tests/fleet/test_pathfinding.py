"""find_path, the planner behind walk_to / get_path: shortest 4-neighbour routes, every input
form, and clear answers for blocked, unreachable and out-of-grid targets."""

import random
from array import array
from collections import deque

import numpy as np
import pytest

from seraph_kernel.backends.pathfinding import find_path

# 0 = wall. A wall column splits the grid except for the gap at the bottom.
GRID = [
    1, 0, 1,
    1, 0, 1,
    1, 1, 1,
]  # fmt: skip
ROUTE = [(0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0)]


@pytest.mark.parametrize(
    "passable",
    [
        GRID,
        bytes(GRID),
        bytearray(GRID),
        array("H", [7 * v for v in GRID]),
        np.array(GRID, dtype=np.int32),
        [bool(v) for v in GRID],
        lambda x, y: GRID[y * 3 + x],
    ],
    ids=["list", "bytes", "bytearray", "array-H", "numpy", "bools", "callable"],
)
def test_every_input_form_gives_the_route_around_the_wall(passable):
    assert find_path(passable, 3, 3, (0, 0), (2, 0)) == ROUTE


def test_same_tile_is_an_empty_route():
    assert find_path(GRID, 3, 3, (2, 2), (2, 2)) == []


@pytest.mark.parametrize("goal", [(1, 0), (5, 0), (0, -1), (3, 3)], ids=["wall", "right", "above", "corner"])
def test_blocked_or_outside_goals_are_unreachable(goal):
    assert find_path(GRID, 3, 3, (0, 0), goal) is None


def test_cut_off_goal_is_unreachable():
    walled = [1, 0, 1, 1, 0, 1, 1, 0, 1]
    assert find_path(walled, 3, 3, (0, 0), (2, 2)) is None


def test_a_bot_standing_on_a_blocked_tile_can_walk_off_it():
    assert find_path([0, 1, 1], 3, 1, (0, 0), (2, 0)) == [(1, 0), (2, 0)]


def test_single_row_and_single_column_grids():
    assert find_path([1] * 4, 4, 1, (0, 0), (3, 0)) == [(1, 0), (2, 0), (3, 0)]
    assert find_path([1] * 4, 1, 4, (0, 3), (0, 1)) == [(0, 2), (0, 1)]


def test_the_grid_passed_in_is_not_modified():
    grid = bytearray([0, 1, 1])
    find_path(grid, 3, 1, (0, 0), (2, 0))
    assert grid == bytearray([0, 1, 1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1] * 5, 3, 2, (0, 0), (1, 1)), "grid has 5 cells, expected 3x2"),
        (([1] * 6, 3, 2, (3, 0), (1, 1)), r"start \(3, 0\) is outside the 3x2 grid"),
        (([], 0, 2, (0, 0), (0, 0)), "grid size must be positive"),
    ],
)
def test_bad_grids_raise_clear_errors(args, message):
    with pytest.raises(ValueError, match=message):
        find_path(*args)


def bfs_distance(grid, width, height, start, goal):
    if start == goal:
        return 0
    if not grid[goal[1] * width + goal[0]]:
        return None
    seen, queue = {start: 0}, deque([start])
    while queue:
        x, y = queue.popleft()
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if 0 <= nx < width and 0 <= ny < height and grid[ny * width + nx] and (nx, ny) not in seen:
                seen[(nx, ny)] = seen[(x, y)] + 1
                if (nx, ny) == goal:
                    return seen[(nx, ny)]
                queue.append((nx, ny))
    return None


def test_routes_are_shortest_and_walkable_on_random_grids():
    rng = random.Random(5)
    for _ in range(500):
        width, height = rng.randint(1, 12), rng.randint(1, 12)
        grid = [0 if rng.random() < 0.3 else 1 for _ in range(width * height)]
        start = (rng.randrange(width), rng.randrange(height))
        goal = (rng.randrange(width), rng.randrange(height))
        route = find_path(grid, width, height, start, goal)
        expected = bfs_distance(grid, width, height, start, goal)
        if expected is None:
            assert route is None
            continue
        assert len(route) == expected
        here = start
        for step in route:
            assert abs(step[0] - here[0]) + abs(step[1] - here[1]) == 1
            assert grid[step[1] * width + step[0]]
            here = step
        assert here == goal
