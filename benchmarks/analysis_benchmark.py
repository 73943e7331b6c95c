"""Time a full recompute of the monitor's index: every level, boundary year, period and subgroup.

Usage: python benchmarks/analysis_benchmark.py [WAREHOUSE] [--repeat N]
(default warehouse: $WIJKZICHT_DB or the configured default). Prints the time of each step and the
number of rows it produced; the median of the runs is what to compare with the 2 s target.
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

STEPS = ("register", "input", "standardise", "domains", "stack")


def timed_recompute(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> dict[str, float]:
    settings = index.Settings()
    actions = {
        "register": lambda: index.register_indicators(con, index.scored_indicators(catalogue)),
        "input": lambda: index.prepare_input(con, index.Selection()),
        "standardise": lambda: index.standardise(con),
        "domains": lambda: index.score_domains(con, settings),
        "stack": lambda: index.stack(con, settings),
    }
    seconds = {}
    for step in STEPS:
        start = time.perf_counter()
        actions[step]()
        seconds[step] = time.perf_counter() - start
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
    totals = [sum(run.values()) for run in runs]
    print(f"full recompute, {arguments.repeat} runs, {threads} DuckDB threads")
    for step in STEPS:
        print(f"  {step:<12} median {statistics.median(run[step] for run in runs):6.3f} s")
    spread = f"(min {min(totals):.3f}, max {max(totals):.3f})"
    print(f"  {'total':<12} median {statistics.median(totals):6.3f} s  {spread}")
    for table, count in rows.items():
        print(f"  {table:<14} {count:>10,} rows")


if __name__ == "__main__":
    main()
