"""The values API reads `published_values`, stored by the build from the publishing gate: its answers are
byte for byte those of the same selection computed from the gate per request, on real areas and filters,
drawn selections and pages (past the last one too); counts summed from the partitions' stored counts are
the rows a selection selects."""

from __future__ import annotations

import random
from dataclasses import asdict

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht.monitor.observations import ValueFilter, count_values, read_value_partitions
from wijkzicht.records import as_json
from wijkzicht.warehouse.publish import PUBLISHED_VALUES, VALUES_ORDER
from wijkzicht.warehouse.queries import one_row

STADSPARK = "BU00140108"  # Groningen, 15 inhabitants: figures the gate withholds
SELECTIONS = [
    ({"area": "GM0363", "size": 1000}, ValueFilter(area_code="GM0363")),  # Amsterdam: the most rows
    ({"area": "WK034403", "size": 1000}, ValueFilter(area_code="WK034403")),  # Overvecht
    ({"area": STADSPARK, "size": 1000}, ValueFilter(area_code=STADSPARK)),
    ({"indicator": "eenzaam", "level": "wijk", "page": 3}, ValueFilter(indicator="eenzaam", level="wijk")),
    (
        {"level": "gemeente", "period": 2020, "subgroup": "18plus"},
        ValueFilter(None, None, "gemeente", 2020, None, "18plus"),
    ),
]


def computed_answer(
    con: duckdb.DuckDBPyConnection, selection: ValueFilter, page: int, size: int
) -> dict[str, object]:
    """The answer as the API made it before the build stored the values: the gate's view, per request."""
    where, parameters = selection.where()
    total = con.execute(f"SELECT count(*) FROM ({PUBLISHED_VALUES}) o WHERE {where}", parameters).fetchone()
    cursor = con.execute(
        f"SELECT * FROM ({PUBLISHED_VALUES}) o WHERE {where} ORDER BY {VALUES_ORDER} LIMIT ? OFFSET ?",
        [*parameters, size, (page - 1) * size],
    )
    names = [column[0] for column in cursor.description]
    items = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert total is not None
    return {"total": total[0], "page": page, "size": size, "items": items}


@pytest.mark.parametrize(("query", "selection"), SELECTIONS)
def test_stored_values_answer_byte_for_byte_as_computed_from_the_gate(
    web: TestClient, con: duckdb.DuckDBPyConnection, query: dict[str, object], selection: ValueFilter
) -> None:
    answer = web.get("/api/values", params=query)
    expected = computed_answer(
        con, selection, int(str(query.get("page", 1))), int(str(query.get("size", 100)))
    )
    assert expected["items"], "a selection without rows would compare nothing"
    assert answer.status_code == 200 and answer.content == as_json(expected)


def test_the_stored_table_holds_every_published_observation(con: duckdb.DuckDBPyConnection) -> None:
    counts = con.execute(
        "SELECT (SELECT count(*) FROM published_values), (SELECT count(*) FROM published_observations)"
    ).fetchone()
    assert counts is not None and counts[0] == counts[1] > 1_000_000


def drawn_selections(con: duckdb.DuckDBPyConnection, count: int) -> list[ValueFilter]:
    """Selections of the kinds people make, drawn from the partitions that exist: an indicator at a level, in
    a period or boundary year, for a subgroup, with or without an area; and one that matches nothing."""
    rows = con.execute(
        "SELECT DISTINCT area_code, indicator, level, period, boundary_year, subgroup FROM published_values "
        "USING SAMPLE 2000 ROWS (reservoir, 18) ORDER BY ALL"
    ).fetchall()
    shapes = [
        lambda r: ValueFilter(None, r[1], r[2]),
        lambda r: ValueFilter(None, r[1], r[2], r[3]),
        lambda r: ValueFilter(None, r[1], None, None, r[4], r[5]),
        lambda r: ValueFilter(None, None, r[2], r[3], None, r[5]),
        lambda r: ValueFilter(r[0], r[1]),
        lambda r: ValueFilter(None, None, None, r[3]),
    ]
    chosen = random.Random(18).sample(rows, count)
    return [shapes[n % len(shapes)](row) for n, row in enumerate(chosen)] + [
        ValueFilter(None, "eenzaam", "land", 1900)
    ]


def test_a_selection_counts_as_many_rows_as_it_selects(con: duckdb.DuckDBPyConnection) -> None:
    partitions = read_value_partitions(con)
    for selection in drawn_selections(con, 60):
        where, parameters = selection.where()
        extent = one_row(
            con,
            f"SELECT count(*), min(area_code), max(area_code) FROM published_values o WHERE {where}",
            parameters,
        )
        assert count_values(con, selection) == extent[0], selection
        if selection.area_code is None:  # as a server sums it, from the partitions it read once
            assert partitions.extent(selection) == extent, selection


def test_pages_and_totals_answer_as_computed_from_the_gate(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    for number, selection in enumerate(drawn_selections(con, 12)):
        page, size = 1 + number % 3, (100, 7, 1000)[number % 3]
        query = {key: value for key, value in asdict(selection).items() if value is not None}
        query = {("area" if key == "area_code" else key): value for key, value in query.items()}
        answer = web.get("/api/values", params={**query, "page": page, "size": size})
        expected = computed_answer(con, selection, page, size)
        assert answer.status_code == 200 and answer.content == as_json(expected), selection
