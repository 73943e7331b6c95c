"""The monitor's pages and API on the real snapshot: the figures shown are the warehouse's figures."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from wijkzicht.i18n import format_number
from wijkzicht.monitor.profile import area_profile
from wijkzicht.monitor.rankings import RankingFilter, ranking
from wijkzicht.records import as_json
from wijkzicht.warehouse.queries import one_value
from wijkzicht.web.deps import NOT_KEPT, KeptResults, WarehouseCache

OVERVECHT = "WK034403"


def row_of(html: str, attribute: str) -> str:
    """The table row marked with `attribute` (e.g. data-domain="health")."""
    found = re.search(rf"<tr [^>]*{re.escape(attribute)}[^>]*>(.*?)</tr>", html, re.S)
    assert found, f"no row {attribute}"
    return found.group(1)


def test_profile_page_shows_the_warehouse_domain_scores(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    scores = con.execute(
        # by default the latest picture on the latest boundaries
        """SELECT domain, score, percentile FROM domain_scores WHERE area_code = ? AND level = 'wijk'
           AND boundary_year = 2024 AND subgroup = 'actueel'""",
        [OVERVECHT],
    ).fetchall()
    assert len(scores) >= 4
    page = web.get(f"/gebied/{OVERVECHT}").text
    for domain, score, percentile in scores:
        row = row_of(page, f'data-domain="{domain}"')
        assert format_number(score, "nl", 1) in row and format_number(percentile, "nl", 0) in row


def test_profile_api_figures_equal_the_published_values(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    profile = web.get(f"/api/areas/{OVERVECHT}/profile").json()
    assert profile["area"]["name"] == "Wijk 03 Overvecht"
    figures = {f["indicator"]: f for f in profile["figures"]}
    rondkomen = figures["moeite_met_rondkomen"]
    assert (rondkomen["period"], rondkomen["subgroup"]) == (2020, "18plus")
    expected = con.execute(
        """SELECT o.value, g.value, n.value FROM observations o
           JOIN observations g ON g.area_code = 'GM0344' AND (g.indicator, g.subgroup, g.period, g.boundary_year)
                = (o.indicator, o.subgroup, o.period, o.boundary_year)
           JOIN observations n ON n.area_code = 'NL00' AND (n.indicator, n.subgroup, n.period, n.boundary_year)
                = (o.indicator, o.subgroup, o.period, o.boundary_year)
           WHERE o.area_code = ? AND o.indicator = 'moeite_met_rondkomen' AND o.subgroup = '18plus'
             AND o.period = 2020""",
        [OVERVECHT],
    ).fetchone()
    assert (rondkomen["value"], rondkomen["gemeente_value"], rondkomen["national_value"]) == expected
    assert rondkomen["versus_national"].startswith("hoger dan")  # 27.2% against 17.2% nationally
    assert [p[0] for p in rondkomen["trend"]["points"]] == [2012, 2016, 2020]
    explained = profile["scores"]
    for domain in explained["domains"]:
        if domain["score"] is not None:
            parts = [p["contribution"] for p in domain["indicators"] if p["contribution"] is not None]
            assert sum(parts) == pytest.approx(domain["score"])


def test_a_suppressed_value_is_published_nowhere(web: TestClient, con: duckdb.DuckDBPyConnection) -> None:
    code, indicator, period, subgroup = con.execute(
        """SELECT area_code, indicator, period, subgroup FROM standardised
           WHERE status = 'suppressed' AND level = 'buurt' ORDER BY area_code LIMIT 1"""
    ).fetchone()
    raw = con.execute(
        "SELECT value FROM observations WHERE area_code = ? AND indicator = ? AND period = ? AND subgroup = ?",
        [code, indicator, period, subgroup],
    ).fetchone()[0]
    assert raw is not None, "the warehouse keeps the raw figure; publishing must drop it"
    values = web.get("/api/values", params={"area": code, "indicator": indicator, "size": 1000}).json()[
        "items"
    ]
    published = [v for v in values if (v["period"], v["subgroup"]) == (period, subgroup)]
    assert published and all(v["value"] is None and "minder dan" in v["missing_reason"] for v in published)
    export = web.get("/api/values/export", params={"area": code, "indicator": indicator}).text
    assert f",{period},{raw}," not in export
    profile = web.get(f"/api/areas/{code}/profile").json()
    shown = [f for f in profile["figures"] if f["indicator"] == indicator]
    assert all(f["value"] is None for f in shown if (f["period"], f["subgroup"]) == (period, subgroup))


def test_values_are_paginated_without_gaps_or_overlap(web: TestClient) -> None:
    query = {"indicator": "eenzaam", "level": "gemeente", "period": 2020, "size": 50}
    first, second = (web.get("/api/values", params={**query, "page": p}).json() for p in (1, 2))
    assert first["total"] == second["total"] > 100
    both = [(v["area_code"], v["subgroup"]) for v in first["items"] + second["items"]]
    assert len(set(both)) == 100


def test_rankings_api_matches_the_stored_index(web: TestClient, con: duckdb.DuckDBPyConnection) -> None:
    answer = web.get("/api/rankings", params={"level": "buurt", "size": 5}).json()
    partition = answer["selection"]
    expected = con.execute(
        """SELECT count(*), arg_max(area_code, score) FROM area_index
           WHERE level = 'buurt' AND period = ? AND boundary_year = ? AND subgroup = ?""",
        [partition["period"], partition["boundary_year"], partition["subgroup"]],
    ).fetchone()
    assert answer["total"] == expected[0]
    assert answer["items"][0]["code"] == expected[1] and answer["items"][0]["rank"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"level": "buurt", "page": 3},
        {"level": "wijk", "domain": "health", "sort": "-name", "size": 20},
        {"level": "gemeente", "sort": "stability", "size": 1000},
        {"level": "wijk", "gemeente": "GM0599", "sort": "gemeente"},
        {"level": "focusgebied"},
        {"level": "buurt", "page": 100_000},
    ],
)
def test_a_ranking_page_is_written_as_fastapi_writes_it(
    web: TestClient, con: duckdb.DuckDBPyConnection, query: dict[str, str | int]
) -> None:
    """The page is serialised once and kept; it must hold what FastAPI's encoder made of it."""
    answer = web.get("/api/rankings", params=query)
    page, size = int(query.get("page", 1)), int(query.get("size", 50))
    text = {key: str(value) for key, value in query.items()}
    wanted = RankingFilter(text["level"], text.get("domain"), gemeente=text.get("gemeente"))
    found = ranking(con, wanted, order=str(query.get("sort", "rank")), limit=size, offset=(page - 1) * size)
    document = {
        "selection": found.partition_dict(),
        "total": found.total,
        "page": page,
        "size": size,
        "items": [area.as_dict() for area in found.areas],
    }
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.content == as_json(document)
    assert answer.json() == json.loads(JSONResponse(jsonable_encoder(document)).body)
    assert answer.json()["total"] == found.total and len(answer.json()["items"]) == len(found.areas)


