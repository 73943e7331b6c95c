"""Politie: Geregistreerde misdrijven en aangiften per gemeente (47013NED), as a StatLine CSV download.

The download is filtered to one crime type, "Totaal misdrijven": ';'-separated, every field quoted, a title
line, a filter line, a blank line, three header lines (Onderwerp, Perioden, Regio's) and one row per region,
then the footer "Bron: Politie". The regions are **names**, not codes: Nederland, the gemeenten of the
police's current division, Buitenland, "Gemeenten; niet in te delen", the police regions ("... (RE)") and
"Niet in te delen (RE)". StatLine adds " (gemeente)" to a gemeente that shares its name with a province
('s-Gravenhage, Groningen, Utrecht).

Each gemeente name is mapped to the code it has in the catalogue table's boundary year (2024), using the
area names the other readers declared for that year (the KWB region list); a name that matches no gemeente
stops the build with file and line, never a silent drop. The counts become rates per 1 000 inhabitants in
`wijkzicht.warehouse.crime_rates`, like the wijk and buurt counts of 47018NED.
"""

from __future__ import annotations

import csv
from pathlib import Path

from wijkzicht.errors import SourceError
from wijkzicht.warehouse.sources.staging import Cell, Staging, first_line, table_id_of

TOTAL_FILTER = "Soort misdrijf: Totaal misdrijven"
COUNT_COLUMN = "Geregistreerde misdrijven"
COUNTRY = ("Nederland", "NL00")
# Rows that are neither the country nor a gemeente: crimes that cannot be placed in a gemeente, abroad.
NOT_AN_AREA = ("Buitenland", "Gemeenten; niet in te delen", "Niet in te delen (RE)")
POLICE_REGION_SUFFIX = " (RE)"
GEMEENTE_SUFFIX = " (gemeente)"
FOOTER_PREFIX = "Bron:"
SECRET = "."


def read(staging: Staging, path: Path) -> None:
    table_id = table_id_of(path)
    if table_id not in staging.catalogue.tables:
        raise SourceError(path, f"table {table_id} is not in the catalogue", expected="47013NED")
    table = staging.catalogue.tables[table_id]
    lines = _lines(path)
    header = _header(path, lines)
    gemeenten = _gemeente_codes(staging, table.boundary_year)
    cells: list[tuple[str, int, str | None, int]] = []  # code, period, raw, line
    for number, row in lines[6:]:
        if not row or not any(field.strip() for field in row):
            continue
        name = row[0].strip()
        if name.startswith(FOOTER_PREFIX):
            break
        if name in NOT_AN_AREA or name.endswith(POLICE_REGION_SUFFIX):
            continue
        if len(row) != len(header) + 1:
            raise SourceError(
                path,
                f"expected {len(header) + 1} fields, found {len(row)}",
                row=number,
                expected="the region name and one count per period",
            )
        if name == COUNTRY[0]:
            code = COUNTRY[1]
        else:
            code = gemeenten.get(name.removesuffix(GEMEENTE_SUFFIX), "")
            if not code:
                raise SourceError(
                    path,
                    f"unknown gemeente {name!r}: no gemeente of {table.boundary_year} has this name",
                    row=number,
                    column="Regio's",
                    expected=f"a gemeente name of the {table.boundary_year} division (the KWB region list)",
                )
        for period, value in zip(header, row[1:], strict=True):
            cells.append((code, period, _count(path, value, number), number))
    if not cells:
        raise SourceError(path, "no gemeente rows", expected="one row per gemeente")
    indicators = staging.catalogue.resolve_columns(table_id, [COUNT_COLUMN])
    if not indicators:
        return
    (indicator,) = indicators.values()
    file_id = staging.register_file(path, table_id)
    staging.stage_cells(
        [
            Cell(indicator.id, code, table.boundary_year, period, raw, file_id, line, COUNT_COLUMN)
            for code, period, raw, line in cells
        ]
    )


def _lines(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) for every line; no field spans lines in these downloads."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return [(number, row) for number, row in enumerate(csv.reader(stream, delimiter=";"), start=1)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SourceError(
            path, f"cannot be read as CSV: {first_line(error)}", expected="a StatLine CSV download"
        ) from error


def _header(path: Path, lines: list[tuple[int, list[str]]]) -> list[int]:
    """Check the filter and header lines; the periods (years) of the count columns."""
    if len(lines) < 7:
        raise SourceError(path, "too short for a StatLine download", expected="title, filter, headers, rows")
    filter_line = lines[1][1][0].strip() if lines[1][1] else ""
    if filter_line != TOTAL_FILTER:
        raise SourceError(
            path,
            f"the filter line is {filter_line!r}: only a download of all crime together can be read",
            row=2,
            expected=repr(TOTAL_FILTER),
        )
    expected = {4: "Onderwerp", 5: "Perioden", 6: "Regio's"}
    for number, label in expected.items():
        row = lines[number - 1][1]
        if not row or row[0].strip() != label:
            raise SourceError(path, f"expected the header line {label!r}", row=number, expected=label)
    subjects, periods = lines[3][1][1:], lines[4][1][1:]
    if not periods or any(subject.strip() != COUNT_COLUMN for subject in subjects):
        raise SourceError(path, f"every column must be {COUNT_COLUMN!r}", row=4, expected=COUNT_COLUMN)
    years = []
    for period in periods:
        if not (period.strip().isdigit() and len(period.strip()) == 4):
            raise SourceError(path, f"not a year: {period!r}", row=5, expected="e.g. 2023")
        years.append(int(period))
    return years


def _count(path: Path, value: str, line: int) -> str | None:
    text = value.strip()
    if text == "":
        return None
    if text == SECRET or (text.isdigit()):
        return text
    raise SourceError(path, f"not a count: {value!r}", row=line, expected="a whole number or '.'")


def _gemeente_codes(staging: Staging, boundary_year: int) -> dict[str, str]:
    """Name -> code of every gemeente of the boundary year, as the other readers declared them."""
    rows = staging.con.execute(
        "SELECT DISTINCT trim(name), code FROM stage_areas "
        "WHERE boundary_year = ? AND level = 'gemeente' AND name IS NOT NULL",
        [boundary_year],
    ).fetchall()
    codes: dict[str, set[str]] = {}
    for name, code in rows:
        codes.setdefault(name, set()).add(code)
    return {name: next(iter(found)) for name, found in codes.items() if len(found) == 1}
