"""Reading figures back out of the warehouse, each with its unit, period and source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import duckdb

from wijkzicht.records import plain
from wijkzicht.warehouse.publish import PARTITIONED_BY, VALUES_ORDER
from wijkzicht.warehouse.queries import one_row


@dataclass(frozen=True)
class IndicatorFacts:
    """What a figure shows of its indicator, from the warehouse's copy of the catalogue it was built with."""

    name_nl: str
    name_en: str
    domain: str
    unit: str
    direction: str
    is_count: bool  # summed over areas (aggregation 'sum'): never compared in words as a rate is

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_nl


Indicators = Mapping[str, IndicatorFacts]


def read_indicators(con: duckdb.DuckDBPyConnection) -> dict[str, IndicatorFacts]:
    """Every indicator of the warehouse by id: a hundred rows, which a server reads once (`Installation`)
    instead of joining them to every lookup of an area's rows (a join and sort on the indicator's domain
    cost more than the lookup itself)."""
    rows = con.execute(
        "SELECT id, name_nl, name_en, domain, unit, direction, aggregation = 'sum' FROM indicators"
    ).fetchall()
    return {row[0]: IndicatorFacts(*row[1:]) for row in rows}


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
        return plain(self)


def area_figures(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    period: int | None = None,
    boundary_year: int | None = None,
    language: str = "nl",
) -> list[Figure]:
    """Every published indicator value of one area (all boundary years unless one is given); a value
    suppressed for a small population is None with the reason."""
    name = "name_en" if language == "en" else "name_nl"
    rows = con.execute(
        f"""
        SELECT o.indicator, i.{name}, i.domain, o.subgroup, o.boundary_year, o.period, o.value, i.unit,
               o.missing_reason, p.source_table, p.source_file, o.source_line, p.source_column
        FROM published_observations o
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


@dataclass(frozen=True)
class ValueFilter:
    """A selection of observations; every field left None selects all."""

    area_code: str | None = None
    indicator: str | None = None
    level: str | None = None
    period: int | None = None
    boundary_year: int | None = None
    subgroup: str | None = None

    def where(self) -> tuple[str, list[object]]:
        chosen = [(column, value) for column, value in asdict(self).items() if value is not None]
        clause = " AND ".join(f"o.{column} = ?" for column, _ in chosen)
        return clause or "TRUE", [value for _, value in chosen]


def values_query(selection: ValueFilter) -> tuple[str, list[object]]:
    """The SQL of a tidy selection of published observations (`PUBLISHED_VALUES`, stored by the build)."""
    where, parameters = selection.where()
    return f"SELECT * FROM published_values o WHERE {where} ORDER BY {VALUES_ORDER}", parameters


Extent = tuple[int, str | None, str | None]  # the rows of a selection, its first and last area code


@dataclass(frozen=True, eq=False)  # compared and hashed as the one object it is: a server's cache keys on it
class ValuePartitions:
    """`published_value_partitions` (a thousand rows), read once by a server, with the partitions of each
    value of each column: the extent of a selection without an area is then summed here instead of queried
    (some 0.7 ms of CPU less for each page asked first, of some 5 ms in all)."""

    extents: tuple[tuple[int, str, str], ...]  # per partition: its rows, first and last area code
    having: Mapping[tuple[str, object], frozenset[int]]  # (column, value): the partitions that have it

    def extent(self, selection: ValueFilter) -> Extent:
        chosen = [
            self.having.get((column, value), frozenset())
            for column in PARTITIONED_BY
            if (value := getattr(selection, column)) is not None
        ]
        matching = frozenset.intersection(*chosen) if chosen else range(len(self.extents))
        if not matching:
            return 0, None, None
        found = [self.extents[number] for number in matching]
        return sum(row[0] for row in found), min(row[1] for row in found), max(row[2] for row in found)


def read_value_partitions(con: duckdb.DuckDBPyConnection) -> ValuePartitions:
    rows = con.execute(
        f"""SELECT {", ".join(PARTITIONED_BY)}, row_count, first_area, last_area
            FROM published_value_partitions"""
    ).fetchall()
    size = len(PARTITIONED_BY)
    having: dict[tuple[str, object], set[int]] = {}
    for number, row in enumerate(rows):
        for column, value in zip(PARTITIONED_BY, row[:size], strict=True):
            having.setdefault((column, value), set()).add(number)
    return ValuePartitions(
        tuple(row[size:] for row in rows), {key: frozenset(numbers) for key, numbers in having.items()}
    )


def count_values(con: duckdb.DuckDBPyConnection, selection: ValueFilter) -> int:
    return _extent(con, selection)[0]


def values_page(
    con: duckdb.DuckDBPyConnection,
    selection: ValueFilter,
    limit: int,
    offset: int = 0,
    partitions: ValuePartitions | None = None,
) -> tuple[int, list[dict[str, object]]]:
    """The rows a selection holds, and a page of them in `VALUES_ORDER`; a server passes the `partitions`
    it read once.

    The page is read in the order the build stored the rows in, which DuckDB keeps (preserve_insertion_order):
    nothing is sorted, the scan ends with the page's last row, and it reads only the blocks between the
    selection's first and last area code (the table is sorted by area code)."""
    if selection.area_code is None and partitions is not None:
        total, first_area, last_area = partitions.extent(selection)
    else:
        total, first_area, last_area = _extent(con, selection)
    if offset >= total:
        return total, []
    where, parameters = selection.where()
    cursor = con.execute(
        f"SELECT * FROM published_values o WHERE {where} AND o.area_code BETWEEN ? AND ? LIMIT ? OFFSET ?",
        [*parameters, first_area, last_area, limit, offset],
    )
    names = [column[0] for column in cursor.description]
    return total, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _extent(con: duckdb.DuckDBPyConnection, selection: ValueFilter) -> Extent:
    """The rows of a selection and its first and last area code: of one area read from its rows (DuckDB
    skips the blocks of other areas), else from the partitions it selects (`published_value_partitions`)."""
    where, parameters = selection.where()
    if selection.area_code is not None:
        sql = f"SELECT count(*), min(area_code), max(area_code) FROM published_values o WHERE {where}"
    else:
        sql = f"""SELECT coalesce(sum(row_count), 0)::BIGINT, min(first_area), max(last_area)
                  FROM published_value_partitions o WHERE {where}"""
    total, first_area, last_area = one_row(con, sql, parameters)
    return total, first_area, last_area
