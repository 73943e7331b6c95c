"""Time `wijkzicht report rotterdam-zuid -o x.pdf` (CPU of the whole command, start-up included) against its
floor: WeasyPrint alone turning the same report's HTML into a PDF, in a process of its own, loaded as the
application loads it (without searching for its C libraries; WeasyPrint as it loads by itself is shown
beside). Also times
`wijkzicht --help` against `python -c pass` and `import typer` (the command line's library).

Usage: python benchmarks/report_benchmark.py [WAREHOUSE] [--rounds N]
(default warehouse: $WIJKZICHT_DB or the configured default). Rotterdam-Zuid gets a programme as a
programme office would keep one: goals on real indicators of several of its wijken, measures in every
action line with progress reports, and open, escalated and resolved blockages. They are benchmark
fixtures named as such, in a temporary SQLite database. The rounds alternate command and floor, because
this machine's 2 cores are shared and absolute times drift; the medians and their ratio are reported.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from programme_fixture import fill_programme
from wijkzicht import config, warehouse
from wijkzicht.programmes import database
from wijkzicht.programmes.accounts import COMMAND_LINE
from wijkzicht.programmes.models import FocusArea
from wijkzicht.programmes.seed import seed

FOCUS_AREA = "Rotterdam-Zuid"
WIJKEN = 4
MEASURES = 8
WEASYPRINT_ALONE = (
    "import sys; from weasyprint import HTML; HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])"
)
# The floor loads WeasyPrint as `render.render_pdf` does: without cffi's library search (ldconfig, gcc, ld)
WEASYPRINT_AS_LOADED = "import ctypes.util; ctypes.util.find_library = lambda name: None; " + WEASYPRINT_ALONE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--start-year",
        type=int,
        default=2022,
        help="an earlier start (2015) gives every goal its context band",
    )
    arguments = parser.parse_args()
    warehouse_path = config.database_path(arguments.warehouse)
    # The floor's WeasyPrint runs from the bytecode pip compiled; so does the command, as install.sh leaves
    # it (where PYTHONDONTWRITEBYTECODE is set, a source tree without it would time Python's compiler).
    compileall.compile_dir(Path(config.__file__).parent, quiet=1)  # the package's folder
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        url = f"sqlite:///{folder / 'benchmark.sqlite'}"
        print(f"programme of {FOCUS_AREA}: {_fill(url, warehouse_path, arguments.start_year)}")
        where = ["--db", str(warehouse_path), "--programmes-db", url]
        wijkzicht = [sys.executable, "-m", "wijkzicht"]
        _run([*wijkzicht, "report", FOCUS_AREA, "-o", str(folder / "report.html"), *where])
        html_files = [str(folder / "report.html"), str(folder / "floor.pdf")]
        report_cpu, floor_cpu, searching_cpu = _alternate(
            arguments.rounds,
            [*wijkzicht, "report", FOCUS_AREA, "-o", str(folder / "report.pdf"), *where],
            [sys.executable, "-c", WEASYPRINT_AS_LOADED, *html_files],
            [sys.executable, "-c", WEASYPRINT_ALONE, *html_files],
            measure=_cpu_seconds,
        )
        _print("report PDF, CPU", report_cpu, "WeasyPrint alone on its HTML", floor_cpu)
        print(f"  WeasyPrint alone, searching its libraries as it does by itself: {searching_cpu:.3f} s CPU")
    help_wall, pass_wall = _alternate(
        arguments.rounds, [*wijkzicht, "--help"], [sys.executable, "-c", "pass"], measure=_wall_seconds
    )
    typer_wall = statistics.median(_wall_seconds([sys.executable, "-c", "import typer"]) for _ in range(3))
    _print("wijkzicht --help, wall", help_wall, "python -c pass", pass_wall)
    print(f"  import typer alone: {typer_wall:.3f} s wall")


def _fill(url: str, warehouse_path: Path, start_year: int) -> str:
    store = database.OperationalDatabase.open(url)
    database.upgrade(store.engine)
    con = warehouse.connect(warehouse_path)
    with store.writing(COMMAND_LINE) as session:
        seed(session, con)
        area = session.scalars(select(FocusArea).where(FocusArea.name == FOCUS_AREA)).one()
        filled = fill_programme(session, con, area, wijken=WIJKEN, measures=MEASURES, start_year=start_year)
    con.close()
    store.close()
    return str(filled)


def _alternate(rounds: int, *commands: list[str], measure: Callable[[list[str]], float]) -> list[float]:
    """The median of each command, the commands run one after the other in each round."""
    timed: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for times, argv in zip(timed, commands, strict=True):
            times.append(measure(argv))
    return [statistics.median(times) for times in timed]


def _cpu_seconds(argv: list[str]) -> float:
    """User and system CPU of the child process (and any it starts)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _run(argv)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _wall_seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    _run(argv)
    return time.perf_counter() - started


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "100"})


def _print(what: str, seconds: float, floor_name: str, floor: float) -> None:
    print(f"{what}: {seconds:.3f} s; floor ({floor_name}): {floor:.3f} s; ratio {seconds / floor:.2f}")


if __name__ == "__main__":
    main()
