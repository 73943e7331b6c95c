"""CBS SES-WOA scores per wijk en buurt (85163NED), a StatLine 'CSV met statistische symbolen' export."""

from __future__ import annotations

from pathlib import Path

from wijkzicht.warehouse.sources.staging import Staging, table_id_of

CODE = "Regiocode (gemeente, wijk, buurt) (code)"
NAME = "Wijken en buurten"


def read(staging: Staging, path: Path) -> None:
    table = staging.catalogue.tables[table_id_of(path)]
    raw = staging.read_csv(path, delimiter=";")  # UTF-8 with BOM; DuckDB drops the BOM
    staging.require_columns(path, raw, ("Perioden", NAME, CODE))
    columns = staging.catalogue.resolve_columns(table.id, staging.columns(raw))
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
