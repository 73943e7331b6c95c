"""The 20 focus areas scored as if each were one wijk, placed among the wijken; and the page comparing them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht import warehouse
from wijkzicht.i18n import format_number
from wijkzicht.monitor import focus_scores
from wijkzicht.monitor.focus import FocusArea, load_focus_areas

OVERVECHT = "WK034403"


@pytest.fixture(scope="module")
def scores_con(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = warehouse.connect(warehouse_path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def scores(scores_con: duckdb.DuckDBPyConnection) -> list[focus_scores.FocusScore]:
    return focus_scores.compute(scores_con)


def test_every_focus_area_appears_in_every_wijk_partition(
    scores_con: duckdb.DuckDBPyConnection, scores: list[focus_scores.FocusScore]
) -> None:
    stored = set(
        scores_con.execute(
            "SELECT DISTINCT boundary_year, period, subgroup FROM area_index WHERE level = 'wijk'"
        ).fetchall()
    )
    assert set(focus_scores.partitions(scores)) == stored
    for partition in stored:
        assert sorted(s.number for s in focus_scores.in_partition(scores, *partition)) == list(range(1, 21))


def test_a_focus_area_has_a_score_exactly_when_some_of_its_wijken_count(
    scores: list[focus_scores.FocusScore],
) -> None:
    latest = focus_scores.in_partition(scores, *focus_scores.partitions(scores)[0])
    for s in latest:
        assert (s.score is None) == (s.counted == 0), s
        if s.score is not None:
            assert 0 <= s.percentile <= 100 and 0 <= s.score <= 100  # type: ignore[operator]
            assert set(s.worst_domains) <= set(s.domains)
            assert s.population and s.population > 0
    # Amsterdam's letter codes exist only from 2022: on older boundaries the two areas have no score.
    amsterdam = [s for s in scores if s.gemeente_code == "GM0363" and s.boundary_year < 2022]
    assert amsterdam and all(s.counted == 0 and s.score is None for s in amsterdam)


def test_a_focus_area_of_one_wijk_scores_like_that_wijk(
    scores_con: duckdb.DuckDBPyConnection,
) -> None:
    area = FocusArea(99, "Alleen Overvecht", "GM0344", (OVERVECHT,), "test", "high")
    own = focus_scores.compute(scores_con, [area])
    checked = 0
    for s in own:
        if s.score is None:
            continue
        wijk = dict(
            scores_con.execute(
                """SELECT domain, percentile FROM domain_scores WHERE area_code = ? AND level = 'wijk'
                   AND boundary_year = ? AND period = ? AND subgroup = ?""",
                [OVERVECHT, s.boundary_year, s.period, s.subgroup],
            ).fetchall()
        )
        assert set(wijk) == set(s.domains)
        for domain, percentile in wijk.items():
            # placed among the wijken (the wijk itself among them) instead of ranked: within one place
            assert s.domains[domain] == pytest.approx(percentile, abs=1.0)
        checked += 1
    assert checked


def test_change_is_against_the_previous_period_on_the_same_boundaries(
    scores: list[focus_scores.FocusScore],
) -> None:
    by_key = {(s.number, s.boundary_year, s.subgroup, s.period): s for s in scores}
    changed = [s for s in scores if s.change is not None]
    assert changed
    for s in changed:
        before = by_key[(s.number, s.boundary_year, s.subgroup, s.previous_period)]
        assert s.change == pytest.approx(s.score - before.score)  # type: ignore[operator]


def _order(page: str) -> list[int]:
    table = page[page.index('id="focus-compare"') :]
    return [int(n) for n in re.findall(r'<tr data-number="(\d+)"', table[: table.index("</table>")])]


def test_the_comparison_page_lists_all_twenty_and_sorts_without_javascript(web: TestClient) -> None:
    page = web.get("/focusgebieden").text
    order = _order(page)
    assert sorted(order) == list(range(1, 21))
    assert 'aria-sort="descending"' in page and 'href="/focusgebieden?sort=index"' in page
    names = {a.number: a.name for a in load_focus_areas()}
    by_name = _order(web.get("/focusgebieden?sort=name").text)
    assert [names[n].lower() for n in by_name] == sorted(names[n].lower() for n in by_name)
    assert web.get("/focusgebieden?sort=nonsense").status_code == 422
    assert 'href="/focusgebieden/9"' in page  # Rotterdam-Zuid's own page


def test_the_comparison_page_says_which_areas_have_no_score(
    web: TestClient, scores: list[focus_scores.FocusScore]
) -> None:
    page = web.get("/focusgebieden").text
    latest = focus_scores.in_partition(scores, *focus_scores.partitions(scores)[0])
    for s in latest:
        if s.counted == 0:
            assert s.name in page[page.index('id="focus-unscored"') :]
    # as published on the 2020 boundaries: Amsterdam's and Schiedam's focus wijken have codes of later years
    older = web.get("/focusgebieden", params={"p": "2020-2020-18plus"}).text
    unscored = older[older.index('id="focus-unscored"') :]
    assert "bestaat ongewijzigd" in unscored and "Amsterdam Zuidoost" in unscored


def test_rankings_offer_focus_areas_as_a_level(
    web: TestClient, scores: list[focus_scores.FocusScore]
) -> None:
    latest = focus_scores.in_partition(scores, *focus_scores.partitions(scores)[0])
    scored = sorted((s for s in latest if s.score is not None), key=lambda s: (-s.score, s.number))  # type: ignore[operator]
    ranked = web.get("/api/rankings", params={"level": "focusgebied"}).json()
    assert ranked["total"] == len(scored)
    assert [item["name"] for item in ranked["items"]] == [s.name for s in scored]
    assert ranked["items"][0]["score"] == pytest.approx(scored[0].score)
    page = web.get("/ranglijst", params={"level": "focusgebied", "gemeente": "GM0599"}).text
    assert 'href="/focusgebieden/9"' in page and 'id="focus-ranking-note"' in page


@pytest.mark.parametrize("query", ["Rotterdam-Zuid", "Rotterdam Zuid", "rotterdam zuid"])
def test_search_and_comparison_find_a_focus_area_by_name(web: TestClient, query: str) -> None:
    found = web.get("/zoeken", params={"q": query}).text
    assert 'id="focus-found"' in found and 'href="/focusgebieden/9"' in found
    compared = web.get("/vergelijk", params={"gebied": [query, "GM0599"]}).text
    assert 'href="/focusgebieden/9"' in compared
    assert "Geen gebied gevonden" not in compared and 'id="comparison"' in compared


def test_a_focus_areas_page_shows_its_score_in_every_period(
    web: TestClient, scores: list[focus_scores.FocusScore]
) -> None:
    page = web.get("/focusgebieden/9").text
    table = page[page.index('id="focus-scores"') :]
    table = table[: table.index("</table>")]
    own = [s for s in scores if s.number == 9]
    assert table.count("<tr><td>") == len(own) == len(focus_scores.partitions(scores))
    for s in own:
        if s.score is not None:
            assert format_number(s.score, "nl", 1) in table


def _rounded(value: object) -> object:
    """Floats to 9 decimals, inside lists and dicts: a parallel sum may differ in its last bits between runs."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def test_the_build_stores_the_focus_scores_as_computed(
    scores_con: duckdb.DuckDBPyConnection, scores: list[focus_scores.FocusScore]
) -> None:
    """The pages and the focus-area ranking read the scores the build stored: the same as computing them."""
    stored = focus_scores.stored(scores_con)
    assert len(stored) == len(scores) > 20
    assert [_rounded(s.as_dict()) for s in stored] == [_rounded(s.as_dict()) for s in scores]
