"""Time the two recomputes of the monitor's index: every level, boundary year, period and subgroup.

Usage: python benchmarks/analysis_benchmark.py [WAREHOUSE] [--repeat N] [--threads N]
(default warehouse: $WIJKZICHT_DB or the configured default).

- *full recompute*: every step from the published observations (register, input, standardise, memberships,
  domains, stack), as the build does once for the stored default scores (`index.compute`).
- *settings changed*: what the product does when a user asks for other settings (`index.use_scores`, here
  worst share 0.2 for every partition): the stored standardisation is reused and only the steps that read a
  setting run again (memberships, domains, stack).

The two alternate within each run. Prints the medians in wall and CPU seconds (the process's, DuckDB's threads
included) and the DuckDB thread count; the CPU of *settings changed* is what to compare with the 1 s target.
This machine's cores are shared, so wall time drifts with the neighbours' load while CPU time does not; but
CPU counts every DuckDB thread, so `--threads 1` shows what the parallelism costs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from wijkzicht import config, warehouse
from wijkzicht.catalogue import Catalogue, load_catalogue
from wijkzicht.monitor import index
from wijkzicht.warehouse.queries import one_value

STEPS = ("register", "input", "standardise", "memberships", "domains", "stack")
CHANGED = "settings changed"
CHANGED_SETTINGS = index.Settings(worst_share=0.2)

Seconds = tuple[float, float]  # wall, CPU


def timed(action: Callable[[], None]) -> Seconds:
    start, start_cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start, time.process_time() - start_cpu


def timed_recompute(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> dict[str, Seconds]:
    """Per step of the full recompute, and the recompute with changed settings as one."""
    settings = index.Settings()
    actions = {
        "register": lambda: index.register_indicators(con, index.scored_indicators(catalogue)),
        "input": lambda: index.prepare_input(con, index.Selection()),
        "standardise": lambda: index.standardise(con),
        "memberships": lambda: index.choose_memberships(con, settings),
        "domains": lambda: index.score_domains(con, settings),
        "stack": lambda: index.stack(con, settings),
    }
    seconds = {step: timed(actions[step]) for step in STEPS}
    seconds[CHANGED] = timed(lambda: index.use_scores(con, index.Selection(), CHANGED_SETTINGS))
    return seconds


def print_medians(name: str, runs: list[Seconds]) -> None:
    wall = statistics.median(wall for wall, _ in runs)
    cpus = [cpu for _, cpu in runs]
    print(
        f"  {name:<16} wall {wall:6.3f} s  CPU {statistics.median(cpus):6.3f} s"
        f"  (CPU min {min(cpus):.3f}, max {max(cpus):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, one per core)")
    arguments = parser.parse_args()
    catalogue = load_catalogue()
    with warehouse.opened(config.database_path(arguments.warehouse)) as con:
        if arguments.threads:
            con.execute("SET threads = ?", [arguments.threads])
        runs = [timed_recompute(con, catalogue) for _ in range(arguments.repeat)]
        rows = {
            table: one_value(con, f"SELECT count(*) FROM {table}")
            for table in ("standardised", "domain_scores", "area_index")
        }
        threads = one_value(con, "SELECT current_setting('threads')")
    print(f"{arguments.repeat} runs, {threads} DuckDB threads; medians")
    print("full recompute (from the published observations):")
    for step in STEPS:
        print_medians(step, [run[step] for run in runs])
    full = [(sum(run[step][0] for step in STEPS), sum(run[step][1] for step in STEPS)) for run in runs]
    print_medians("total", full)
    print(f"{CHANGED} (stored standardisation, worst share {CHANGED_SETTINGS.worst_share}):")
    print_medians("total", [run[CHANGED] for run in runs])
    for table, count in rows.items():
        print(f"  {table:<14} {count:>10,} rows")


if __name__ == "__main__":
    main()
