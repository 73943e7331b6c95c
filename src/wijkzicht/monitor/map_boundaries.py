"""The map's boundaries, made once at build time: per level and boundary year a simplified coverage, served
as vector tiles (the choropleth) and as compressed GeoJSON (the API, the location map, older browsers' use).

The snapshot's polygons were simplified one by one before we got them, so neighbours do not share their
edges exactly (the wijken of 2024 have 40,768 vertices on edges that no neighbour shares). The build first
cleans them into a coverage (`ST_CoverageClean`: slivers and gaps narrower than `COVERAGE_GAP` go to a
neighbour), then simplifies the coverage as a whole (`ST_CoverageSimplify`: a shared edge is simplified once,
so no gaps or overlaps appear) and rounds coordinates to 5 decimals (about 1 m). Four decimals was measured
and refused: rounding each polygon on its own breaks 300 shared edges.

Time to idle decided the format (docs/kaart.md, "The wijk map: how it is served"): MapLibre drawing the
wijken of 2024 from GeoJSON (2.4 MB) took twice as long as from vector tiles made here with `ST_AsMVT`
(zoom levels `TILE_ZOOMS`, gzipped, 4 to 12 tiles for the whole country), since the browser then parses and
cuts nothing. Tiles are stored in `map_tiles`, the GeoJSON with its ETag in `map_boundaries`.

Focus areas are stored as level `focusgebied`: per focus area the union of its member wijken (2024), for
the map's outline layer.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math

import duckdb

from wijkzicht.monitor import focus
from wijkzicht.monitor.choropleth import MAP_LEVELS, SIMPLIFY_TOLERANCE, boundaries_geojson
from wijkzicht.monitor.trends import MATRIX_YEAR
from wijkzicht.records import as_json

FOCUS_LEVEL = focus.FOCUS_LEVEL
# Cleaning the coverage, in degrees: a vertex within about 2 m of a neighbour's edge is snapped onto it, and
# a gap between neighbours narrower than about 15 m is closed (the snapshot's own simplification made them).
COVERAGE_SNAP = 0.00002
COVERAGE_GAP = 0.0002
COORDINATE_GRID = 0.00001  # 5 decimals, about 1 m
# The national wijk map opens at zoom 6 (phone) to 7 (desktop); beyond zoom 10 MapLibre enlarges the tiles
# of zoom 10, whose grid (4096 per tile, about 9 m) is finer than the simplified polygons.
TILE_ZOOMS = range(4, 11)
TILE_EXTENT = 4096
TILE_LAYER = "areas"


def compress(document: object) -> tuple[bytes, str]:
    """The document as gzipped JSON (reproducible: no timestamp) and its ETag."""
    return compress_bytes(as_json(document))


def compress_bytes(raw: bytes) -> tuple[bytes, str]:
    body = gzip.compress(raw, compresslevel=9, mtime=0)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _per_code(collection_query: str) -> str:
    """SQL: (code, polygon) from a query of (codes, one collection in the codes' order), as the coverage
    functions answer; a polygon that collapsed (EMPTY) is left out."""
    return f"""
        WITH collection AS ({collection_query}),
        parts AS (SELECT codes, unnest(ST_Dump(polygons)) AS part FROM collection)
        SELECT codes[part.path[1]] AS code,
               CASE WHEN count(*) = 1 THEN any_value(part.geom) ELSE ST_Collect(list(part.geom)) END AS geom
        FROM parts WHERE NOT ST_IsEmpty(part.geom) GROUP BY ALL"""


def store_map_geometries(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, int]]) -> None:
    """`map_geometries`: per level and boundary year the polygons as a cleaned, simplified coverage."""
    con.execute(
        """CREATE OR REPLACE TABLE main.map_geometries (level VARCHAR, boundary_year INTEGER, code VARCHAR,
           geom GEOMETRY, PRIMARY KEY (level, boundary_year, code))"""
    )
    for level, year in pairs:
        cleaned = _per_code(
            """SELECT list(code ORDER BY code) AS codes,
                      ST_CoverageClean(list(ST_CollectionExtract(ST_MakeValid(geom), 3) ORDER BY code),
                                       $snap, $gap) AS polygons
               FROM geometries WHERE level = $level AND boundary_year = $year"""
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE map_cleaned AS {cleaned}",
            {"snap": COVERAGE_SNAP, "gap": COVERAGE_GAP, "level": level, "year": year},
        )
        simplified = _per_code(
            """SELECT list(code ORDER BY code) AS codes,
                      ST_CoverageSimplify(list(geom ORDER BY code), $tolerance) AS polygons FROM map_cleaned"""
        )
        con.execute(
            f"""INSERT INTO main.map_geometries
                SELECT $level, $year, code, ST_ReducePrecision(geom, $grid) FROM ({simplified})""",
            {"level": level, "year": year, "tolerance": SIMPLIFY_TOLERANCE[level], "grid": COORDINATE_GRID},
        )
    con.execute("DROP TABLE IF EXISTS map_cleaned")


def _extent(
    con: duckdb.DuckDBPyConnection, level: str, boundary_year: int
) -> tuple[float, float, float, float]:
    """West, south, east and north of the stored map polygons of one level and year (None when there are none)."""
    row = con.execute(
        """SELECT min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), max(ST_YMax(geom))
           FROM map_geometries WHERE level = ? AND boundary_year = ?""",
        [level, boundary_year],
    ).fetchone()
    assert row is not None  # an aggregate always answers one row
    return row


def _tile_index(longitude: float, latitude: float, zoom: int) -> tuple[int, int]:
    """The web-mercator tile (x, y) holding a point."""
    n = 2**zoom
    x = (longitude + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(latitude))) / math.pi) / 2 * n
    return min(int(x), n - 1), min(int(y), n - 1)


def _mercator_polygons(con: duckdb.DuckDBPyConnection, level: str, year: int, zoom: int) -> None:
    """`map_mercator`: the stored coverage in web mercator, for a zoom level where a screen pixel is wider
    than the coverage's tolerance simplified further (as a coverage again), to the width of a pixel:
    the national view then draws a third fewer vertices that nobody could see."""
    pixel = 360 / 2**zoom / 512  # degrees of longitude per screen pixel; tiles are drawn 512 pixels wide
    polygons = "SELECT code, geom FROM map_geometries WHERE level = $level AND boundary_year = $year"
    if pixel > SIMPLIFY_TOLERANCE[level]:
        polygons = _per_code(
            """SELECT list(code ORDER BY code) AS codes,
                      ST_CoverageSimplify(list(geom ORDER BY code), $pixel) AS polygons
               FROM map_geometries WHERE level = $level AND boundary_year = $year"""
        )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE map_mercator AS
            SELECT code, ST_Transform(geom, 'EPSG:4326', 'EPSG:3857', always_xy := true) AS geom
            FROM ({polygons})""",
        {"level": level, "year": year} | ({"pixel": pixel} if pixel > SIMPLIFY_TOLERANCE[level] else {}),
    )


