"""The map page and its JSON (in-process): values equal the warehouse's, classes say what they mean,
boundaries are only used where they describe the same area, and a missing piece is said, not hidden."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api_errors import detail_text
from wijkzicht.catalogue import load_catalogue
from wijkzicht.monitor import map_boundaries
from wijkzicht.monitor.choropleth import (
    MAP_LEVELS,
    Measure,
    Partition,
    choose_partition,
    drawable_codes,
    map_data,
    mappable,
    partitions,
)
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.web.app import create_app
from wijkzicht.web.monitor import kaart


def test_index_map_of_gemeenten_shows_the_stored_index_on_the_nearest_boundaries(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # by default the latest gemeenten (2024), every period carried to them, drawn on their own polygons
    latest = map_data(con, load_catalogue(), "gemeente", Measure("index"))
    assert latest.partition.boundary_year == 2024
    assert latest.geometry_year == 2024 and latest.drawn == len(latest.values)
    # as published, on the 2020 gemeenten
    data = map_data(con, load_catalogue(), "gemeente", Measure("index"), period=2020, boundary_year=2020)
    assert data.partition == Partition(boundary_year=2020, period=2020, subgroup="18plus")
    stored = dict(
        con.execute(
            "SELECT area_code, score FROM area_index WHERE level = 'gemeente' AND boundary_year = 2020 "
            "AND period = 2020 AND subgroup = '18plus'"
        ).fetchall()
    )
    assert {v.code: v.value for v in data.values} == stored
    # no 2020 polygons in the snapshot: 2019 is nearest, and 2019 and 2020 gemeenten are the same areas
    assert data.geometry_year == 2019 and data.drawn == len(stored) == 355
    assert sum(c.areas for c in data.legend) == 355
    worst = [v for v in data.values if v.category == 4]
    assert worst and all(v.percentile >= 90 for v in worst)
    assert data.values[0].percentile == max(v.percentile for v in data.values)  # most problems first


def test_a_gemeente_whose_boundaries_changed_is_not_drawn_on_another_years_polygon(
    con: duckdb.DuckDBPyConnection,
) -> None:
    drawable = drawable_codes(con, "gemeente", 2017, 2019)
    assert "GM0014" not in drawable  # Groningen took in Haren and Ten Boer on 1 January 2019
    assert "GM0363" in drawable  # Amsterdam only changed in 2022 (Weesp), the same for 2017 and 2019
    assert "GM0017" not in drawable  # Haren itself no longer exists in 2019
    assert len(drawable) == len(drawable_codes(con, "gemeente", 2019, 2019)) - 36


def test_stacking_classes_count_the_domains_in_the_worst_decile(con: duckdb.DuckDBPyConnection) -> None:
    data = map_data(con, load_catalogue(), "wijk", Measure("stacking"), period=2016)
    counts = dict(
        con.execute(
            "SELECT worst_domains, count(*) FROM area_index WHERE level = 'wijk' AND period = 2016 "
            "AND subgroup = '18plus' AND boundary_year = 2024 GROUP BY ALL"
        ).fetchall()
    )
    assert {c.category: c.areas for c in data.legend} == counts
    # By default scored on 2024 boundaries: every wijk with a score is drawn, Amsterdam's new ones too.
    assert data.partition.boundary_year == 2024 and data.geometry_year == 2024
    assert data.drawn == len(data.values) and "WK0363TE" in {v.code for v in data.values}
    # As published on 2020 boundaries, polygons of 2022 (KWB 2022, the nearest year): only wijken whose
    # addresses did not move between the two divisions are drawn.
    data = map_data(con, load_catalogue(), "wijk", Measure("stacking"), period=2016, boundary_year=2020)
    polygons = {
        row[0]
        for row in con.execute(
            "SELECT code FROM geometries WHERE level = 'wijk' AND boundary_year = 2022"
        ).fetchall()
    }
    drawn = {v.code for v in data.values if v.drawn}
    assert data.geometry_year == 2022 and drawn <= polygons and "WK034403" in drawn  # Overvecht, unchanged
    # Amsterdam's numbered wijken of 2020 still exist in 2022 (letter codes came with the 2023 division)
    assert any(code.startswith("WK0363") for code in drawn)


def test_an_indicator_without_direction_gets_value_quintiles_not_problem_bands(
    con: duckdb.DuckDBPyConnection,
) -> None:
    data = map_data(con, load_catalogue(), "gemeente", Measure("indicator", "inwoners"))
    assert data.partition == Partition(2024, 2024, "totaal") and data.geometry_year == 2024
    assert [c.kind for c in data.legend] == ["quintile"] * 5
    ranges = [(c.lower, c.upper) for c in data.legend]
    assert all(high < next_low for (_, high), (next_low, _) in pairwise(ranges))
    assert ranges[0][0] == min(v.value for v in data.values) and ranges[-1][1] == 931_298
    amsterdam = next(v for v in data.values if v.code == "GM0363")
    assert amsterdam.value == 931_298 and amsterdam.category == 4 and amsterdam.percentile is None


def test_suppressed_areas_keep_their_reason_and_get_no_class(con: duckdb.DuckDBPyConnection) -> None:
    data = map_data(con, load_catalogue(), "buurt", Measure("indicator", "eenzaam"), period=2020)
    suppressed = [v for v in data.values if v.status == "suppressed"]
    assert suppressed and all(v.value is None and v.category is None and v.reason for v in suppressed)


def test_an_indicators_partitions_are_those_where_the_gate_publishes_a_value(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # the partitions are read from the counts of the stored gated values; the gate itself is the reference
    expected: dict[tuple[str, str], list[Partition]] = {}
    for indicator, level, *key in con.execute(
        """SELECT DISTINCT indicator, level, boundary_year, period, subgroup FROM published_observations
           WHERE value IS NOT NULL ORDER BY ALL"""
    ).fetchall():
        expected.setdefault((indicator, level), []).append(Partition(*key))
    catalogue = load_catalogue()
    measured = [i for i in catalogue.indicators.values() if mappable(i)]
    assert len(measured) > 50
    for indicator in measured:
        for level in MAP_LEVELS:
            found = partitions(con, level, Measure("indicator", indicator.id))
            assert sorted(found, key=partition_key) == expected.get((indicator.id, level), []), (
                indicator.id,
                level,
            )


def partition_key(partition: Partition) -> tuple[int, int, str]:
    return partition.boundary_year, partition.period, partition.subgroup


def test_choose_partition_gives_up_as_few_settings_as_possible() -> None:
    available = [
        Partition(2020, 2020, "18plus"),
        Partition(2020, 2020, "65plus"),
        Partition(2020, 2016, "18plus"),
    ]
    assert choose_partition(available, None, None, None) == (available[0], [])
    assert choose_partition(available, 1999, "65plus", None) == (available[1], ["period"])
    assert choose_partition(available, 2016, "65plus", 2024) == (available[2], ["boundary_year", "subgroup"])
    assert choose_partition([], 2016, None, None) == (None, ["period"])


def test_group_characteristics_are_never_a_map_measure() -> None:
    with pytest.raises(Exception, match="unknown measure"):
        Measure.parse("indicator:herkomst_marokko", load_catalogue())


def test_values_api_equals_the_domain_scores(web: TestClient, con: duckdb.DuckDBPyConnection) -> None:
    body = web.get("/api/map/values", params={"level": "gemeente", "measure": "domain:health"}).json()
    # the latest picture by default: its window ends with the newest gemeente figures (crime 2024)
    assert (body["period"], body["subgroup"], body["boundary_year"]) == (2024, "actueel", 2024)
    stored = con.execute(
        "SELECT score, percentile FROM domain_scores WHERE area_code = 'GM0599' AND domain = 'health' "
        "AND period = 2024 AND subgroup = 'actueel' AND level = 'gemeente' AND boundary_year = 2024"
    ).fetchone()
    rotterdam = next(v for v in body["values"] if v["code"] == "GM0599")
    assert rotterdam["value"] == stored[0] and rotterdam["percentile"] == round(stored[1], 1)
    assert rotterdam["shown"] == f"{stored[0]:.1f}".replace(".", ",")
    assert body["boundaries"] == "/api/map/boundaries/gemeente/2024"
    assert [c["colour"] for c in body["legend"]] == list(kaart.PROBLEM_COLOURS)


def test_boundaries_are_geojson_with_code_and_name_only(web: TestClient) -> None:
    plain = web.get("/api/map/boundaries/gemeente/2019", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/geo+json"
    features = plain.json()["features"]
    assert len(features) == 355 and {"GM0363", "GM0599"} <= {f["properties"]["code"] for f in features}
    assert all(set(f["properties"]) == {"code", "name"} for f in features)
    packed = web.get("/api/map/boundaries/gemeente/2019", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    wijken = web.get("/api/map/boundaries/wijk/2024").json()["features"]
    names = {f["properties"]["code"]: f["properties"]["name"] for f in wijken}
    assert len(names) == 3393 and names["WK0363AA"] == "Haarlemmerbuurt"
    assert "WK099899" not in names and "Groot water" not in names.values()
    assert web.get("/api/map/boundaries/wijk/2020").status_code == 404


@pytest.mark.parametrize(
    ("url", "status", "names"),
    [
        ("/api/map/values?measure=bogus", 400, "measure"),
        ("/api/map/values?measure=domain:context", 400, "measure"),
        ("/api/map/values?level=provincie", 422, "level"),
        ("/api/map/values?period=abc", 422, "period"),
        ("/api/map/values?subgroup=kinderen", 422, "subgroup"),
        ("/api/map/boundaries/gemeente/3000", 422, "boundary_year"),
    ],
)
def test_bad_map_input_gets_a_4xx_naming_the_parameter(
    web: TestClient, url: str, status: int, names: str
) -> None:
    response = web.get(url)
    assert response.status_code == status and names in detail_text(response)


def test_map_page_links_every_area_and_keeps_its_state_in_the_url(web: TestClient) -> None:
    page = web.get("/kaart", params={"measure": "domain:health", "lang": "en"})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert 'href="/gebied/GM0917?lang=en"' in page.text  # Heerlen, the worst on health, in the table
    assert "the 10% of municipalities with the most problems (percentile 90\u2013100)" in page.text
    assert (
        "/api/map/values?level=gemeente&amp;measure=domain%3Ahealth&amp;period=2024&amp;subgroup=actueel"
        in page.text
    )
    assert '<script type="module" src="/static/kaart.js">' in page.text
    published = web.get("/kaart", params={"measure": "domain:health", "lang": "en", "boundary_year": 2020})
    assert "nearest ones, of 2019" in published.text  # the figures as published, on their own boundaries


def test_a_level_without_boundaries_says_so_and_shows_the_table(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    page = web.get("/kaart", params={"level": "buurt", "measure": "indicator:eenzaam"})
    assert page.status_code == 200
    assert "geen grenzen in het magazijn" in page.text and "pdok:buurten:2020" in page.text
    assert 'id="map"' not in page.text and "kaart.js" not in page.text
    loneliest, buurten = con.execute(
        "SELECT area_code, count(*) OVER () FROM standardised WHERE indicator = 'eenzaam' AND level = 'buurt' "
        "AND period = 2020 AND subgroup = '18plus' ORDER BY status = 'ranked' DESC, percentile DESC, value DESC, "
        "area_code LIMIT 1"
    ).fetchone()
    assert f'href="/gebied/{loneliest}"' in page.text
    assert f"Pagina 1 van {-(-buurten // 100)}" in page.text  # 100 per page


def test_the_wijk_level_draws_the_2024_polygons(web: TestClient) -> None:
    page = web.get("/kaart", params={"level": "wijk", "measure": "indicator:eenzaam"})
    assert 'id="map"' in page.text and "geen grenzen in het magazijn" not in page.text


def test_without_installed_assets_the_page_says_how_to_install_them(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kaart.assets, "missing", lambda: ["maplibre-gl/maplibre-gl.mjs"])
    page = web.get("/kaart")
    assert "niet geïnstalleerd" in page.text and "./install.sh" in page.text
    assert 'id="map"' not in page.text and 'href="/gebied/GM0917"' in page.text


def test_settings_without_data_are_replaced_and_named(web: TestClient) -> None:
    page = web.get("/kaart", params={"measure": "index", "period": 2017})
    assert page.status_code == 200 and "gevraagde periode" in page.text
    body = web.get("/api/map/values", params={"period": 2017}).json()
    # on the latest boundaries (2024), the period whose index covers the most domains: 2020
    assert body["adjusted"] == ["period"] and body["period"] == 2020
    assert json.loads(json.dumps(body))["values"]


def test_values_are_compressed_for_a_client_that_accepts_it(web: TestClient) -> None:
    url = "/api/map/values?level=buurt&measure=index"
    plain = web.get(url, headers={"Accept-Encoding": "identity"})
    packed = web.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == "gzip"
    assert plain.headers.get_list("vary") == packed.headers.get_list("vary") == ["Accept-Encoding"]
    assert packed.json() == plain.json() and len(plain.json()["values"]) == 11_689
    assert int(packed.headers["content-length"]) < len(plain.content) / 5


def test_boundaries_are_compressed_once_per_level_and_year(web: TestClient) -> None:
    answer = web.get("/api/map/boundaries/gemeente/2024")
    assert answer.status_code == 200
    cache = web.app.state.cache
    first = cache(kaart._compressed_boundaries, "gemeente", 2024)
    assert first is cache(kaart._compressed_boundaries, "gemeente", 2024)  # read once, by the request above
    kept, etag = first
    assert len(json.loads(gzip.decompress(kept))["features"]) == 342
    assert answer.headers["etag"] == etag
    again = web.get("/api/map/boundaries/gemeente/2024", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_the_build_stores_the_maps_boundaries_and_the_focus_area_outlines(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    stored = map_boundaries.stored(con, "wijk", 2024)
    assert stored is not None
    body, etag = stored
    assert len(json.loads(gzip.decompress(body))["features"]) == 3393
    answer = web.get("/api/map/boundaries/wijk/2024", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["etag"] == etag
    outlines = web.get("/api/map/boundaries/focusgebied/2024").json()["features"]
    assert sorted(f["properties"]["number"] for f in outlines) == list(range(1, 21))
    location = web.get("/api/map/location/WK034403").json()
    assert [f["properties"]["code"] for f in location["features"] if f["properties"]["self"]] == ["WK034403"]
    assert len(location["features"]) > 1  # its neighbours, in outline
    assert web.get("/api/map/location/BU03440000").status_code == 404


def test_a_measure_without_data_at_the_level_says_so_instead_of_an_empty_map(web: TestClient) -> None:
    # safety is scored per gemeente (47013NED) but not per wijk: the snapshot has no crime per wijk
    page = web.get("/kaart", params={"measure": "domain:safety", "level": "wijk"})
    assert page.status_code == 200 and "geen gegevens op dit niveau" in page.text
    assert 'id="map"' not in page.text and 'id="map-period"' not in page.text


# Two hand-made rectangles in the layout of a PDOK wijk download (`wijkzicht fetch pdok:wijken:2020`),
# roughly where the wijken lie. They are NOT real boundaries: they only show that fetched wijk
# boundaries are found, matched by code and drawn.
HANDMADE_WIJKEN = {
    "WK034403": ("Overvecht", (5.11, 52.11, 5.14, 52.13)),
    "WK051836": ("Wijk 36 Moerwijk", (4.28, 52.05, 4.30, 52.06)),
}


@pytest.fixture(scope="module")
def with_wijk_boundaries(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    extra = tmp_path_factory.mktemp("fetched")
    features = [
        {
            "type": "Feature",
            "properties": {"wijkcode": code, "wijknaam": name},
            "geometry": {"type": "Polygon", "coordinates": [[(w, s), (e, s), (e, n), (w, n), (w, s)]]},
        }
        for code, (name, (w, s, e, n)) in HANDMADE_WIJKEN.items()
    ]
    (extra / "geo").mkdir()
    with gzip.open(extra / "geo" / "pdok_wijken_2020_wgs84.geojson.gz", "wt", encoding="utf-8") as out:
        json.dump({"type": "FeatureCollection", "features": features}, out)
    database = extra / "wijkzicht.duckdb"
    build_warehouse(database, [snapshot, extra])
    with TestClient(create_app(database)) as client:
        yield client


def test_fetched_wijk_boundaries_are_drawn_for_the_wijken_they_cover(
    with_wijk_boundaries: TestClient,
) -> None:
    as_published = {"level": "wijk", "measure": "indicator:eenzaam", "boundary_year": 2020}
    body = with_wijk_boundaries.get("/api/map/values", params=as_published)
    view = body.json()
    assert (view["boundary_year"], view["geometry_year"]) == (2020, 2020)
    assert view["boundaries"] == "/api/map/boundaries/wijk/2020" and view["drawn"] == 2
    assert {v["code"] for v in view["values"] if v["drawn"]} == set(HANDMADE_WIJKEN)
    shapes = with_wijk_boundaries.get(view["boundaries"]).json()["features"]
    assert {f["properties"]["code"] for f in shapes} == set(HANDMADE_WIJKEN)
    page = with_wijk_boundaries.get("/kaart", params=as_published)
    assert 'id="map"' in page.text and "geen grenzen" not in page.text
    assert "3175 gebieden met een waarde staan niet op de kaart" in page.text


def test_the_table_of_buurten_narrows_to_one_gemeente_with_national_places(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    params = {"level": "buurt", "measure": "index", "gemeente": "GM0344"}
    page = web.get("/kaart", params=params)
    assert page.status_code == 200 and '<option value="GM0344" selected>Utrecht</option>' in page.text
    listed = re.findall(r'<tr data-code="(BU\w+)">\s*<td class="number">(\d*)</td>', page.text)
    utrecht = con.execute(
        "SELECT count(*) FROM area_index i JOIN areas a ON a.code = i.area_code AND a.boundary_year = 2020 "
        "WHERE i.level = 'buurt' AND i.period = 2020 AND i.subgroup = '18plus' AND a.gemeente_code = 'GM0344'"
    ).fetchone()[0]
    assert listed and all(code.startswith("BU0344") for code, _ in listed)
    assert len(listed) == min(utrecht, kaart.TABLE_ROWS)
    places = [int(place) for _, place in listed]
    assert places == sorted(places) and places[0] > 1  # national places, not 1, 2, 3 within Utrecht
    assert web.get("/kaart", params={**params, "gemeente": "Utrecht"}).status_code == 422
