"""Build benchmark: `wijkzicht build` against a floor of DuckDB alone reading the same raw files.

Each measurement runs in a fresh Python process; the parent reads the child's CPU (user + system, all its
threads) and peak memory (RSS) from the kernel's accounting (`os.wait4`), and times its wall clock. The
floor loads every raw file the build reads into tables of a DuckDB file, with no checks, no unpivoting and
no provenance: what any loader of these files must at least pay. Build and floor alternate, so machine
noise hits both alike; the ratios are taken from the medians of the same run.

The growth run builds from 1, 2 and 4 copies of the health survey tables (RIVM, the largest source): a
temporary snapshot links every other file of the real one and adds, per extra copy, the same rows under
clearly fictitious periods (the year plus 1000 times the copy's number: 3012, 4012, ...), so that the build's
duplicate checks accept them. These copies are a scale test of the build's memory and CPU and nothing
else: they never leave the temporary folder. `--steps` prints per build step the CPU it used, the memory
the process held at its end and its peak within the step (Linux: the peak is reset per step).

    .venv/bin/python benchmarks/build_benchmark.py [--snapshot ../shared/data] [--repeat 3]
    .venv/bin/python benchmarks/build_benchmark.py --growth 1 2 4 [--memory-limit 1GB]
    .venv/bin/python benchmarks/build_benchmark.py --steps

Figures, not thresholds: timing assertions never go into the unit tests (shared, noisy machines).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HEALTH_FOLDER = "rivm_gezondheid"
# The edition period in the health survey's rows (column Perioden), e.g. 2016JJ00.
PERIOD = re.compile(rb"\b(\d{4})JJ00\b")

MEASURE = r"""
import sys
from pathlib import Path
job, snapshot, database = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if job == "build":  # as `wijkzicht build` does it, with the web's map documents
    from wijkzicht.monitor.stored import build_warehouse
    from wijkzicht.web.monitor.kaart import store_map_documents
    build_warehouse(database, [snapshot], documents=[("kaarten", store_map_documents)])
else:
    from wijkzicht.warehouse.sources import discover
    from wijkzicht.warehouse import connect
    con = connect(database, read_only=False)
    for index, (_, path) in enumerate(discover(snapshot)):
        name, text = f"t{index}", str(path)
        if path.name.endswith((".csv.gz", ".csv")):
            delimiter = ";" if path.suffix == ".csv" and "statline" in path.name else ","
            try:
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{text}', all_varchar=true, delim='{delimiter}')")
            except Exception:  # a StatLine export with title lines: the build reads it with Python's csv too
                import csv
                with path.open(encoding="utf-8-sig", newline="") as stream:
                    rows = list(csv.reader(stream, delimiter=";"))
        elif path.name.endswith(".geojson.gz"):
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM ST_Read('/vsigzip/{text}')")
        elif path.name.endswith((".json", ".json.gz")):
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_json_objects('{text}', format='unstructured')")
        elif path.suffix == ".xlsx":  # DuckDB cannot read these two: the libraries the build uses read them
            import openpyxl
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            rows = [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]
            workbook.close()
        else:  # .rda (R data)
            import warnings, rdata
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rdata.conversion.convert(rdata.parser.parse_file(path))
    con.close()
"""

# One build with a line per step: CPU used (all threads), memory held at the step's end and its peak.
STEPS = r"""
import resource, sys, time
from pathlib import Path
snapshot, database = Path(sys.argv[1]), Path(sys.argv[2])
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.web.monitor.kaart import store_map_documents

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

def memory(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")

def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux 4.0+)
    except OSError:
        pass

state = {"label": None, "cpu": cpu(), "wall": time.perf_counter()}

def progress(label, done, total):
    if label == state["label"]:
        return
    if state["label"] is not None:
        print(f"{cpu() - state['cpu']:7.2f} s CPU {time.perf_counter() - state['wall']:7.2f} s wall "
              f"{memory('VmRSS'):6.0f} MB held {memory('VmHWM'):6.0f} MB peak  {state['label']}", flush=True)
    reset_peak()
    state.update(label=label, cpu=cpu(), wall=time.perf_counter())

build_warehouse(database, [snapshot], documents=[("kaarten", store_map_documents)], progress=progress)
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float


