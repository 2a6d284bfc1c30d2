"""Listing the sessions of a library script that has 100,000 sessions.

Fills a fresh SQLite store (the real schema) with one script and N sessions (plus the same
number for a second script, so the index has to pick), then times pages of 100 through
``LibraryStore.sessions`` (what ``POST …/sessions`` and ``GET …/sessions/filter`` run): the
first page, a page in the middle, the last page, pages filtered by key, and the script's
info with its totals.

Target: under 50 ms for a page of 100 (every position).

    python bench/library_sessions.py [--sessions 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from seraph_kernel.library.store import LibraryStore, now_ms
from seraph_kernel.store import Database

PAGE = 100
TARGET_MS = 50.0


def fill(db: Database, store: LibraryStore, count: int) -> tuple[str, str]:
    """Two scripts with ``count`` ended sessions each (keys cycle through 50 users)."""
    scripts = [store.create_script(name, None, "return 1", {}) for name in ("measured", "other")]
    created = now_ms() - count
    with db.transaction() as conn:
        for script_id in scripts:
            conn.executemany(
                "INSERT INTO library_sessions (id, script_id, user_key, roblox_id, place_id, job_id,"
                " client_id, world, version, created_at, ended_at, state)"
                " VALUES (?, ?, ?, ?, 'MINEWORLD', ?, ?, 'MINEWORLD', 1, ?, ?, 'COMPLETE')",
                (
                    (
                        f"{script_id}-{n}",
                        script_id,
                        f"user-{n % 50}",
                        str(1000 + n % 7),
                        str(n),
                        f"bot-{n % 7}",
                        created + n,
                        created + n + 1,
                    )
                    for n in range(count)
                ),
            )
    return scripts[0], f"user-{7}"


def time_ms(call, repeat: int, rows: int = PAGE) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - start) * 1000)
        assert len(answer) == rows, len(answer)
    return {"median_ms": round(statistics.median(times), 3), "max_ms": round(max(times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite")
        store = LibraryStore(db)
        started = time.perf_counter()
        script_id, key = fill(db, store, args.sessions)
        fill_s = time.perf_counter() - started
        n = args.sessions
        cases = {
            "first page": lambda: store.sessions(script_id, 0, PAGE),
            "middle page": lambda: store.sessions(script_id, n // 2, PAGE),
            "last page": lambda: store.sessions(script_id, n - PAGE, PAGE),
            "filtered by key (first)": lambda: store.sessions(script_id, 0, PAGE, {"user_key": key}),
            "filtered by key (last)": lambda: store.sessions(
                script_id, n // 50 - PAGE, PAGE, {"user_key": key}
            ),
        }
        results = {name: time_ms(call, args.repeat) for name, call in cases.items()}
        totals = time_ms(lambda: [store.script(script_id)], args.repeat, rows=1)
        db.close()
    worst = max(r["median_ms"] for r in results.values())
    print(
        json.dumps(
            {
                "sessions_per_script": n,
                "fill_s": round(fill_s, 2),
                "pages_of_100": results,
                "script_info_with_totals": totals,
                "worst_median_ms": worst,
                "target_ms": TARGET_MS,
                "meets_target": worst < TARGET_MS,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
