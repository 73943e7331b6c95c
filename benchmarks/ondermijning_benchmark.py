"""Time the Zicht op Ondermijning view (what one page or API request computes) for a sample of areas.

Usage: python benchmarks/ondermijning_benchmark.py [WAREHOUSE] [--areas N]
(default warehouse: $WIJKZICHT_DB or the configured default). Prints the median and the slowest time per
level over N areas of each level that are large enough to be shown.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from wijkzicht import config, warehouse
from wijkzicht.monitor.ondermijning import area_view, load_framework


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", type=Path)
    parser.add_argument("--areas", type=int, default=20)
    arguments = parser.parse_args()
    framework = load_framework()
    with warehouse.opened(config.database_path(arguments.database)) as con:
        for level in framework.levels:
            codes = [
                row[0]
                for row in con.execute(
                    """SELECT area_code FROM area_population WHERE boundary_year = 2024 AND population >= ?
                       AND area_code LIKE ? ORDER BY hash(area_code) LIMIT ?""",
                    [
                        framework.min_population,
                        {"gemeente": "GM%", "wijk": "WK%", "buurt": "BU%"}[level],
                        arguments.areas,
                    ],
                ).fetchall()
            ]
            seconds = []
            for code in codes:
                started = time.perf_counter()
                area_view(con, code, framework=framework)
                seconds.append(time.perf_counter() - started)
            print(
                f"{level:9} {len(codes):3} areas: median {statistics.median(seconds) * 1000:6.0f} ms, "
                f"slowest {max(seconds) * 1000:6.0f} ms"
            )


if __name__ == "__main__":
    main()
