"""Politie: Geregistreerde misdrijven per wijk en buurt (47018NED): metadata, region list and counts.

The snapshot holds the table's metadata (R-written CSV) and region list; the counts come with
`wijkzicht fetch 47018NED` (CBS's third-party catalogue `dataderden`), which writes the same metadata as
JSON/CSV beside an `UntypedDataSet`: one row per crime type (`SoortMisdrijf`), area and year with one
count column (`GeregistreerdeMisdrijven_1`). The three 'onbekend' codes (crimes that could not be located)
are not areas and stay out of the registry and the counts.

The reader adds up the counts of the crime types each catalogue indicator names (`crime_types`) per area
and year; the build then turns them into rates per 1 000 inhabitants (`wijkzicht.warehouse.crime_rates`).
"""

from __future__ import annotations

import re
from pathlib import Path

from wijkzicht.catalogue import Indicator
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.sources import kwb
from wijkzicht.warehouse.sources.staging import (
    CELL_COLUMNS,
    Staging,
    canonical_code,
    literal,
    quoted,
    table_id_of,
)

UNLOCATED = ("GM0000", "WK000000", "BU00000000")
DIMENSIONS = ("SoortMisdrijf", "WijkenEnBuurten", "Perioden")
COUNT_COLUMN = "GeregistreerdeMisdrijven"
# The police's symbols (TableInfos, "Verklaring van symbolen"): '.' unknown, unreliable or secret;
# blank: the figure cannot occur on logical grounds.
SECRET = "."


def read_regions(staging: Staging, path: Path) -> None:
    kwb.read_regions(staging, path, exclude=UNLOCATED)


def read_metadata(staging: Staging, path: Path) -> None:
    """TableInfos, the crime-type list and the periods, as the snapshot (CSV) or a download (JSON/CSV.gz) has them."""
    kind = path.name.removeprefix(f"{table_id_of(path)}_").split(".", 1)[0]
    if kind == "TableInfos" and path.suffix == ".json":
        kwb.read_table_info(staging, path)
        return
    raw = staging.read_csv(path, metadata=True)
    table_id = table_id_of(path)
    if kind == "TableInfos":
        staging.require_columns(path, raw, ("Identifier", "Title", "Modified", "ShortDescription"))
        info = staging.con.execute(
            f'SELECT "Title", "Modified", "ShortDescription" FROM {raw} LIMIT 1'
        ).fetchone()
        if info is None:
            raise SourceError(path, "no rows: expected one row of table information")
        title, modified, summary = info
        staging.record_table(path, table_id, title, modified, summary)
    elif kind == "SoortMisdrijf":
        staging.require_columns(path, raw, ("Key", "Title", "Description"))
        # The snapshot and a later download may both hold the list: the one read last (the download) wins.
        staging.con.execute("DELETE FROM crime_types WHERE table_id = ?", [table_id])
        staging.con.execute(f"""
            INSERT INTO crime_types SELECT {literal(table_id)}, trim("Key"), trim("Title"), "Description" FROM {raw}""")
    elif kind == "Perioden":
        staging.require_columns(path, raw, ("Key", "Title", "Status"))
        staging.con.execute("DELETE FROM table_periods WHERE table_id = ?", [table_id])
        staging.con.execute(f"""
            INSERT INTO table_periods SELECT {literal(table_id)}, CAST(left(trim("Key"), 4) AS INTEGER), "Status" FROM {raw}""")
    staging.drop(raw)


def read_counts(staging: Staging, path: Path) -> None:
    """The counts of a fetched 47018NED `UntypedDataSet`, summed per catalogue indicator, area and year."""
    table_id = table_id_of(path)
    if table_id not in staging.catalogue.tables:
        raise SourceError(path, f"table {table_id} is not in the catalogue", expected="47018NED")
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, DIMENSIONS)
    count_column = _count_column(staging, path, raw)
    known = _known_crime_types(staging, path, table_id)
    _check_crime_types(staging, path, raw, known)
    _check_periods(staging, path, raw)
    _check_counts(staging, path, raw, count_column)
    _check_duplicates(staging, path, raw)
    indicators = [i for i, _ in staging.catalogue.columns_for(table_id) if i.crime_types]
    _check_catalogue_codes(path, indicators, known)
    present = {
        row[0] for row in staging.con.execute(f'SELECT DISTINCT trim("SoortMisdrijf") FROM {raw}').fetchall()
    }
    # A download filtered to some crime types holds only part of an indicator's sum: leave it out, never undercount.
    complete = [i for i in dict.fromkeys(indicators) if set(i.crime_types) <= present]
    if complete:
        _stage_sums(staging, path, raw, table_id, count_column, complete)
    staging.drop(raw)


def _count_column(staging: Staging, path: Path, raw: str) -> str:
    columns = [c for c in staging.columns(raw) if re.fullmatch(rf"{COUNT_COLUMN}(_\d+)?", c)]
    if len(columns) != 1:
        raise SourceError(
            path,
            f"expected one count column {COUNT_COLUMN}, found {columns or 'none'}",
            expected=f"the columns {', '.join(DIMENSIONS)} and {COUNT_COLUMN}_1",
        )
    return columns[0]


