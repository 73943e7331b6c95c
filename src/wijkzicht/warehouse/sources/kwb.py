"""CBS Kerncijfers wijken en buurten (85984NED and the other yearly KWB tables).

Formats: the OData `WijkenEnBuurten` dimension (CSV), `TableInfos` (JSON), the TypedDataSet subset
`{code: {column: value}}` (JSON), the buurt population extract (CSV), and a full `UntypedDataSet`
as `wijkzicht fetch` writes it (CSV).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from wijkzicht.catalogue import Table
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.privacy import reject_identifying
from wijkzicht.warehouse.sources.staging import (
    CELL_COLUMNS,
    Staging,
    canonical_code,
    first_line,
    literal,
    table_id_of,
)

REGION_COLUMNS = ("Key", "Title")
# The buurt extract names its value column `population`; it holds 85984NED's AantalInwoners_5.
BUURT_INWONERS_COLUMNS = {"population": "AantalInwoners_5"}


def _table(staging: Staging, path: Path) -> Table:
    table_id = table_id_of(path)
    if table_id not in staging.catalogue.tables:
        raise SourceError(
            path,
            f"table {table_id} is not in the catalogue",
            expected="a table id listed in catalogue/indicators.yaml",
        )
    return staging.catalogue.tables[table_id]


def read_regions(staging: Staging, path: Path, *, exclude: tuple[str, ...] = ()) -> None:
    """An OData `WijkenEnBuurten` dimension (Key padded to 10 characters, Title = name)."""
    table = _table(staging, path)
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, REGION_COLUMNS)
    excluded = ", ".join(literal(code) for code in exclude) or "''"  # NOT IN (NULL) would drop every row
    staging.stage_areas(
        path,
        f'SELECT "Key" AS code, "Title" AS name FROM {raw} WHERE trim("Key") NOT IN ({excluded})',
        table_id=table.id,
        boundary_year=table.boundary_year,
        register=True,
    )
    staging.drop(raw)


def read_table_info(staging: Staging, path: Path) -> None:
    entries = _load_json(path)
    if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
        raise SourceError(path, "not an OData TableInfos array", expected="a JSON list of table descriptions")
    info = entries[0]
    staging.record_table(
        path,
        info.get("Identifier") or table_id_of(path),
        info.get("Title", ""),
        info.get("Modified"),
        info.get("ShortDescription"),
    )


def data_property_keys(path: Path) -> list[str]:
    """The column keys a CBS table declares in its DataProperties file."""
    entries = _load_json(path)
    if not isinstance(entries, list):
        raise SourceError(path, "not an OData DataProperties array", expected="a JSON list")
    keys = [entry["Key"] for entry in entries if isinstance(entry, dict) and entry.get("Key")]
    # A catalogue may name a column by its StatLine export header instead (the SES-WOA tables do).
    names = export_headers([entry for entry in entries if isinstance(entry, dict)])
    return keys + [name for name in names.values() if name not in keys]


def read_subset_json(staging: Staging, path: Path) -> None:
    """The TypedDataSet subset `{code: {column: value}}`; `_line` is the region's position in the file."""
    table = _table(staging, path)
    document = _load_json(path)
    if (
        not isinstance(document, dict)
        or not document
        or not all(isinstance(v, dict) for v in document.values())
    ):
        raise SourceError(
            path,
            "not a mapping of region codes to column values",
            expected='{"GM0363": {"AantalInwoners_5": 931298, ...}, ...}',
        )
    raw_columns = sorted({key for values in document.values() for key in values})
    reject_identifying(path, raw_columns)
    columns = staging.catalogue.resolve_columns(table.id, raw_columns)
    cells = [
        (position, code, column, "null" if value is None else str(value))
        for position, (code, values) in enumerate(document.items(), start=1)
        for column, value in values.items()
        if column in columns
    ]
    name = staging.fresh_name("json")
    # JSON null is CBS's "not available or secret": it stays the text 'null' so its reason survives.
    staging.con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT unnest(?) AS _line, unnest(?) AS code, unnest(?) AS _column, "
        "unnest(?) AS _raw",
        [list(column) for column in zip(*cells, strict=True)] if cells else [[], [], [], []],
    )
    _stage_long(staging, path, name, table.id, table.boundary_year, table.period, columns)
    staging.drop(name)


def read_buurt_inwoners(staging: Staging, path: Path) -> None:
    table = _table(staging, path)
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, ("nhood_id", *BUURT_INWONERS_COLUMNS))
    renamed = {BUURT_INWONERS_COLUMNS[c]: c for c in BUURT_INWONERS_COLUMNS}
    columns = staging.catalogue.resolve_columns(table.id, list(renamed))
    staging.stage_values(
        path,
        raw,
        table_id=table.id,
        code='"nhood_id"',
        boundary_year=table.boundary_year,
        period=str(table.period),
        columns={renamed[k]: v for k, v in columns.items()},
    )
    staging.drop(raw)


def read_dataset(staging: Staging, path: Path) -> None:
    """A full KWB table as fetched from CBS OData (UntypedDataSet, values padded with spaces)."""
    table = _table(staging, path)
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, ("WijkenEnBuurten",))
    columns = staging.catalogued_columns(path, table.id, staging.columns(raw))
    staging.stage_values(
        path,
        raw,
        table_id=table.id,
        code='"WijkenEnBuurten"',
        boundary_year=table.boundary_year,
        period=str(table.period),
        columns=columns,
    )
    staging.drop(raw)


def _stage_long(
    staging: Staging,
    path: Path,
    name: str,
    table_id: str,
    boundary_year: int,
    period: int | None,
    columns: dict,
) -> None:
    """Stage cells from a long (code, column, raw) table; `_line` holds the region's position in the file."""
    mapping = ", ".join(f"({literal(raw)}, {literal(ind.id)})" for raw, ind in columns.items())
    staging.con.execute(f"""
        INSERT INTO stage_cells ({CELL_COLUMNS})
        SELECT m.indicator, 'totaal', {canonical_code("r.code")},
               {boundary_year}, {period}, r._raw, {staging.register_file(path, table_id)}, r._line, r._column
        FROM {name} r JOIN (VALUES {mapping}) m(source_column, indicator) ON m.source_column = r._column
    """)


def _load_json(path: Path) -> object:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(
            path, f"cannot be read as JSON: {first_line(error)}", expected="a complete JSON document"
        ) from error


def export_headers(properties: list[dict[str, Any]]) -> dict[str, str]:
    """Topic key -> StatLine export header: parent topic-group titles and title joined by '/', unit in brackets."""
    by_id = {p.get("ID"): p for p in properties}
    headers: dict[str, str] = {}
    for entry in properties:
        if entry.get("Type") != "Topic" or not entry.get("Key"):
            continue
        titles = [str(entry.get("Title", "")).strip()]
        parent = by_id.get(entry.get("ParentID"))
        while parent is not None:
            titles.insert(0, str(parent.get("Title", "")).strip())
            parent = by_id.get(parent.get("ParentID"))
        unit = str(entry.get("Unit") or "").strip()
        unit = (
            unit[:1].upper() + unit[1:]
        )  # StatLine capitalises the unit in export headers: aantal -> Aantal
        headers[str(entry["Key"])] = "/".join(titles) + (f" ({unit})" if unit else "")
    return headers
