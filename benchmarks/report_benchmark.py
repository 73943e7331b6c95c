"""Time `wijkzicht report rotterdam-zuid -o x.pdf` (CPU of the whole command, start-up included) against its
floor: WeasyPrint alone turning the same report's HTML into a PDF, in a process of its own. Also times
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
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from wijkzicht import config, warehouse
from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import database, records, schemas
from wijkzicht.programmes.accounts import COMMAND_LINE
from wijkzicht.programmes.models import FocusArea, Organisation
from wijkzicht.programmes.seed import seed

FOCUS_AREA = "Rotterdam-Zuid"
INDICATORS = ("moeite_met_rondkomen", "eenzaam", "ervaren_gezondheid_goed", "overgewicht")
WIJKEN = 4
MEASURES = 8
BLOCKAGES = (("open", "local"), ("open", "national"), ("open", "alliance"), ("resolved", "local"))
WEASYPRINT_ALONE = (
    "import sys; from weasyprint import HTML; HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    warehouse_path = config.database_path(arguments.warehouse)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        url = f"sqlite:///{folder / 'benchmark.sqlite'}"
        print(f"programme of {FOCUS_AREA}: {_fill(url, warehouse_path)}")
        where = ["--db", str(warehouse_path), "--programmes-db", url]
        wijkzicht = [sys.executable, "-m", "wijkzicht"]
        _run([*wijkzicht, "report", FOCUS_AREA, "-o", str(folder / "report.html"), *where])
        report_cpu, floor_cpu = _alternate(
            arguments.rounds,
            [*wijkzicht, "report", FOCUS_AREA, "-o", str(folder / "report.pdf"), *where],
            [sys.executable, "-c", WEASYPRINT_ALONE, str(folder / "report.html"), str(folder / "floor.pdf")],
            measure=_cpu_seconds,
        )
        _print("report PDF, CPU", report_cpu, "WeasyPrint alone on its HTML", floor_cpu)
    help_wall, pass_wall = _alternate(
        arguments.rounds, [*wijkzicht, "--help"], [sys.executable, "-c", "pass"], measure=_wall_seconds
    )
    typer_wall = statistics.median(_wall_seconds([sys.executable, "-c", "import typer"]) for _ in range(3))
    _print("wijkzicht --help, wall", help_wall, "python -c pass", pass_wall)
    print(f"  import typer alone: {typer_wall:.3f} s wall")


def _fill(url: str, warehouse_path: Path) -> str:
    store = database.OperationalDatabase.open(url)
    database.upgrade(store.engine)
    con = warehouse.connect(warehouse_path)
    goals = 0
    with store.writing(COMMAND_LINE) as session:
        seed(session, con)
        area = session.scalars(select(FocusArea).where(FocusArea.name == FOCUS_AREA)).one()
        owner = session.scalar(
            select(Organisation.id).where(Organisation.gemeente_code == area.gemeente_code)
        )
        assert owner is not None  # the seed adds every focus area's gemeente
        programme = _create(
            session,
            con,
            "programme",
            schemas.ProgrammeIn(
                focus_area_id=area.id,
                title="Benchmark programme",
                start_year=2022,
                end_year=2032,
                status="running",
            ),
        )
        for wijk in area.wijken[:WIJKEN]:
            for indicator in INDICATORS:
                try:
                    _create(
                        session,
                        con,
                        "goal",
                        schemas.GoalIn(
                            programme_id=programme.id,
                            title=f"Benchmark goal {indicator} {wijk}",
                            indicator=indicator,
                            subgroup="18plus",
                            area_code=wijk,
                            target_value=20,
                            target_year=2030,
                        ),
                    )
                    goals += 1
                except WijkzichtError:
                    pass  # the monitor has no such series for this wijk
        for number in range(MEASURES):
            measure = _create(
                session,
                con,
                "measure",
                schemas.MeasureIn(
                    programme_id=programme.id,
                    title=f"Benchmark measure {number}",
                    action_line=number % 4 + 1,
                    theme="overig",
                    owner_id=owner,
                    budget=Decimal(25_000 * (number + 1)),
                    funding_source="overig",
                    status="running",
                ),
            )
            _create(
                session,
                con,
                "progress_update",
                schemas.ProgressUpdateIn(
                    measure_id=measure.id,
                    reported_on=date(2025, 1 + number, 1),
                    status=("green", "amber", "red")[number % 3],
                    narrative=f"Benchmark progress report {number}",
                ),
            )
        for number, (status, escalation) in enumerate(BLOCKAGES):
            resolved = status == "resolved"
            _create(
                session,
                con,
                "blockage",
                schemas.BlockageIn(
                    focus_area_id=area.id,
                    title=f"Benchmark blockage {number}",
                    description="Benchmark blockage description",
                    category=("law", "funding", "capacity", "data")[number],
                    escalation=escalation,
                    owner_id=owner,
                    raised_on=date(2024, 3, 1),
                    resolved_on=date(2025, 2, 1) if resolved else None,
                    status=status,
                    resolution="Benchmark resolution" if resolved else "",
                ),
            )
    con.close()
    store.close()
    return f"{goals} goals, {MEASURES} measures with progress reports, {len(BLOCKAGES)} blockages"


def _create(session: object, con: object, kind: str, data: schemas.Record) -> object:
    return records.create(session, COMMAND_LINE, records.KINDS[kind], data, con)  # type: ignore[arg-type]


def _alternate(rounds: int, command: list[str], floor: list[str], *, measure: object) -> tuple[float, float]:
    """Medians of `command` and `floor`, run one after the other in each round."""
    timed: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for times, argv in zip(timed, (command, floor), strict=True):
            times.append(measure(argv))  # type: ignore[operator]
    return statistics.median(timed[0]), statistics.median(timed[1])


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
