"""Reading figures back out of the warehouse, each with its unit, period and source."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb


@dataclass(frozen=True)
class Figure:
    indicator: str
    name: str
    domain: str
    subgroup: str
    boundary_year: int
    period: int
    value: float | None
    unit: str
    missing_reason: str | None
    source_table: str
    source_file: str
    source_line: int | None
    source_column: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def area_figures(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    period: int | None = None,
    boundary_year: int | None = None,
    language: str = "nl",
) -> list[Figure]:
    """Every indicator value of one area (all boundary years unless one is given)."""
    name = "name_en" if language == "en" else "name_nl"
    rows = con.execute(
        f"""
        SELECT o.indicator, i.{name}, i.domain, o.subgroup, o.boundary_year, o.period, o.value, i.unit,
               o.missing_reason, p.source_table, p.source_file, o.source_line, p.source_column
        FROM observations o
        JOIN indicators i ON i.id = o.indicator
        JOIN provenance p USING (source_id)
        WHERE o.area_code = ? AND (? IS NULL OR o.period = ?) AND (? IS NULL OR o.boundary_year = ?)
        ORDER BY o.boundary_year, list_position(
            ['context', 'education', 'work_poverty_inclusion', 'safety', 'housing', 'health', 'liveability'],
            i.domain), o.indicator, o.subgroup, o.period
        """,
        [code, period, period, boundary_year, boundary_year],
    ).fetchall()
    return [Figure(*row) for row in rows]
