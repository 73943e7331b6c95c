"""Time programme steering on a throw-away SQLite database: goal progress, the governance reports (HTML and
PDF) and audited, version-checked edits.

Usage: python benchmarks/programmes_benchmark.py [WAREHOUSE] [--edits N]
(default warehouse: $WIJKZICHT_DB or the configured default). Every focus area gets a programme from
`programme_fixture`: goals on real indicators of its first wijk, five measures with a progress report each
and its blockages; benchmark fixtures named as such, living only in a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
from sqlalchemy import select

from programme_fixture import fill_programme
from wijkzicht import config, warehouse
from wijkzicht.programmes import database, records, schemas
from wijkzicht.programmes.accounts import COMMAND_LINE
from wijkzicht.programmes.models import FocusArea, Measure
from wijkzicht.programmes.seed import seed
from wijkzicht.web import render
from wijkzicht.web.programmes import report

INDICATORS = ("moeite_met_rondkomen", "eenzaam", "ervaren_gezondheid_goed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--edits", type=int, default=200)
    arguments = parser.parse_args()
    con = warehouse.connect(config.database_path(arguments.warehouse))
    with tempfile.TemporaryDirectory() as folder:
        store = database.OperationalDatabase.open(f"sqlite:///{Path(folder) / 'benchmark.sqlite'}")
        database.upgrade(store.engine)
        started = time.perf_counter()
        goals = _fill(store, con)
        print(f"seed and fill: {time.perf_counter() - started:.2f} s ({goals} goals on real indicators)")
        with store.reading() as session:
            started = time.perf_counter()
            national = report.national_report(session, COMMAND_LINE, con)
            measured = time.perf_counter() - started
            html = report.render_html(national)
            started = time.perf_counter()
            pdf = render.render_pdf(html)
            print(
                f"national report: progress of {goals} goals {measured:.2f} s, PDF {time.perf_counter() - started:.2f} s "
                f"({len(pdf) / 1024:.0f} KiB)"
            )
        _edits(store, con, arguments.edits)
        store.close()


def _fill(store: database.OperationalDatabase, con: duckdb.DuckDBPyConnection) -> int:
    goals = 0
    with store.writing(COMMAND_LINE) as session:
        seed(session, con)
        for area in session.scalars(select(FocusArea)):
            goals += fill_programme(session, con, area, wijken=1, indicators=INDICATORS, measures=5).goals
    return goals


def _edits(store: database.OperationalDatabase, con: object, count: int) -> None:
    with store.reading() as session:
        measure = session.scalars(select(Measure)).first()
        data = schemas.MeasureIn.model_validate(
            {key: getattr(measure, key) for key in schemas.MeasureIn.model_fields}
        )
    started = time.perf_counter()
    for number in range(count):
        with store.writing(COMMAND_LINE) as session:
            records.update(
                session,
                COMMAND_LINE,
                records.KINDS["measure"],
                measure.id,
                data.model_copy(update={"title": f"Benchmark measure, edit {number}"}),
                number + 1,
                con,
            )
    seconds = time.perf_counter() - started
    print(
        f"{count} audited edits, each its own durable transaction: {seconds:.2f} s "
        f"({1000 * seconds / count:.1f} ms per edit)"
    )


if __name__ == "__main__":
    main()
