"""The map's polygons as the browser gets them: a valid, lighter coverage of every scored wijk of 2024,
as GeoJSON and as vector tiles made at build time."""

from __future__ import annotations

import gzip
import json
import re

import duckdb
from fastapi.testclient import TestClient

from wijkzicht.web.monitor import kaart

WIJK_CODE = re.compile(rb"WK\d{4}[0-9A-Z]{2}")
MORE_THAN_FIVE_DECIMALS = re.compile(r"\d\.\d{6,}")


def served_wijken(web: TestClient, con: duckdb.DuckDBPyConnection) -> str:
    """The served wijk GeoJSON of 2024, loaded into the temp table `served` (code, geom); its text."""
    text = web.get("/api/map/boundaries/wijk/2024").text
    features = json.loads(text)["features"]
    con.execute("CREATE OR REPLACE TEMP TABLE served_json (code VARCHAR, geometry VARCHAR)")
    con.executemany(
        "INSERT INTO served_json VALUES (?, ?)",
        [(f["properties"]["code"], json.dumps(f["geometry"])) for f in features],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE served AS SELECT code, ST_GeomFromGeoJSON(geometry) AS geom FROM served_json"
    )
    return text


def codes(con: duckdb.DuckDBPyConnection, query: str) -> set[str]:
    return {row[0] for row in con.execute(query).fetchall()}


def test_the_served_wijk_polygons_are_valid_and_cover_every_scored_wijk(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    served_wijken(web, con)
    broken = con.execute(
        "SELECT count(*) FROM served WHERE geom IS NULL OR ST_IsEmpty(geom) OR NOT ST_IsValid(geom)"
    ).fetchone()
    assert broken == (0,)
    served = codes(con, "SELECT code FROM served")
    scored = codes(con, "SELECT area_code FROM area_index WHERE level = 'wijk' AND boundary_year = 2024")
    registry = codes(con, "SELECT code FROM areas WHERE level = 'wijk' AND boundary_year = 2024")
    assert len(scored) > 3000 and scored <= served <= registry
    # PDOK's pseudo-wijken: abroad (WK099899) and large water, which are in no registry
    assert "WK099899" not in served and len(served) == 3393


def test_the_served_wijk_polygons_are_a_lighter_coverage_of_the_source(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    text = served_wijken(web, con)
    source_vertices, source_area, source_open_edges = con.execute(
        """SELECT sum(ST_NPoints(geom)), sum(ST_Area(geom)), ST_NPoints(ST_CoverageInvalidEdges_Agg(geom))
           FROM (SELECT ST_CollectionExtract(ST_MakeValid(geom), 3) AS geom FROM geometries
                 WHERE level = 'wijk' AND boundary_year = 2024)"""
    ).fetchone()
    vertices, area, open_edges = con.execute(
        "SELECT sum(ST_NPoints(geom)), sum(ST_Area(geom)), ST_NPoints(ST_CoverageInvalidEdges_Agg(geom)) FROM served"
    ).fetchone()
    # lighter, but not hollowed out: the same land within half a per cent (the source's overlaps between
    # neighbours, counted twice in its sum, make about 0.1 %)
    assert 0.5 * source_vertices < vertices < 0.97 * source_vertices
    assert abs(area - source_area) < 0.005 * source_area
    # neighbours share their edges: the source's 40,768 vertices on unshared edges are gone, bar a handful
    assert source_open_edges > 10_000 and open_edges < 0.001 * vertices
    assert MORE_THAN_FIVE_DECIMALS.search(text) is None  # coordinates rounded to about 1 m


def test_the_wijk_map_is_served_as_vector_tiles_holding_every_wijk(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    source = web.get("/api/map/values", params={"level": "wijk"}).json()["tiles"]
    assert source["tiles"] == ["/api/map/tiles/wijk/2024/{z}/{x}/{y}.pbf"]
    west, south, east, north = source["bounds"]
    assert 3.3 < west < 3.4 and 50.7 < south < 50.8 and 7.2 < east < 7.3 and 53.5 < north < 53.6
    stored = con.execute(
        "SELECT x, y FROM map_tiles WHERE level = 'wijk' AND boundary_year = 2024 AND z = 7"
    ).fetchall()
    codes: set[bytes] = set()
    for x, y in stored:
        answer = web.get(f"/api/map/tiles/wijk/2024/7/{x}/{y}.pbf", headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200 and answer.headers["content-type"] == kaart.MVT_MEDIA_TYPE
        codes |= set(WIJK_CODE.findall(answer.content))  # the client decompressed it
    served = {
        row[0].encode()
        for row in con.execute(
            "SELECT code FROM map_geometries WHERE level = 'wijk' AND boundary_year = 2024"
        ).fetchall()
    }
    assert codes == served and len(codes) == 3393
    x, y = stored[0]
    first = web.get(f"/api/map/tiles/wijk/2024/7/{x}/{y}.pbf")
    again = web.get(
        f"/api/map/tiles/wijk/2024/7/{x}/{y}.pbf", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    raw = web.get(f"/api/map/tiles/wijk/2024/7/{x}/{y}.pbf", headers={"Accept-Encoding": "identity"})
    assert raw.content == first.content and "content-encoding" not in raw.headers
    sea = web.get("/api/map/tiles/wijk/2024/10/0/0.pbf")  # inside no wijk: an empty tile, not an error
    assert sea.status_code == 200 and sea.content == b""
    assert web.get("/api/map/tiles/wijk/2020/7/65/42.pbf").status_code == 404
    gzipped = con.execute(
        "SELECT body FROM map_tiles WHERE level = 'wijk' AND boundary_year = 2024 AND z = 7 AND x = ? AND y = ?",
        [x, y],
    ).fetchone()[0]
    assert gzip.decompress(gzipped) == first.content
