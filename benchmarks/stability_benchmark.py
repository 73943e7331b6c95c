"""Time the rank-stability run over all wijken of the latest picture, against one plain scoring pass.

Usage: python benchmarks/stability_benchmark.py [WAREHOUSE] [--level wijk] [--repeat N]
(default warehouse: $WIJKZICHT_DB or the configured default). Alternates, N times, the floor (the default
scoring of the same matrix, one variant) and the full run (every variant of `catalogue/stability.yaml`
with its summary per area and score), so both see the same load on a shared machine; prints the medians
and the ratio full / floor, and the full run's CPU time (on a machine shared by others the wall time waits
for the CPU; the CPU time is what the run itself uses). The target is a full run under 30 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

from wijkzicht import config, warehouse
from wijkzicht.catalogue.variation import load_variation
from wijkzicht.monitor import index, stability


def seconds(action: object) -> tuple[float, float]:
    """Wall time and CPU time of the process."""
    assert callable(action)
    start, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--level", default="wijk", choices=stability.STABILITY_LEVELS)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    variation = load_variation()
    plain = replace(variation.switched_off(), variants=1)
    with warehouse.opened(config.database_path(arguments.warehouse)) as con:
        partition = index.latest_partition(con, index.Selection(level=arguments.level))
        matrix = stability.load_matrix(con, partition)
    floors, fulls, cpus = [], [], []
    for _ in range(arguments.repeat):
        floors.append(seconds(lambda: stability.run(matrix, plain))[0])
        wall, cpu = seconds(lambda: stability.summarise(matrix, stability.run(matrix, variation), variation))
        fulls.append(wall)
        cpus.append(cpu)
    floor, full = statistics.median(floors), statistics.median(fulls)
    print(
        f"{len(matrix.areas)} {arguments.level} x {len(matrix.indicators)} indicators "
        f"({partition.subgroup} {partition.period}, boundaries {partition.boundary_year}), "
        f"{variation.variants} variants, {arguments.repeat} alternating runs"
    )
    print(
        f"  floor (one scoring pass)  median {floor:8.3f} s  (min {min(floors):.3f}, max {max(floors):.3f})"
    )
    print(f"  full stability run        median {full:8.3f} s  (min {min(fulls):.3f}, max {max(fulls):.3f})")
    print(f"  full run, CPU time        median {statistics.median(cpus):8.3f} s")
    print(
        f"  ratio full / floor        {full / floor:8.0f}   ({full / floor / variation.variants:.2f} per variant)"
    )
    print(f"  target: full run under 30 s: {'met' if full < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
