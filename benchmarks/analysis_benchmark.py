"""Time a full recompute of the monitor's index: every level, boundary year, period and subgroup.

Usage: python benchmarks/analysis_benchmark.py [WAREHOUSE] [--repeat N]
(default warehouse: $WIJKZICHT_DB or the configured default). Prints the time of each step and the
number of rows it produced, in wall and CPU seconds (the process's, DuckDB's threads included); the median
CPU of the runs is what to compare with the 1 s target. This machine's cores are shared, so wall time drifts
with the neighbours' load while CPU time does not.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb

from wijkzicht import config, warehouse
from wijkzicht.catalogue import Catalogue, load_catalogue
from wijkzicht.monitor import index

STEPS = ("register", "input", "standardise", "memberships", "domains", "stack")


def timed_recompute(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> dict[str, tuple[float, float]]:
    """Per step: (wall seconds, CPU seconds)."""
    settings = index.Settings()
    actions = {
        "register": lambda: index.register_indicators(con, index.scored_indicators(catalogue)),
        "input": lambda: index.prepare_input(con, index.Selection()),
        "standardise": lambda: index.standardise(con),
        "memberships": lambda: index.choose_memberships(con, settings),
        "domains": lambda: index.score_domains(con, settings),
        "stack": lambda: index.stack(con, settings),
    }
    seconds = {}
    for step in STEPS:
        start, start_cpu = time.perf_counter(), time.process_time()
        actions[step]()
        seconds[step] = (time.perf_counter() - start, time.process_time() - start_cpu)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    catalogue = load_catalogue()
    with warehouse.opened(config.database_path(arguments.warehouse)) as con:
        runs = [timed_recompute(con, catalogue) for _ in range(arguments.repeat)]
        rows = {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("standardised", "domain_scores", "area_index")
        }
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"full recompute, {arguments.repeat} runs, {threads} DuckDB threads; medians")
    for step in STEPS:
        wall = statistics.median(run[step][0] for run in runs)
        cpu = statistics.median(run[step][1] for run in runs)
        print(f"  {step:<12} wall {wall:6.3f} s  CPU {cpu:6.3f} s")
    totals = [sum(wall for wall, _ in run.values()) for run in runs]
    cpu_totals = [sum(cpu for _, cpu in run.values()) for run in runs]
    print(
        f"  {'total':<12} wall {statistics.median(totals):6.3f} s  CPU {statistics.median(cpu_totals):6.3f} s"
        f"  (CPU min {min(cpu_totals):.3f}, max {max(cpu_totals):.3f})"
    )
    for table, count in rows.items():
        print(f"  {table:<14} {count:>10,} rows")


if __name__ == "__main__":
    main()