def test_a_gemeente_filter_keeps_national_percentiles(web: TestClient) -> None:
    national = {a["code"]: a for a in web.get("/api/rankings", params={"size": 1000}).json()["items"]}
    rotterdam = web.get("/api/rankings", params={"gemeente": "GM0599", "size": 1000}).json()["items"]
    assert rotterdam and all(a["code"].startswith("WK0599") for a in rotterdam)
    for area in rotterdam:
        if area["code"] in national:
            assert area["percentile"] == national[area["code"]]["percentile"]
    assert [a["rank"] for a in rotterdam] == list(range(1, len(rotterdam) + 1))


def test_ranking_downloads_hold_the_whole_ranking(web: TestClient) -> None:
    params = {"level": "gemeente", "domain": "health"}
    shown = web.get("/api/rankings", params={**params, "size": 1000}).json()["items"]
    rows = list(csv.DictReader(io.StringIO(web.get("/api/rankings/export", params=params).text)))
    assert [r["code"] for r in rows] == [a["code"] for a in shown]
    assert float(rows[0]["score"]) == pytest.approx(shown[0]["score"])
    excel = web.get("/api/rankings/export", params={**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert sheet.max_row == len(shown) + 1 and sheet.cell(2, 2).value == shown[0]["code"]


def test_rankings_page_sorts_filters_and_paginates(web: TestClient) -> None:
    page = web.get(
        "/ranglijst", params={"level": "wijk", "gemeente": "GM0344", "sort": "name", "per": 5}
    ).text
    names = re.findall(r'<th scope="row"><a href="/gebied/(WK0344\d\d)">([^<]+)</a>', page)
    assert len(names) == 5 and [n for _, n in names] == sorted(n for _, n in names)
    assert 'rel="next"' in page and "pagina=2" in page and "sort=name" in page


def test_exports_agree_across_formats(web: TestClient, tmp_path: Path) -> None:
    params = {"indicator": "inwoners", "level": "gemeente", "boundary_year": 2024}
    rows = list(csv.DictReader(io.StringIO(web.get("/api/values/export", params=params).text)))
    assert len(rows) == 342
    parquet = tmp_path / "values.parquet"
    parquet.write_bytes(web.get("/api/values/export", params={**params, "format": "parquet"}).content)
    total = duckdb.sql(f"SELECT count(*), sum(value) FROM '{parquet}'").fetchone()
    assert total == (342, sum(float(r["value"]) for r in rows))
    features = web.get("/api/values/export", params={**params, "format": "geojson"}).json()["features"]
    assert len(features) == 342 and all(
        f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features
    )


def test_comparison_page_puts_areas_side_by_side(web: TestClient, con: duckdb.DuckDBPyConnection) -> None:
    page = web.get(
        "/vergelijk", params=[("gebied", OVERVECHT), ("gebied", "feijenoord"), ("gebied", "zzzq")]
    ).text
    assert "Wijk 03 Overvecht" in page and "Feijenoord" in page
    assert "Geen gebied gevonden voor \u2018zzzq\u2019" in page
    overall = con.execute(
        """SELECT score FROM area_index WHERE area_code = ? AND level = 'wijk' AND boundary_year = 2024
           AND subgroup = 'actueel'""",
        [OVERVECHT],
    ).fetchone()[0]
    assert format_number(overall, "nl", 1) in page


def test_focus_areas_pages_show_all_twenty_with_their_population(web: TestClient) -> None:
    listed = web.get("/api/focus-areas").json()
    assert len(listed) == 20
    zuid = next(a for a in listed if a["name"] == "Rotterdam-Zuid")
    page = web.get(f"/focusgebieden/{zuid['number']}").text
    assert format_number(zuid["inwoners_2024"], "nl") in page
    assert all(f'href="/gebied/{code}"' in page for code in zuid["wijken"])
    assert web.get("/focusgebieden/99").status_code == 404


def test_every_page_is_translated_and_keeps_its_state(web: TestClient) -> None:
    for url in (
        f"/gebied/{OVERVECHT}",
        "/ranglijst?level=buurt",
        "/vergelijk?gebied=GM0344",
        "/focusgebieden",
    ):
        english = web.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert english.status_code == 200 and '<html lang="en">' in english.text
        assert (
            ">Gezondheid<" not in english.text
            and ">Zoeken<" not in english.text
            and "Peildatum" not in english.text
        )
    ranking = web.get("/ranglijst?level=buurt&domain=health&lang=en").text
    assert "level=buurt" in ranking and "domain=health" in ranking and "lang=en" in ranking


def test_method_page_renders_the_method_document(web: TestClient) -> None:
    page = web.get("/methode/technisch").text
    assert "<h1>wijkzicht — method of the monitor" in page
    assert "<h2>10. Performance</h2>" in page and "<code>wijkzicht.monitor.index</code>" in page


def test_kept_results_forget_the_least_recently_used_first() -> None:
    kept = KeptResults(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "a" is now the most recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, NOT_KEPT, 3)


def test_a_kept_answer_is_given_on_the_event_loop_and_a_new_one_in_a_thread(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cache = WarehouseCache(con)
    threads: list[int] = []

    def inhabitants(cursor: duckdb.DuckDBPyConnection, code: str) -> int:
        threads.append(threading.get_ident())
        return int(one_value(cursor, "SELECT count(*) FROM areas WHERE code = ?", [code]))

    async def asked_twice() -> tuple[int, int, int]:
        loop_thread = threading.get_ident()
        first = await cache.answer(inhabitants, OVERVECHT)
        second = await cache.answer(inhabitants, OVERVECHT)
        return first, second, loop_thread

    # in a thread of its own with its own event loop (as a server's), whatever loop the tests run
    with ThreadPoolExecutor(1) as server:
        first, second, loop_thread = server.submit(asyncio.run, asked_twice()).result()
    assert first == second == cache(inhabitants, OVERVECHT) > 0
    # computed once, and not on the event loop's thread; the second answer and the call were kept ones
    assert len(threads) == 1 and threads[0] != loop_thread


def test_a_gemeentes_scores_are_explained_once_for_all_its_wijken(con: duckdb.DuckDBPyConnection) -> None:
    cache = WarehouseCache(con)
    # Two Rotterdam wijken with scores: each profile shows Rotterdam's scores beside its own.
    first, second = (cache.profile(code, "nl") for code in ("WK059915", "WK059910"))
    assert first.gemeente_scores is not None and first.gemeente_scores.code == "GM0599"
    assert second.gemeente_scores is first.gemeente_scores  # read once, shared by the second profile
    assert area_profile(con, "WK059910").gemeente_scores == second.gemeente_scores
