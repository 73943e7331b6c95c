"""Time `similar_areas` per call against the floor of one lookup by area code, side by side.

Usage: python benchmarks/similar_benchmark.py [WAREHOUSE] [--areas N] [--rounds N] [-k K]
(default warehouse: $WIJKZICHT_DB or the configured default). For N random wijken (fixed seed), in rounds
that alternate the floor (`SELECT * FROM areas WHERE code = ?`, one indexed lookup) and `similar_areas`
with its default boundary year, prints the CPU milliseconds per call of each and their ratio. This
machine's cores are shared, so only the ratio within a round is worth comparing.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from wijkzicht import config, warehouse
from wijkzicht.monitor.similar import similar_areas


def cpu_per_call(call: Callable[[str], object], codes: list[str]) -> float:
    """CPU milliseconds per call (DuckDB's threads included), after one call to warm the connection."""
    call(codes[0])
    start = time.process_time()
    for code in codes:
        call(code)
    return (time.process_time() - start) / len(codes) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--areas", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-k", type=int, default=5)
    arguments = parser.parse_args()
    with warehouse.opened(config.database_path(arguments.warehouse)) as con:
        wijken = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT area_code FROM area_structure WHERE level = 'wijk' ORDER BY area_code"
            ).fetchall()
        ]
        codes = random.Random(18).sample(wijken, arguments.areas)

        def floor(code: str) -> object:
            return con.execute("SELECT * FROM areas WHERE code = ?", [code]).fetchall()

        def similar(code: str) -> object:
            return similar_areas(con, code, k=arguments.k)

        print(f"similar_areas, k={arguments.k}, {arguments.areas} random wijken; CPU ms per call")
        for round_number in range(1, arguments.rounds + 1):
            lookup, found = cpu_per_call(floor, codes), cpu_per_call(similar, codes)
            print(
                f"round {round_number}: floor {lookup:.2f}  similar_areas {found:.2f}  ratio {found / lookup:.1f}"
            )


if __name__ == "__main__":
    main()
