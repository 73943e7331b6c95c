"""CBS maatwerk "Inkomen per gemeente en wijk" (e.g. `kvk2020-wb2023.xlsx`: income year 2020, division 2023).

One sheet: title lines, the value columns' headers spread over several lines, the line "Gemeentelijke
indeling van {year}", a header row `Gemeentecode | Wijkcode | Regionaam`, the units, then one row for the
Netherlands (name in the first column), per gemeente (`GMxxxx | Totaal | name`) and per wijk
(` | WKxxxxxx | name`), and the source line "Bron: CBS, ...". "." marks a secret or unknown figure.

The value columns are found by their header text, the division year is checked against the catalogue
table, and every row of the table must be the country, a gemeente or a wijk; anything else stops the
build. `_line` is the spreadsheet row.
"""

from __future__ import annotations

import re
from pathlib import Path

from wijkzicht import codes
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.sources.staging import Cell, Staging, first_line

NAME_PATTERN = re.compile(r"kvk(\d{4})-wb(\d{4})\.xlsx", re.IGNORECASE)
HEADER = ("Gemeentecode", "Wijkcode", "Regionaam")
DIVISION = re.compile(r"Gemeentelijke indeling van (\d{4})")
COUNTRY = ("Nederland", "NL00")
GEMEENTE_TOTAL = "Totaal"
SOURCE_PREFIX = "Bron:"
# The value columns: their header text (the header lines joined), as the catalogue's source column.
VALUE_COLUMNS = (
    "Gemiddeld persoonlijk inkomen per inwoner",
    "40% huishoudens met laagste besteedbaar inkomen",
    "20% huishoudens met hoogste besteedbaar inkomen",
)
GEMEENTE = codes.COMPILED["gemeente"]
WIJK = codes.COMPILED["wijk"]  # Amsterdam's wijken have letters: WK0363AA


def table_id(path: Path) -> str:
    """`kvk2020-wb2023.xlsx` -> `kvk2020-wb2023`: income year and division, as the catalogue names it."""
    return path.name.rsplit(".", 1)[0].lower()


def read(staging: Staging, path: Path) -> None:
    match = NAME_PATTERN.fullmatch(path.name)
    table = staging.catalogue.tables.get(table_id(path))
    if not match or table is None:
        raise SourceError(
            path, f"table {table_id(path)} is not in the catalogue", expected="kvk{year}-wb{year}.xlsx"
        )
    rows = _rows(path)
    header_line = next((n for n, row in rows if tuple(row[:3]) == HEADER), None)
    if header_line is None:
        raise SourceError(path, "no header row", expected=" | ".join(HEADER))
    division = [
        int(m.group(1)) for _, row in rows for m in [DIVISION.fullmatch(str(row[0] or "").strip())] if m
    ]
    if division != [table.boundary_year] or int(match.group(2)) != table.boundary_year:
        raise SourceError(
            path,
            f"the sheet's division {division or 'is not stated'}, the catalogue's table has {table.boundary_year}",
            expected=f"Gemeentelijke indeling van {table.boundary_year}",
        )
    columns = _value_columns(path, rows, header_line)
    indicators = staging.catalogue.resolve_columns(table.id, list(columns))
    areas: list[tuple[str, str | None]] = []
    cells: list[tuple[str, str, str | None, int, str]] = []  # indicator, code, raw, line, column
    for number, row in rows:
        if number <= header_line:
            continue
        first = str(row[0] or "").strip()
        if first.startswith(SOURCE_PREFIX):
            break
        if all(value is None for value in row[: 3 + len(VALUE_COLUMNS)]):
            continue
        code, name = _area(path, number, row)
        if code is None:
            continue  # the units line under the header
        areas.append((code, name))
        for column, position in columns.items():
            if column in indicators:
                value = row[position]
                cells.append((indicators[column].id, code, _text(value), number, column))
    if not areas:
        raise SourceError(path, "no region rows", expected="rows for the Netherlands, gemeenten and wijken")
    declared = staging.fresh_name("xlsx_areas")
    staging.con.execute(
        f"CREATE TEMP TABLE {declared} AS SELECT unnest(?) AS code, unnest(?) AS name",
        [[code for code, _ in areas], [name for _, name in areas]],
    )
    staging.stage_areas(
        path, f"SELECT code, name FROM {declared}", table_id=table.id, boundary_year=table.boundary_year
    )
    staging.drop(declared)
    file_id = staging.register_file(path, table.id)
    staging.stage_cells(
        [
            Cell(indicator, code, table.boundary_year, table.period, raw, file_id, line, column)
            for indicator, code, raw, line, column in cells
        ]
    )


def _rows(path: Path) -> list[tuple[int, list[object]]]:
    import openpyxl  # here, not at the top: every command that opens the warehouse paid for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors for a damaged file
        raise SourceError(
            path, f"cannot be read as an Excel workbook: {first_line(error)}", expected="an .xlsx file"
        ) from error
    try:
        if len(workbook.worksheets) != 1:
            raise SourceError(path, f"expected one sheet, found {len(workbook.worksheets)}")
        sheet = workbook.worksheets[0]
        width = 3 + len(VALUE_COLUMNS)
        return [
            (number, [cell for cell in row])
            for number, row in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1)
        ]
    finally:
        workbook.close()


def _value_columns(path: Path, rows: list[tuple[int, list[object]]], header_line: int) -> dict[str, int]:
    """Header text of each value column (its header lines joined) -> its position; all must be present."""
    found: dict[str, int] = {}
    for position in range(3, 3 + len(VALUE_COLUMNS)):
        parts = [
            str(row[position]).strip() for n, row in rows if n < header_line and row[position] is not None
        ]
        found[" ".join(parts)] = position
    missing = [column for column in VALUE_COLUMNS if column not in found]
    if missing:
        raise SourceError(
            path,
            f"missing column {missing[0]!r} (found {', '.join(repr(c) for c in found)})",
            column=missing[0],
            expected=", ".join(VALUE_COLUMNS),
        )
    return found


def _area(path: Path, number: int, row: list[object]) -> tuple[str | None, str | None]:
    """(code, name) of a region row; (None, None) for the units line."""
    first, second, name = (str(v).strip() if v is not None else "" for v in row[:3])
    if first == COUNTRY[0] and not second:
        return COUNTRY[1], COUNTRY[0]
    if GEMEENTE.fullmatch(first) and second == GEMEENTE_TOTAL:
        return first, name or None
    if not first and WIJK.fullmatch(second):
        return second, name or None
    if not first and not second and not name:
        return None, None
    raise SourceError(
        path,
        f"neither the country, a gemeente nor a wijk: {first!r} | {second!r} | {name!r}",
        row=number,
        expected="'Nederland', 'GMxxxx | Totaal | name' or ' | WKxxxxxx | name'",
    )


def _text(value: object) -> str | None:
    """The cell as text: numbers as written ('25.6', '40'), '.' stays the CBS marker."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
