"""Build benchmark: `wijkzicht build` against a floor of DuckDB alone reading the same raw files.

Each measurement runs in a fresh Python process and reports its wall time and peak memory (RSS).
The floor loads every raw file the build reads into tables of a DuckDB file, with no checks, no
unpivoting and no provenance: what any loader of these files must at least pay.

    .venv/bin/python benchmarks/build_benchmark.py [--snapshot ../shared/data] [--repeat 3]

Figures, not thresholds: timing assertions never go into the unit tests (shared, noisy machines).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
job, snapshot, database = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
started = time.perf_counter()
if job == "build":
    from wijkzicht.monitor.stored import build_warehouse
    build_warehouse(database, [snapshot])
else:
    from wijkzicht.warehouse.sources import discover
    from wijkzicht.warehouse import connect
    con = connect(database, read_only=False)
    for index, (_, path) in enumerate(discover(snapshot)):
        name, text = f"t{index}", str(path)
        if path.name.endswith((".csv.gz", ".csv")):
            delimiter = ";" if path.suffix == ".csv" and "statline" in path.name else ","
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{text}', all_varchar=true, delim='{delimiter}')")
        elif path.name.endswith(".geojson.gz"):
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM ST_Read('/vsigzip/{text}')")
        elif path.name.endswith((".json", ".json.gz")):
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_json_objects('{text}', format='unstructured')")
        else:  # .rda: DuckDB cannot read R data; the floor reads it with the same library the build uses
            import rdata
            rdata.read_rda(path)
    con.close()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_mb}))
"""


def measure(job: str, snapshot: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.duckdb"
        output = subprocess.run(
            [sys.executable, "-c", MEASURE, job, str(snapshot), str(database)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=Path("../shared/data"))
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"floor": [], "build": []}
    for _ in range(arguments.repeat):
        for job in results:  # interleaved, so machine noise hits both alike
            results[job].append(measure(job, arguments.snapshot))
    summary = {
        job: {
            "median_seconds": statistics.median(r["seconds"] for r in runs),
            "min_seconds": min(r["seconds"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
        }
        for job, runs in results.items()
    }
    ratio = summary["build"]["median_seconds"] / summary["floor"]["median_seconds"]
    memory_ratio = summary["build"]["peak_mb"] / summary["floor"]["peak_mb"]
    for job, figures in summary.items():
        print(
            f"{job:6} median {figures['median_seconds']:6.2f} s   min {figures['min_seconds']:6.2f} s   "
            f"peak {figures['peak_mb']:7.0f} MB"
        )
    print(f"build / floor: time {ratio:.2f}x, peak memory {memory_ratio:.2f}x (goal: time within 3x)")


if __name__ == "__main__":
    main()