def measure(job: str, snapshot: Path, environment: dict[str, str]) -> Run:
    """One fresh process doing `job`; its CPU and peak RSS as the kernel accounted them."""
    with tempfile.TemporaryDirectory() as folder:
        database, errors = Path(folder) / "bench.duckdb", Path(folder) / "errors.txt"
        with errors.open("wb") as error_file:
            started = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-c", MEASURE, job, str(snapshot), str(database)],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=error_file,
            )
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the {job} failed:\n{errors.read_text()}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def alternate(snapshot: Path, repeat: int, environment: dict[str, str]) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"floor": [], "build": []}
    for _ in range(repeat):
        for job, results in runs.items():  # interleaved, so machine noise hits both alike
            results.append(measure(job, snapshot, environment))
    return runs


def medians(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu_seconds for r in runs),
        statistics.median(r.peak_mb for r in runs),
    )


def print_comparison(runs: dict[str, list[Run]], prefix: str = "") -> None:
    floor, build = medians(runs["floor"]), medians(runs["build"])
    for job, figures in (("floor", floor), ("build", build)):
        print(
            f"{prefix}{job:6} wall {figures.seconds:7.2f} s   CPU {figures.cpu_seconds:7.2f} s   "
            f"peak {figures.peak_mb:6.0f} MB   (medians of {len(runs[job])})"
        )
    print(
        f"{prefix}build / floor: CPU {build.cpu_seconds / floor.cpu_seconds:.2f}x (goal <= 2.5), "
        f"peak memory {build.peak_mb / floor.peak_mb:.2f}x (goal <= 2), wall {build.seconds / floor.seconds:.2f}x"
    )


def grown_snapshot(snapshot: Path, copies: int, folder: Path) -> Path:
    """A snapshot with `copies` times the health tables: links to every real file, and per extra copy each
    health file again with its periods moved by 1000 times the copy's number (fictitious: a scale test only)."""
    grown = folder / f"snapshot-{copies}"
    for path in snapshot.rglob("*"):
        target = grown / path.relative_to(snapshot)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path.resolve())
    for path in sorted((snapshot / HEALTH_FOLDER).glob("*.csv.gz")):
        rows = gzip.decompress(path.read_bytes())
        for copy in range(1, copies):

            def shifted(match: re.Match[bytes], copy: int = copy) -> bytes:
                return b"%dJJ00" % (int(match.group(1)) + 1000 * copy)

            name = path.name.replace("gezondheid_", f"gezondheid_schaaltest{copy}_")
            (grown / HEALTH_FOLDER / name).write_bytes(gzip.compress(PERIOD.sub(shifted, rows), mtime=0))
    return grown


def growth(snapshot: Path, sizes: list[int], environment: dict[str, str]) -> None:
    print("copies   build CPU   build peak   floor CPU   floor peak   build peak / first size's", flush=True)
    first: Run | None = None
    with tempfile.TemporaryDirectory() as folder:
        for copies in sizes:
            runs = alternate(grown_snapshot(snapshot, copies, Path(folder)), 1, environment)
            build, floor = medians(runs["build"]), medians(runs["floor"])
            first = first or build
            print(
                f"{copies:6} {build.cpu_seconds:9.1f} s {build.peak_mb:9.0f} MB {floor.cpu_seconds:9.1f} s "
                f"{floor.peak_mb:9.0f} MB {build.peak_mb / first.peak_mb:12.2f}x",
                flush=True,
            )


def steps(snapshot: Path, environment: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-c", STEPS, str(snapshot), str(Path(folder) / "bench.duckdb")],
            env=environment,
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=Path("../shared/data"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--growth", type=int, nargs="+", metavar="COPIES", help="growth run, e.g. 1 2 4")
    parser.add_argument("--steps", action="store_true", help="one build, with CPU and memory per step")
    parser.add_argument("--memory-limit", help="the build's memory budget (WIJKZICHT_BUILD_MEMORY), e.g. 1GB")
    arguments = parser.parse_args()
    environment = dict(os.environ)
    if arguments.memory_limit:
        environment["WIJKZICHT_BUILD_MEMORY"] = arguments.memory_limit
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} processors")
    if arguments.steps:
        steps(arguments.snapshot, environment)
    elif arguments.growth:
        growth(arguments.snapshot, arguments.growth, environment)
    else:
        print_comparison(alternate(arguments.snapshot, arguments.repeat, environment))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
