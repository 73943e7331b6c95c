"""Latency of the area search (`wijkzicht.monitor.areas.search`) for queries as people type them.

Usage: python benchmarks/search_benchmark.py [WAREHOUSE] [--repeat N]
(default warehouse: $WIJKZICHT_DB or the configured default). Prints the median time per query and, as a
floor measured in the same run on the same machine, the median of one plain scan of the area names for a
substring; the ratio is what to compare between machines and runs. Goal (issue #19): well under 50 ms.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from wijkzicht import config, warehouse
from wijkzicht.monitor.areas import search

QUERIES = ("den haag", "Rotterdam Zuid", "Rotterdm", "Overvech", "sudwest fryslan", "bergen", "bos", "GM0599")


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # the first run plans the query and warms the caches
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=30)
    arguments = parser.parse_args()
    with warehouse.opened(config.database_path(arguments.warehouse)) as con:
        floor = median_ms(
            lambda: con.execute(
                "SELECT count(*) FROM area_names WHERE contains(compact, 'rotterdam')"
            ).fetchall(),
            arguments.repeat,
        )
        names = con.execute("SELECT count(*) FROM area_names").fetchone()[0]
        print(f"floor (one substring scan of {names:,} names): {floor:.1f} ms")
        times = {
            query: median_ms(functools.partial(search, con, query), arguments.repeat) for query in QUERIES
        }
    for query, ms in times.items():
        print(f"  {query!r:<20} median {ms:6.1f} ms  ({ms / floor:4.1f} x floor)")
    overall = statistics.median(times.values())
    print(
        f"  {'all queries':<20} median {overall:6.1f} ms  ({overall / floor:4.1f} x floor), max {max(times.values()):.1f} ms"
    )


if __name__ == "__main__":
    main()
