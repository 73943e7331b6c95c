"""The area search as people type: aliases, hyphens, accents, typos, focus areas and codes, on the real
warehouse; the rankings page's gemeente box that takes a name; the search page's count in words."""

from __future__ import annotations

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht.monitor.areas import choose, search
from wijkzicht.monitor.focus import FOCUS_LEVEL, load_focus_areas
from wijkzicht.warehouse.search_names import code_aliases, focus_aliases

# (what a person types, the first result they mean); a focus area's code is its number
TYPED = [
    ("den haag", "GM0518"),
    ("Den Haag", "GM0518"),
    ("DEN HAAG", "GM0518"),
    ("den-haag", "GM0518"),
    ("the hague", "GM0518"),
    ("'s-Gravenhage", "GM0518"),
    ("s gravenhage", "GM0518"),
    ("Den Bosch", "GM0796"),
    ("hertogenbosch", "GM0796"),
    ("s-Hertogenbosch", "GM0796"),
    ("bergen (nh)", "GM0373"),
    ("Bergen (NH.)", "GM0373"),
    ("bergen nh", "GM0373"),
    ("Bergen (L)", "GM0893"),
    ("nuenen", "GM0820"),
    ("Nuenen, Gerwen en Nederwetten", "GM0820"),
    ("Sudwest-Fryslan", "GM1900"),
    ("sudwest fryslan", "GM1900"),
    ("Súdwest-Fryslân", "GM1900"),
    ("noardeast fryslan", "GM1970"),
    ("Ljouwert", "GM0080"),
    ("Alphen a/d Rijn", "GM0484"),
    ("capelle a/d ijssel", "GM0502"),
    ("Hengelo", "GM0164"),  # the gemeente before the buurt Hengelo of Bronckhorst
    ("Rotterdam-Zuid", "9"),
    ("Rotterdam Zuid", "9"),
    ("rotterdam zuid", "9"),
    ("rotterdamzuid", "9"),
    ("zuidoost", "11"),
    ("amsterdam zuidoost", "11"),
    ("Bijlmer", "11"),
    ("nieuw west", "12"),
    ("Overvech", "15"),
    ("utrecht overvecht", "15"),
    ("woensel zuid", "6"),
    ("Schiedam Nieuwland", "8"),
    ("Roosendaal stad", "20"),
    ("rotterdam", "GM0599"),
    ("Rotterdm", "GM0599"),
    ("Amsterdm", "GM0363"),
    ("groningn", "GM0014"),
    ("eindhovn", "GM0772"),
    ("maastrich", "GM0935"),
    ("feyenoord", "WK059910"),
    ("charloi", "WK059915"),
    ("presikhaf", "WK020204"),
    ("GM0599", "GM0599"),
    ("gm0599", "GM0599"),
    ("wk036390", "WK036390"),
    ("BU03440343", "BU03440343"),
]


@pytest.mark.parametrize(("typed", "meant"), TYPED)
def test_the_first_result_is_the_area_people_mean(
    con: duckdb.DuckDBPyConnection, typed: str, meant: str
) -> None:
    assert search(con, typed, limit=5)[0].code == meant


def test_every_alias_names_a_known_area(con: duckdb.DuckDBPyConnection) -> None:
    known = {code for (code,) in con.execute("SELECT code FROM area_years").fetchall()}
    assert {code for _, code in code_aliases()} <= known
    assert {number for _, number in focus_aliases()} <= {area.number for area in load_focus_areas()}


def test_a_gemeente_comes_before_its_focus_area_wijken_and_buurten(con: duckdb.DuckDBPyConnection) -> None:
    levels = [area.level for area in search(con, "rotterdam", limit=50)]
    assert levels[:2] == ["gemeente", FOCUS_LEVEL]
    assert levels.index("wijk") < levels.index("buurt")


def test_two_gemeenten_of_one_name_come_larger_first(con: duckdb.DuckDBPyConnection) -> None:
    found = [area.code for area in search(con, "bergen", limit=3)]
    population = dict(
        con.execute(
            "SELECT area_code, arg_max(value, (boundary_year, period)) FROM published_observations "
            "WHERE indicator = 'inwoners' AND subgroup = 'totaal' AND area_code IN ('GM0373', 'GM0893') "
            "GROUP BY area_code"
        ).fetchall()
    )
    larger, smaller = sorted(population, key=population.__getitem__, reverse=True)
    assert found[:2] == [larger, smaller]


def test_a_level_filter_and_a_near_miss_limit(con: duckdb.DuckDBPyConnection) -> None:
    assert {area.level for area in search(con, "zuid", level="wijk")} == {"wijk"}
    assert search(con, "xqzwv") == []
    assert search(con, "bos", level=FOCUS_LEVEL) == []  # three letters: no typo tolerance


@pytest.mark.parametrize(
    ("typed", "code", "candidates"),
    [
        ("Rotterdam", "GM0599", []),
        ("den haag", "GM0518", []),
        ("GM0344", "GM0344", []),
        ("Utrecht", "GM0344", []),  # exact, though Utrechtse Heuvelrug starts with it
        ("Bergen", None, ["GM0373", "GM0893"]),
        ("xqzwv", None, []),
    ],
)
def test_a_box_that_wants_one_gemeente(
    con: duckdb.DuckDBPyConnection, typed: str, code: str | None, candidates: list[str]
) -> None:
    chosen = choose(con, typed, level="gemeente")
    assert (chosen.area.code if chosen.area else None) == code
    assert [area.code for area in chosen.candidates] == candidates


def test_the_rankings_page_takes_a_gemeente_by_name(web: TestClient) -> None:
    by_name = web.get("/ranglijst", params={"level": "wijk", "gemeente": "Rotterdam", "per": 250})
    by_code = web.get("/ranglijst", params={"level": "wijk", "gemeente": "GM0599", "per": 250})
    assert by_name.status_code == 200 and 'id="gemeente-problem"' not in by_name.text
    assert by_name.text.count("<td>Rotterdam</td>") == by_code.text.count("<td>Rotterdam</td>") > 10
    assert "<td>Amsterdam</td>" not in by_name.text


@pytest.mark.parametrize(
    ("typed", "lang", "message"),
    [
        ("Bergen", "nl", "past bij meer dan één gemeente"),
        ("Bergen", "en", "fits more than one municipality"),
        ("Xqzwv", "nl", "Geen gemeente gevonden voor"),
        ("Xqzwv", "en", "No municipality found for"),
    ],
)
def test_an_unknown_or_ambiguous_gemeente_is_explained(
    web: TestClient, typed: str, lang: str, message: str
) -> None:
    page = web.get("/ranglijst", params={"gemeente": typed, "lang": lang})
    assert page.status_code == 200 and message in page.text and typed in page.text and "422" not in page.text
    if typed == "Bergen":
        assert "gemeente=GM0373" in page.text and "gemeente=GM0893" in page.text


def test_the_api_still_wants_a_gemeente_code(web: TestClient) -> None:
    assert web.get("/api/rankings", params={"gemeente": "Rotterdam"}).status_code == 422


@pytest.mark.parametrize(
    ("query", "lang", "text"),
    [
        ("the hague", "nl", "1 gebied gevonden voor"),
        ("the hague", "en", "1 area found for"),
        ("rotterdam", "nl", "gebieden gevonden voor"),
        ("rotterdam", "en", "areas found for"),
    ],
)
def test_the_search_page_counts_in_words(web: TestClient, query: str, lang: str, text: str) -> None:
    page = web.get("/zoeken", params={"q": query, "lang": lang}).text
    assert text in page
    assert "1 gebieden" not in page and "1 areas" not in page
