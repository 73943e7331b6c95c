"""The map's boundaries, made once at build time: compressed GeoJSON per level and boundary year.

Measured on the snapshot (docs/kaart.md, "The wijk map: how it is served"): the 3,393 wijken of 2024 are 2.6 MB of GeoJSON,
643 KB gzipped; making them on a request took 1.5 s (simplify, serialise, compress). The build now stores
the compressed document with its ETag in `map_boundaries`, so a request is a read of one row and a browser
that has it answers 304. Vector tiles were measured against this and not chosen: the whole country's
wijken in one 643 KB response draws at once, while tiles need a tile pipeline for no gain at this size.

Focus areas are stored as level `focusgebied`: per focus area the union of its member wijken (2024), for
the map's outline layer.
"""

from __future__ import annotations

import gzip
import hashlib
import json

import duckdb

from wijkzicht.monitor import focus
from wijkzicht.monitor.choropleth import MAP_LEVELS, SIMPLIFY_TOLERANCE, boundaries_geojson
from wijkzicht.monitor.trends import MATRIX_YEAR

FOCUS_LEVEL = focus.FOCUS_LEVEL


def compress(document: object) -> tuple[bytes, str]:
    """The document as gzipped JSON (reproducible: no timestamp) and its ETag."""
    body = gzip.compress(
        json.dumps(document, separators=(",", ":")).encode("utf-8"), compresslevel=9, mtime=0
    )
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def focus_area_outlines(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Each focus area as one (multi)polygon: the union of its member wijken on the 2024 boundaries."""
    areas = focus.load_focus_areas()
    rows = [(area.number, area.name, code) for area in areas for code in area.wijken]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE focus_outline_members (number INTEGER, name VARCHAR, code VARCHAR)"
    )
    con.executemany("INSERT INTO focus_outline_members VALUES (?, ?, ?)", rows)
    found = con.execute(
        """
        SELECT m.number, any_value(m.name),
               ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_Union_Agg(g.geom), 0.0002))
        FROM focus_outline_members m JOIN geometries g ON g.code = m.code AND g.level = 'wijk'
                                                      AND g.boundary_year = ?
        GROUP BY m.number ORDER BY m.number
        """,
        [MATRIX_YEAR],
    ).fetchall()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"number": number, "name": name},
                "geometry": json.loads(geometry),
            }
            for number, name, geometry in found
        ],
    }


def store_map_boundaries(con: duckdb.DuckDBPyConnection) -> None:
    """Every level and boundary year with geometries, and the focus-area outlines, into `map_boundaries`."""
    con.execute(
        """CREATE OR REPLACE TABLE main.map_boundaries (level VARCHAR, boundary_year INTEGER, etag VARCHAR,
           body BLOB, PRIMARY KEY (level, boundary_year))"""
    )
    pairs = con.execute(
        "SELECT DISTINCT level, boundary_year FROM geometries WHERE level IN (SELECT unnest(?)) ORDER BY ALL",
        [list(MAP_LEVELS)],
    ).fetchall()
    documents = [(level, year, boundaries_geojson(con, level, year)) for level, year in pairs]
    if any(level == "wijk" and year == MATRIX_YEAR for level, year in pairs):
        documents.append((FOCUS_LEVEL, MATRIX_YEAR, focus_area_outlines(con)))
    for level, year, document in documents:
        body, etag = compress(document)
        con.execute("INSERT INTO main.map_boundaries VALUES (?, ?, ?, ?)", [level, year, etag, body])


def stored(con: duckdb.DuckDBPyConnection, level: str, boundary_year: int) -> tuple[bytes, str] | None:
    """The stored compressed document and its ETag, or None (an older warehouse, or not stored)."""
    try:
        row = con.execute(
            "SELECT body, etag FROM map_boundaries WHERE level = ? AND boundary_year = ?",
            [level, boundary_year],
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return (bytes(row[0]), row[1]) if row else None


def location_geojson(con: duckdb.DuckDBPyConnection, code: str) -> dict[str, object] | None:
    """A gemeente or wijk with its neighbours of the same level, on the latest boundary year with its
    polygon, for the small location map of a profile; None when there is no polygon for the code."""
    found = con.execute(
        "SELECT level, max(boundary_year) FROM geometries WHERE code = ? AND level IN ('gemeente', 'wijk') "
        "GROUP BY level",
        [code],
    ).fetchone()
    if found is None:
        return None
    level, year = found
    rows = con.execute(
        """
        WITH target AS (
            SELECT ST_Buffer(ST_Envelope(geom), $margin) AS around FROM geometries
            WHERE code = $code AND boundary_year = $year
        ),
        nearby AS (
            SELECT g.code, g.boundary_year, g.geom FROM geometries g JOIN target t
              ON ST_Intersects(g.geom, t.around)
            WHERE g.level = $level AND g.boundary_year = $year
        )
        SELECT n.code, a.name, n.code = $code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(n.geom, $tolerance))
        FROM nearby n LEFT JOIN areas a ON a.code = n.code AND a.boundary_year = n.boundary_year
        ORDER BY n.code
        """,
        {
            "code": code,
            "year": year,
            "level": level,
            "tolerance": SIMPLIFY_TOLERANCE[level] / 2,
            "margin": 0.15 if level == "gemeente" else 0.03,
        },
    ).fetchall()
    return {
        "type": "FeatureCollection",
        "properties": {"code": code, "level": level, "boundary_year": year},
        "features": [
            {
                "type": "Feature",
                "properties": {"code": feature_code, "name": name, "self": is_self},
                "geometry": json.loads(geometry),
            }
            for feature_code, name, is_self, geometry in rows
        ],
    }
