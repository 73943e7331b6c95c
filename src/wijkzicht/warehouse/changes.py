"""Every build explains what changed: the new warehouse compared with the one it replaces.

Per source, indicator, level and period the figures (values that are not missing) before and after, and how
many are new, revised or gone; per level and boundary year the areas added, renamed and gone. The summary
is kept in the warehouse (`build_changes`, with the log of earlier builds carried over) and a source that
loses more than `LOSS_LIMIT` of its figures stops the build unless the user accepts the loss: a renamed
column or an emptied file would otherwise remove figures without a word.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from wijkzicht.errors import LossError
from wijkzicht.warehouse.queries import literal

LOSS_LIMIT = 0.01  # share of a source's figures a build may lose unexplained
KEPT_BUILDS = 20  # the change log keeps this many builds (the newest)
PREVIOUS = "previous_warehouse"

CHANGES_TABLE = """
CREATE TABLE build_changes (
    built_at TIMESTAMP, subject VARCHAR,  -- 'figures' or 'areas'
    source_table VARCHAR, indicator VARCHAR, level VARCHAR, boundary_year INTEGER, period INTEGER,
    before BIGINT, after BIGINT, new BIGINT, revised BIGINT, gone BIGINT, accepted_loss BOOLEAN
)
"""

CHANGE_COLUMNS = (
    "built_at, subject, source_table, indicator, level, boundary_year, period, before, after, new, revised, "
    "gone, accepted_loss"
)

# A figure is a value that is there; a key is (indicator, subgroup, area, boundary year, period).
FIGURE_CHANGES = """
WITH new_side AS (
    SELECT o.*, p.source_table FROM observations o JOIN provenance p USING (source_id)
),
old_side AS (
    SELECT o.*, p.source_table FROM {previous}.observations o JOIN {previous}.provenance p USING (source_id)
)
SELECT coalesce(n.source_table, o.source_table) AS source_table, indicator,
       coalesce(n.level, o.level) AS level, boundary_year, period,
       count(o.value) AS before, count(n.value) AS after,
       count(*) FILTER (WHERE n.value IS NOT NULL AND o.value IS NULL) AS new,
       count(*) FILTER (WHERE n.value IS NOT NULL AND o.value IS NOT NULL AND n.value <> o.value) AS revised,
       count(*) FILTER (WHERE o.value IS NOT NULL AND n.value IS NULL) AS gone
FROM new_side n FULL JOIN old_side o USING (indicator, subgroup, area_code, boundary_year, period)
GROUP BY ALL
"""

AREA_CHANGES = """
SELECT coalesce(n.level, o.level) AS level, coalesce(n.boundary_year, o.boundary_year) AS boundary_year,
       count(o.code) AS before, count(n.code) AS after,
       count(*) FILTER (WHERE o.code IS NULL) AS new,
       count(*) FILTER (WHERE n.name <> o.name) AS revised,
       count(*) FILTER (WHERE n.code IS NULL) AS gone
FROM areas n FULL JOIN {previous}.areas o ON o.code = n.code AND o.boundary_year = n.boundary_year
GROUP BY ALL
"""


def record_changes(
    con: duckdb.DuckDBPyConnection, previous: Path, built_at: datetime, *, accept_loss: bool
) -> None:
    """Compare the new warehouse (`con`) with the one at `previous` (if any), refuse a large loss unless it
    is accepted, and keep the summary with the log of the builds before."""
    con.execute(CHANGES_TABLE)
    attached = _attach(con, previous)
    source = PREVIOUS if attached else _empty_warehouse(con)
    try:
        figures = con.execute(FIGURE_CHANGES.format(previous=source)).fetchall()
        areas = con.execute(AREA_CHANGES.format(previous=source)).fetchall()
        if not accept_loss:
            _refuse_large_loss(figures)
        _store(con, built_at, figures, areas, accept_loss)
        if attached:
            _carry_log(con)
    finally:
        con.execute(f"DETACH {source}")


def _attach(con: duckdb.DuckDBPyConnection, previous: Path) -> bool:
    """Open the warehouse being replaced; False when there is none or it is not a warehouse (then every
    figure of this build is new)."""
    if not previous.exists():
        return False
    try:
        con.execute(f"ATTACH {literal(str(previous))} AS {PREVIOUS} (READ_ONLY)")
    except duckdb.Error:
        return False
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [PREVIOUS]
        ).fetchall()
    }
    if not {"observations", "provenance", "areas"} <= tables:
        con.execute(f"DETACH {PREVIOUS}")
        return False
    return True


def _empty_warehouse(con: duckdb.DuckDBPyConnection) -> str:
    """An in-memory stand-in for a first build: the same tables, no rows."""
    name = "no_previous_warehouse"
    con.execute(f"ATTACH ':memory:' AS {name}")
    for table in ("observations", "provenance", "areas"):
        con.execute(f"CREATE TABLE {name}.{table} AS SELECT * FROM {table} LIMIT 0")
    return name


def _refuse_large_loss(figures: list[tuple]) -> None:
    per_source: dict[str, list[int]] = {}
    for source_table, _, _, _, _, before, after, *_ in figures:
        totals = per_source.setdefault(source_table, [0, 0])
        totals[0] += before
        totals[1] += after
    losses = [
        (source, before, after)
        for source, (before, after) in sorted(per_source.items())
        if before and (before - after) / before > LOSS_LIMIT
    ]
    if losses:
        raise LossError(
            "this build would lose figures the warehouse has now: "
            + "; ".join(
                f"{source} {before - after:,} of {before:,} ({(before - after) / before:.1%})"
                for source, before, after in losses
            )
            + f" (more than {LOSS_LIMIT:.0%} of a source). Check the source files; if the loss is intended "
            "(a table withdrawn or replaced), build again with --accept-loss"
        )


def _store(
    con: duckdb.DuckDBPyConnection,
    built_at: datetime,
    figures: list[tuple],
    areas: list[tuple],
    accepted_loss: bool,
) -> None:
    """Only what changed: series and area lists whose contents are the same are not repeated per build."""
    rows = [
        (built_at, "figures", source, indicator, level, year, period, *counts, accepted_loss)
        for source, indicator, level, year, period, *counts in figures
        if any(counts[2:]) or counts[0] != counts[1]
    ] + [
        (built_at, "areas", None, None, level, year, None, *counts, accepted_loss)
        for level, year, *counts in areas
        if any(counts[2:]) or counts[0] != counts[1]
    ]
    if not rows:  # an identical rebuild is a build too: the log says it changed nothing
        rows = [(built_at, "figures", None, None, None, None, None, 0, 0, 0, 0, 0, accepted_loss)]
    con.executemany(f"INSERT INTO build_changes VALUES ({', '.join('?' * 13)})", rows)


def _carry_log(con: duckdb.DuckDBPyConnection) -> None:
    """The earlier builds' entries, from the warehouse being replaced, up to `KEPT_BUILDS` builds."""
    has_log = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_name = 'build_changes'",
        [PREVIOUS],
    ).fetchone()
    if not has_log or not has_log[0]:
        return
    con.execute(f"""
        INSERT INTO build_changes ({CHANGE_COLUMNS})
        SELECT {CHANGE_COLUMNS} FROM {PREVIOUS}.build_changes
        WHERE built_at IN (SELECT DISTINCT built_at FROM {PREVIOUS}.build_changes
                           ORDER BY built_at DESC LIMIT {KEPT_BUILDS - 1})
    """)
