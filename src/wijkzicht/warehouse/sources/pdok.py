"""PDOK / CBS boundaries (GeoJSON, WGS84), read with DuckDB's spatial extension (GDAL underneath).

File names say level and boundary year: `pdok_gemeenten_2024_wgs84_simplified.geojson.gz` in the
snapshot, `pdok_gemeenten_2024_wgs84.geojson.gz` from `wijkzicht fetch pdok:gemeenten:2024`.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from wijkzicht import codes
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.privacy import reject_identifying
from wijkzicht.warehouse.queries import literal
from wijkzicht.warehouse.sources.staging import Staging, check_gzip_complete, first_line

LEVELS = {
    "gemeenten": ("gemeente", "gemeentecode", "gemeentenaam"),
    "wijken": ("wijk", "wijkcode", "wijknaam"),
    "buurten": ("buurt", "buurtcode", "buurtnaam"),
}
ABROAD = "GM0998"  # PDOK's pseudo-municipality 'Buitenland' (and its wijk WK099899) is not an area
# PDOK's wijk and buurt layers also hold "Groot water" pseudo-areas (WKxxxx99, no inhabitants, not in KWB).
# The service marks them with `water = 'JA'`; a file whose other properties were stripped keeps only the name.
WATER_NAME = "Groot water"
NAME_PATTERN = re.compile(r"pdok_(gemeenten|wijken|buurten)_(\d{4})_")


def read(staging: Staging, path: Path) -> None:
    match = NAME_PATTERN.match(path.name)
    if not match:
        raise SourceError(
            path,
            "cannot tell level and year from the file name",
            expected="pdok_{gemeenten|wijken|buurten}_{year}_....geojson.gz",
        )
    level, code_field, name_field = LEVELS[match.group(1)]
    year = int(match.group(2))
    check_gzip_complete(path)
    raw = staging.fresh_name("geo")
    try:
        staging.con.execute(
            f"CREATE TEMP TABLE {raw} AS SELECT * FROM ST_Read({literal('/vsigzip/' + str(path))})"
        )
    except duckdb.Error as error:
        raise SourceError(
            path, f"cannot be read as GeoJSON: {first_line(error)}", expected="a GeoJSON FeatureCollection"
        ) from error
    try:
        reject_identifying(path, staging.columns(raw))  # feature properties: areas only
    except SourceError:
        staging.drop(raw)
        raise
    staging.require_columns(path, raw, (code_field, name_field, "geom"))
    keep = _real_areas(staging.columns(raw), code_field, name_field)
    staging.con.execute(f"""
        INSERT INTO geometries
        SELECT trim({code_field}), {year}, '{level}', geom, {literal(staging.relative(path))} FROM {raw} WHERE {keep}""")
    staging.stage_areas(
        path,
        f"SELECT {code_field} AS code, {name_field} AS name FROM {raw} WHERE {keep}",
        table_id=f"pdok:{match.group(1)}:{year}",
        boundary_year=year,
    )
    staging.drop(raw)


def _real_areas(columns: list[str], code_field: str, name_field: str) -> str:
    """The SQL condition that leaves out PDOK's pseudo-areas: abroad and large water."""
    # GM0998, WK099899, BU0998xxxx: every area of the pseudo-municipality
    code = f"trim({code_field})"
    conditions = [f"coalesce({codes.sql_gemeente_of(code)}, {code}) <> '{ABROAD}'"]
    if "water" in columns:
        conditions.append("coalesce(upper(trim(water)), 'NEE') <> 'JA'")
    conditions.append(f"trim({name_field}) <> '{WATER_NAME}'")
    return " AND ".join(conditions)
