"""Time the rank-stability run over all wijken of the latest picture, against one plain scoring pass.

Usage: python benchmarks/stability_benchmark.py [WAREHOUSE] [--level wijk] [--repeat N]
(default warehouse: $WIJKZICHT_DB or the configured default). Alternates, N times, the floor (the default
scoring of the same matrix, one variant) and the full run (every variant of `catalogue/stability.yaml`
with its summary per area and score), so both see the same load on a shared machine; prints the medians
and the ratio full / floor. The target is a full run under 30 s.
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


def seconds(action: object) -> float:
    assert callable(action)
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


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
    floors, fulls = [], []
    for _ in range(arguments.repeat):
        floors.append(seconds(lambda: stability.run(matrix, plain)))
        fulls.append(
            seconds(lambda: stability.summarise(matrix, stability.run(matrix, variation), variation))
        )
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
    print(
        f"  ratio full / floor        {full / floor:8.0f}   ({full / floor / variation.variants:.2f} per variant)"
    )
    print(f"  target: full run under 30 s: {'met' if full < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
