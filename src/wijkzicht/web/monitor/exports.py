"""Downloads: a selection of published values as CSV, Parquet or GeoJSON; a ranking as CSV or Excel.

Every cell of a CSV or Excel file passes `wijkzicht.spreadsheet.safe_cell`, so no text runs as a formula."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
from fastapi.responses import Response, StreamingResponse
from openpyxl import Workbook

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor.index import RankedArea
from wijkzicht.monitor.observations import ValueFilter, count_values, values_query
from wijkzicht.monitor.rankings import Ranking
from wijkzicht.records import as_json
from wijkzicht.spreadsheet import safe_cell

# Past these sizes a download is better served by the warehouse file itself: ask for a narrower selection.
# (A GeoJSON repeats a boundary per row, so it stops sooner.)
EXPORT_MAX_ROWS = 500_000
GEOJSON_MAX_ROWS = 50_000
RANKING_COLUMNS = (
    "rank",
    "code",
    "name",
    "gemeente_name",
    "level",
    "boundary_year",
    "period",
    "subgroup",
    "score",
    "percentile",
    "worst_domains",
    "domains_scored",
    "coverage",
)


def values_response(con: duckdb.DuckDBPyConnection, selection: ValueFilter, format: str) -> Response:
    _check_size(con, selection, GEOJSON_MAX_ROWS if format == "geojson" else EXPORT_MAX_ROWS)
    name = _file_name(selection)
    if format == "csv":
        return _csv_response(_value_rows(con, selection), f"{name}.csv")
    if format == "parquet":
        return Response(
            _parquet(con, selection),
            media_type="application/vnd.apache.parquet",
            headers=_attachment(f"{name}.parquet"),
        )
    return Response(
        as_json(_geojson(con, selection)),
        media_type="application/geo+json",
        headers=_attachment(f"{name}.geojson"),
    )


def ranking_response(found: Ranking, format: str) -> Response:
    partition = found.partition
    name = f"wijkzicht-ranglijst-{partition.level}-{found.domain or 'totaalindex'}-{partition.period}"
    rows = [RANKING_COLUMNS, *(_ranking_row(area) for area in found.areas)]
    if format == "csv":
        return _csv_response(iter(rows), f"{name}.csv")
    workbook = Workbook()
    sheet = workbook.create_sheet("ranglijst", 0)
    workbook.remove(workbook.worksheets[1])  # the empty default sheet
    sheet.title = "ranglijst"
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(f"{name}.xlsx"),
    )


def _ranking_row(area: RankedArea) -> tuple[object, ...]:
    record = {**area.as_dict(), "worst_domains": ", ".join(area.worst_domains)}
    return tuple(record[column] for column in RANKING_COLUMNS)


def _value_rows(con: duckdb.DuckDBPyConnection, selection: ValueFilter) -> Iterator[tuple[object, ...]]:
    query, parameters = values_query(selection)
    cursor = con.execute(query, parameters)
    yield tuple(column[0] for column in cursor.description)
    while batch := cursor.fetchmany(10_000):
        yield from batch


def _csv_response(rows: Iterator[tuple[object, ...]], filename: str) -> StreamingResponse:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in rows:
            writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=_attachment(filename))


def _parquet(con: duckdb.DuckDBPyConnection, selection: ValueFilter) -> bytes:
    query, parameters = values_query(selection)
    con.execute(f"CREATE OR REPLACE TEMP TABLE export_selection AS {query}", parameters)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "export.parquet"
        con.execute(f"COPY export_selection TO '{target}' (FORMAT parquet)")
        con.execute("DROP TABLE export_selection")
        return target.read_bytes()


def _geojson(con: duckdb.DuckDBPyConnection, selection: ValueFilter) -> dict[str, object]:
    """One feature per value with the area's boundary: of the value's boundary year, else of the nearest
    year with the same code (`geometry_year` says which; null where the code has no boundary at all)."""
    query, parameters = values_query(selection)
    cursor = con.execute(
        f"""SELECT v.*, arg_min(g.boundary_year, abs(g.boundary_year - v.boundary_year)) AS geometry_year,
                   arg_min(ST_AsGeoJSON(g.geom), abs(g.boundary_year - v.boundary_year)) AS geometry
            FROM ({query}) v LEFT JOIN geometries g ON g.code = v.area_code
            GROUP BY ALL ORDER BY ALL""",
        parameters,
    )
    names = [column[0] for column in cursor.description]
    features = []
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        geometry = record.pop("geometry")
        features.append(
            {"type": "Feature", "geometry": json.loads(geometry) if geometry else None, "properties": record}
        )
    return {"type": "FeatureCollection", "features": features}


def _check_size(con: duckdb.DuckDBPyConnection, selection: ValueFilter, maximum: int) -> None:
    if (rows := count_values(con, selection)) > maximum:
        raise WijkzichtError(
            f"this selection has {rows:,} values; a download takes at most {maximum:,} in this format "
            "(choose an area, indicator, level or period; the whole warehouse is one DuckDB file)"
        )


def _file_name(selection: ValueFilter) -> str:
    parts = [str(value) for value in vars(selection).values() if value is not None]
    return "-".join(["wijkzicht-waarden", *parts])


def _attachment(filename: str) -> dict[str, str]:
    # Header values are Latin-1: keep the name to plain characters, whatever the filter held.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    return {"Content-Disposition": f'attachment; filename="{safe}"'}
