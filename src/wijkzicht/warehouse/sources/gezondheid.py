"""RIVM/GGD/CBS Gezondheidsmonitor per wijk en buurt (50090NED), as an OData UntypedDataSet CSV.

The period and age group come from the `Perioden` and `Leeftijd` columns, not the file name, so the
snapshot's per-period files and one fetched file covering all periods read the same way.
"""

from __future__ import annotations

from pathlib import Path

from wijkzicht.errors import SourceError
from wijkzicht.warehouse.sources.staging import Staging, table_id_of

TABLE_ID = "50090NED"
AGE_GROUPS = {"20300": "18plus", "53115": "18tot65", "80200": "65plus"}
VALUE_MARGIN = "MW00000"  # the estimate itself; other Marges codes are confidence bounds
REQUIRED = ("Leeftijd", "Marges", "WijkenEnBuurten", "Perioden", "SoortRegio_2", "Gemeentenaam_1")


def read(staging: Staging, path: Path) -> None:
    if table_id_of(path) != TABLE_ID:
        return
    table = staging.catalogue.tables[TABLE_ID]
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, REQUIRED)
    _check_codes(staging, path, raw)
    columns = staging.catalogued_columns(path, TABLE_ID, staging.columns(raw))
    subgroup = (
        'CASE trim("Leeftijd") '
        + " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in AGE_GROUPS.items())
        + " END"
    )
    staging.stage_values(
        path,
        raw,
        table_id=TABLE_ID,
        columns=columns,
        code='"WijkenEnBuurten"',
        boundary_year=table.boundary_year,
        period='CAST(left(trim("Perioden"), 4) AS INTEGER)',
        subgroup=subgroup,
        where=f"trim(\"Marges\") = '{VALUE_MARGIN}'",
    )
    # Only gemeenten carry a name in this table (Gemeentenaam_1 is the gemeente's name on every row).
    staging.stage_areas(
        path,
        f"SELECT DISTINCT \"WijkenEnBuurten\" AS code, CASE WHEN trim(\"SoortRegio_2\") IN ('Gemeente', 'Land') "
        f'THEN "Gemeentenaam_1" END AS name FROM {raw}',
        table_id=TABLE_ID,
        boundary_year=table.boundary_year,
    )
    staging.drop(raw)


def _check_codes(staging: Staging, path: Path, raw: str) -> None:
    """Age group and period codes must be ones we know; an unknown one would be silently dropped."""
    known_ages = ", ".join(f"'{code}'" for code in AGE_GROUPS)
    bad = staging.con.execute(
        f'SELECT _line, \'Leeftijd\', "Leeftijd" FROM {raw} WHERE trim("Leeftijd") NOT IN ({known_ages}) '
        f"UNION ALL SELECT _line, 'Perioden', \"Perioden\" FROM {raw} "
        f"WHERE NOT regexp_full_match(trim(\"Perioden\"), '\\d{{4}}JJ00') ORDER BY 1 LIMIT 1"
    ).fetchone()
    if bad:
        expected = (
            "an age group code " + ", ".join(AGE_GROUPS)
            if bad[1] == "Leeftijd"
            else "a year code like 2020JJ00"
        )
        raise SourceError(path, f"unknown code {bad[2]!r}", row=bad[0], column=bad[1], expected=expected)
