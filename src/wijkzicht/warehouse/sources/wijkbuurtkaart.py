"""CBS Wijk- en buurtkaart 2017: the attribute tables of the gemeente and wijk shapefiles.

Only land parts (WATER = NEE) are statistics; water parts and the one 'buitenland' row are not areas.
"""

from __future__ import annotations

from pathlib import Path

from wijkzicht.warehouse.sources.staging import Staging

TABLE_ID = "wbk2017"


def read(staging: Staging, path: Path) -> None:
    table = staging.catalogue.tables[TABLE_ID]
    raw = staging.read_csv(path)
    level_code, level_name = ("WK_CODE", "WK_NAAM") if "_wijk_" in path.name else ("GM_CODE", "GM_NAAM")
    staging.require_columns(path, raw, (level_code, level_name, "WATER"))
    land = "trim(\"WATER\") = 'NEE'"
    columns = staging.catalogued_columns(path, TABLE_ID, staging.columns(raw))
    staging.stage_values(
        path,
        raw,
        table_id=TABLE_ID,
        columns=columns,
        code=f'"{level_code}"',
        boundary_year=table.boundary_year,
        period=str(table.period),
        where=land,
    )
    staging.stage_areas(
        path,
        f'SELECT "{level_code}" AS code, "{level_name}" AS name FROM {raw} WHERE {land}',
        table_id=TABLE_ID,
        boundary_year=table.boundary_year,
    )
    staging.drop(raw)