def store_map_tiles(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, int]]) -> None:
    """`map_tiles`: gzipped vector tiles (layer `areas`, property `code`) of `map_geometries` for every
    level and boundary year at `TILE_ZOOMS`; tiles without any polygon are not stored."""
    con.execute(
        """CREATE OR REPLACE TABLE main.map_tiles (level VARCHAR, boundary_year INTEGER, z INTEGER,
           x INTEGER, y INTEGER, etag VARCHAR, body BLOB, PRIMARY KEY (level, boundary_year, z, x, y))"""
    )
    for level, year in pairs:
        west, south, east, north = _extent(con, level, year)
        for zoom in TILE_ZOOMS:
            (x0, y0), (x1, y1) = _tile_index(west, north, zoom), _tile_index(east, south, zoom)
            con.execute("CREATE OR REPLACE TEMP TABLE map_tile_candidates (x INTEGER, y INTEGER)")
            con.executemany(
                "INSERT INTO map_tile_candidates VALUES (?, ?)",
                [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)],
            )
            _mercator_polygons(con, level, year, zoom)
            tiles = con.execute(
                """
                WITH envelopes AS (SELECT x, y, ST_TileEnvelope($zoom, x, y) AS envelope FROM map_tile_candidates)
                SELECT x, y,
                       ST_AsMVT({'code': m.code,
                                 'geom': ST_AsMVTGeom(m.geom, ST_Extent(e.envelope), $extent, 64, true)},
                                $layer, $extent)
                FROM envelopes e JOIN map_mercator m ON ST_Intersects(m.geom, e.envelope)
                GROUP BY x, y ORDER BY x, y
                """,
                {"zoom": zoom, "extent": TILE_EXTENT, "layer": TILE_LAYER},
            ).fetchall()
            for x, y, tile in tiles:
                con.execute(
                    "INSERT INTO main.map_tiles VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [level, year, zoom, x, y, *reversed(compress_bytes(bytes(tile)))],
                )
    con.execute("DROP TABLE IF EXISTS map_tile_candidates")
    con.execute("DROP TABLE IF EXISTS map_mercator")


def stored_tile(
    con: duckdb.DuckDBPyConnection, level: str, boundary_year: int, z: int, x: int, y: int
) -> tuple[bytes, str] | None:
    """A gzipped vector tile and its ETag; None where no polygon reaches (or the warehouse has no tiles)."""
    try:
        row = con.execute(
            "SELECT body, etag FROM map_tiles WHERE level = ? AND boundary_year = ? AND z = ? AND x = ? AND y = ?",
            [level, boundary_year, z, x, y],
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return (bytes(row[0]), row[1]) if row else None


def tile_source(con: duckdb.DuckDBPyConnection, level: str, boundary_year: int) -> dict[str, object] | None:
    """The settings of a MapLibre vector source for the stored tiles (its `tiles` URL relative to the site),
    or None for a warehouse built without them."""
    try:
        found = _extent(con, level, boundary_year)
    except duckdb.CatalogException:
        return None
    if None in found:
        return None
    return {
        "tiles": [f"/api/map/tiles/{level}/{boundary_year}/{{z}}/{{x}}/{{y}}.pbf"],
        "bounds": [round(value, 5) for value in found],
        "minzoom": TILE_ZOOMS[0],
        "maxzoom": TILE_ZOOMS[-1],
        "layer": TILE_LAYER,
    }


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
    """Every level and boundary year with geometries as a simplified coverage, as vector tiles and as
    GeoJSON (`map_boundaries`, with the focus-area outlines)."""
    con.execute(
        """CREATE OR REPLACE TABLE main.map_boundaries (level VARCHAR, boundary_year INTEGER, etag VARCHAR,
           body BLOB, PRIMARY KEY (level, boundary_year))"""
    )
    pairs = con.execute(
        "SELECT DISTINCT level, boundary_year FROM geometries WHERE level IN (SELECT unnest(?)) ORDER BY ALL",
        [list(MAP_LEVELS)],
    ).fetchall()
    store_map_geometries(con, pairs)
    store_map_tiles(con, pairs)
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
