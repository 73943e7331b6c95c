"""CBS SES-WOA scores per wijk en buurt (85163NED; 85539NED and 85900NED once catalogued).

Two formats of one table:

- a StatLine export, 'CSV met statistische symbolen' (`cbs_ses/85163NED_*.csv`), whose headers are the
  topic titles joined by `/` with the unit in brackets, e.g. `SES-WOA/Totaalscore/Gemiddelde score (Getal)`;
- the OData download of `wijkzicht fetch 85163NED` (`cbs_ses/85163NED_UntypedDataSet.csv.gz` beside its
  `_DataProperties.json` and `_WijkenEnBuurten.csv.gz`), whose columns are keys such as `Hoog_5`.

The catalogue names the export headers. A downloaded column is given the export header its DataProperties
entry spells (parent topic-group titles, its title and unit), so both formats map by name, never by a key
number that CBS may renumber between tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wijkzicht.catalogue import Table
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.sources.kwb import export_headers
from wijkzicht.warehouse.sources.staging import Staging, first_line, quoted, table_id_of

CODE = "Regiocode (gemeente, wijk, buurt) (code)"
NAME = "Wijken en buurten"
GEO_TYPES = ("GeoDimension", "GeoDetail")


def _table(staging: Staging, path: Path) -> Table:
    table_id = table_id_of(path)
    if table_id not in staging.catalogue.tables:
        raise SourceError(
            path,
            f"SES-WOA table {table_id} is not in the catalogue, so its columns map onto no indicator",
            expected=(
                "a table listed under `tables` in catalogue/indicators.yaml (with its boundary year), "
                f"or remove the {table_id}_* files from this folder"
            ),
        )
    return staging.catalogue.tables[table_id]


def read(staging: Staging, path: Path) -> None:
    """The StatLine export (`;`-separated, UTF-8 with BOM)."""
    table = _table(staging, path)
    raw = staging.read_csv(path, delimiter=";")  # DuckDB drops the BOM
    staging.require_columns(path, raw, ("Perioden", NAME, CODE))
    columns = staging.catalogued_columns(path, table.id, staging.columns(raw))
    staging.stage_values(
        path,
        raw,
        table_id=table.id,
        columns=columns,
        code=f'"{CODE}"',
        boundary_year=table.boundary_year,
        period='CAST(trim("Perioden") AS INTEGER)',
    )
    staging.stage_areas(
        path,
        f'SELECT "{CODE}" AS code, "{NAME}" AS name FROM {raw}',
        table_id=table.id,
        boundary_year=table.boundary_year,
    )
    staging.drop(raw)


def read_dataset(staging: Staging, path: Path) -> None:
    """The OData `UntypedDataSet` as `wijkzicht fetch` writes it, named through its DataProperties."""
    table = _table(staging, path)
    properties_path = path.with_name(f"{table.id}_DataProperties.json")
    properties = _data_properties(path, properties_path)
    geo = [p["Key"] for p in properties if p.get("Type") in GEO_TYPES and p.get("Key")]
    if not geo:
        raise SourceError(
            properties_path, "no GeoDimension or GeoDetail entry", expected="the table's region dimension"
        )
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, (geo[0], "Perioden"))
    headers = export_headers(properties)
    present = staging.columns(raw)
    named = staging.fresh_name("ses")
    renamed = ", ".join(f"{quoted(key)} AS {quoted(headers[key])}" for key in present if key in headers)
    staging.con.execute(
        f"CREATE TEMP TABLE {named} AS SELECT _line, {quoted(geo[0])} AS _code, "
        f'"Perioden" AS _period{", " + renamed if renamed else ""} FROM {raw}'
    )
    staging.drop(raw)
    bad = staging.con.execute(
        f"SELECT _line, _period FROM {named} WHERE NOT regexp_full_match(trim(_period), '\\d{{4}}JJ00') LIMIT 1"
    ).fetchone()
    if bad:
        raise SourceError(
            path,
            f"unknown period {bad[1]!r}",
            row=bad[0],
            column="Perioden",
            expected="a year code like 2019JJ00",
        )
    staging.stage_values(
        path,
        named,
        table_id=table.id,
        columns=staging.catalogued_columns(path, table.id, staging.columns(named)),
        code="_code",
        boundary_year=table.boundary_year,
        period="CAST(left(trim(_period), 4) AS INTEGER)",
    )
    staging.drop(named)


def read_regions(staging: Staging, path: Path) -> None:
    """The downloaded region dimension (`{table}_WijkenEnBuurten.csv.gz`): codes and names."""
    table = _table(staging, path)
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, ("Key", "Title"))
    staging.stage_areas(
        path,
        f'SELECT "Key" AS code, "Title" AS name FROM {raw}',
        table_id=table.id,
        boundary_year=table.boundary_year,
        register=True,
    )
    staging.drop(raw)


def _data_properties(path: Path, properties_path: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(properties_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SourceError(
            path,
            f"its DataProperties file {properties_path.name} is missing",
            expected="the files `wijkzicht fetch` writes together",
        ) from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(properties_path, f"cannot be read as JSON: {first_line(error)}") from error
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceError(properties_path, "not an OData DataProperties array", expected="a JSON list")
    return entries