def _known_crime_types(staging: Staging, path: Path, table_id: str) -> set[str]:
    known = {
        row[0]
        for row in staging.con.execute(
            "SELECT code FROM crime_types WHERE table_id = ?", [table_id]
        ).fetchall()
    }
    if not known:
        raise SourceError(
            path,
            f"there is no crime-type list (SoortMisdrijf) of {table_id} to check the counts against",
            expected=f"{table_id}_SoortMisdrijf beside the counts, as `wijkzicht fetch {table_id}` writes it",
        )
    return known


def _check_crime_types(staging: Staging, path: Path, raw: str, known: set[str]) -> None:
    bad = staging.con.execute(
        f'SELECT _line, "SoortMisdrijf" FROM {raw} WHERE trim("SoortMisdrijf") NOT IN (SELECT unnest(?)) '
        "ORDER BY _line LIMIT 1",
        [sorted(known)],
    ).fetchone()
    if bad:
        raise SourceError(
            path,
            f"unknown crime type {bad[1].strip()!r}: not in the table's SoortMisdrijf list",
            row=bad[0],
            column="SoortMisdrijf",
            expected="a code of the SoortMisdrijf list such as '1.1.1'",
        )


def _check_catalogue_codes(path: Path, indicators: list[Indicator], known: set[str]) -> None:
    for indicator in indicators:
        unknown = [code for code in indicator.crime_types if code not in known]
        if unknown:
            raise SourceError(
                path,
                f"the catalogue's indicator {indicator.id!r} counts crime types the table does not have: "
                + ", ".join(unknown),
                expected="crime types of the table's SoortMisdrijf list",
            )


def _check_periods(staging: Staging, path: Path, raw: str) -> None:
    bad = staging.con.execute(
        f"""SELECT _line, "Perioden" FROM {raw} WHERE NOT regexp_full_match(trim("Perioden"), '\\d{{4}}JJ00')
            ORDER BY _line LIMIT 1"""
    ).fetchone()
    if bad:
        raise SourceError(
            path, f"not a yearly period: {bad[1]!r}", row=bad[0], column="Perioden", expected="e.g. 2023JJ00"
        )


def _check_counts(staging: Staging, path: Path, raw: str, count_column: str) -> None:
    value = f"trim({quoted(count_column)})"
    bad = staging.con.execute(
        f"""SELECT _line, {quoted(count_column)} FROM {raw}
            WHERE {value} <> '' AND {value} <> {literal(SECRET)}
              AND (TRY_CAST({value} AS BIGINT) IS NULL OR TRY_CAST({value} AS BIGINT) < 0)
            ORDER BY _line LIMIT 1"""
    ).fetchone()
    if bad:
        raise SourceError(
            path,
            f"not a count: {bad[1]!r}",
            row=bad[0],
            column=count_column,
            expected="a whole number of 0 or more, '.' (secret) or empty (cannot occur)",
        )


def _check_duplicates(staging: Staging, path: Path, raw: str) -> None:
    duplicate = staging.con.execute(
        f"""SELECT list(_line ORDER BY _line), trim("SoortMisdrijf"), trim("WijkenEnBuurten"), trim("Perioden")
            FROM {raw} GROUP BY ALL HAVING count(*) > 1 ORDER BY 1 LIMIT 1"""
    ).fetchone()
    if duplicate:
        lines, crime_type, code, period = duplicate
        raise SourceError(
            path,
            f"duplicate row for crime type {crime_type}, {code}, {period} (lines {', '.join(map(str, lines))})",
            expected="one row per crime type, area and period",
        )


def _stage_sums(
    staging: Staging, path: Path, raw: str, table_id: str, count_column: str, indicators: list[Indicator]
) -> None:
    """One staged cell per indicator, area and year: the sum of its crime types' counts, as raw text.

    A secret component makes the sum secret ('.'); a blank component ("cannot occur") adds nothing; a sum
    of blanks only stays blank, so it is missing with a reason, never 0.
    """
    mapping = ", ".join(
        f"({literal(indicator.id)}, {literal(code)})"
        for indicator in indicators
        for code in indicator.crime_types
    )
    sizes = ", ".join(f"({literal(i.id)}, {len(i.crime_types)})" for i in indicators)
    value = f"trim(r.{quoted(count_column)})"
    excluded = ", ".join(literal(code) for code in UNLOCATED)
    table = staging.catalogue.tables[table_id]
    staging.con.execute(f"""
        INSERT INTO stage_cells ({CELL_COLUMNS})
        SELECT m.indicator, 'totaal', {canonical_code('r."WijkenEnBuurten"')}, {table.boundary_year},
               CAST(left(trim(r."Perioden"), 4) AS INTEGER),
               CASE WHEN bool_or({value} = {literal(SECRET)}) THEN {literal(SECRET)}
                    WHEN count(*) < any_value(n.size) THEN NULL  -- a crime type is missing for this area
                    WHEN bool_and({value} = '' OR {value} IS NULL) THEN NULL
                    ELSE sum(TRY_CAST({value} AS BIGINT))::VARCHAR END,
               {staging.register_file(path, table_id)}, min(r._line), {literal(count_column)}
        FROM {raw} r
        JOIN (VALUES {mapping}) m(indicator, crime_type) ON m.crime_type = trim(r."SoortMisdrijf")
        JOIN (VALUES {sizes}) n(indicator, size) ON n.indicator = m.indicator
        WHERE trim(r."WijkenEnBuurten") NOT IN ({excluded})
        GROUP BY m.indicator, r."WijkenEnBuurten", r."Perioden"
    """)
