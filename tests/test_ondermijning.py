"""Zicht op Ondermijning: the framework is validated data; the view shows themes side by side, states what
is missing and why, never shows small areas, never publishes one combined score, and always explains itself.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from fastapi.testclient import TestClient

from police_fixture import PoliceService
from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import CatalogueError
from wijkzicht.monitor.ondermijning import area_view, load_framework, parse_framework
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online
from wijkzicht.web.app import create_app

FRAMEWORK = Path(__file__).resolve().parents[1] / "src" / "wijkzicht" / "catalogue" / "ondermijning.yaml"
OVERVECHT = "WK034403"
SMALL_BUURT = "BU03441011"  # 45 inhabitants on 1 January 2024 (85984NED), and counts in the crime fixture
THEMES = [
    "vastgoed",
    "drugs",
    "financiele_kwetsbaarheid",
    "sectoren",
    "jeugd_en_sociaal",
    "geregistreerde_criminaliteit",
]


@pytest.fixture(scope="module")
def crime_path(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real snapshot plus the hand-made 47018NED pages (fixtures/politie, invented counts) as a download."""
    root = tmp_path_factory.mktemp("ondermijning")
    with PoliceService(snapshot).client() as client:
        online.fetch("47018NED", root / "cache", client=client, backoff_seconds=0)
    database = root / "wz.duckdb"
    # The hand-made counts cover Utrecht alone; the national share is lowered so that they take the national
    # path (standardised, scored) that real police figures for the whole country take.
    build_warehouse(database, [snapshot, root / "cache"], national_share=0.0)
    return database


@pytest.fixture(scope="module")
def crime_con(crime_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = warehouse.connect(crime_path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def crime_web(crime_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(crime_path)) as client:
        yield client


def theme(view: dict[str, Any], theme_id: str) -> dict[str, Any]:
    return next(t for t in view["themes"] if t["id"] == theme_id)


def indicator(view: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    return next(i for t in view["themes"] for i in t["indicators"] if i["id"] == indicator_id)


def stored_percentile(con: duckdb.DuckDBPyConnection, code: str, indicator_id: str, period: int) -> float:
    return con.execute(
        "SELECT percentile FROM standardised WHERE area_code = ? AND indicator = ? AND period = ? "
        "AND subgroup IN ('18plus', 'totaal') ORDER BY boundary_year DESC, subgroup LIMIT 1",
        [code, indicator_id, period],
    ).fetchone()[0]


# --- the framework --------------------------------------------------------------------------------


def test_the_framework_names_catalogue_indicators_with_their_direction_and_reasoning() -> None:
    framework = load_framework()
    catalogue = load_catalogue()
    assert [t.id for t in framework.themes] == THEMES
    for item in (i for t in framework.themes for i in t.indicators):
        assert catalogue.indicators[item.id].direction == item.direction
        assert item.reasoning["nl"] and item.reasoning["en"] and item.source
    # every safety indicator that concerns undermining is in a theme
    assert {"drugsdelicten", "wapendelicten", "ondermijningsgerelateerde_misdrijven"} <= set(
        framework.indicator_ids()
    )


def test_the_offline_flags_match_what_the_snapshot_holds(con: duckdb.DuckDBPyConnection) -> None:
    with_values = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT indicator FROM observations WHERE value IS NOT NULL"
        ).fetchall()
    }
    for item in (i for t in load_framework().themes for i in t.indicators):
        assert item.offline == (item.id in with_values), item.id


def _document() -> dict[str, Any]:
    return yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("themes", 1, "indicators", 0, "id"), "bestaat_niet", "not in the indicator catalogue"),
        (("themes", 1, "indicators", 0, "direction"), "higher_is_better", "differs from the catalogue"),
        (("themes", 1, "indicators", 0, "id"), "woningvoorraad", "not a scored indicator"),
        (("themes", 1, "indicators", 0, "fetch"), "85984NED", "not a source table"),
        (("themes", 1, "indicators", 0, "offline"), "ja", "offline must be true or false"),
        (("themes", 1, "indicators", 0, "reasoning"), {"nl": "alleen Nederlands"}, "has no text in en"),
        (("themes", 1, "indicators", 1, "id"), "drugsdelicten", "indicator listed twice: drugsdelicten"),
        (("min_population",), 0, "min_population must be a whole number"),
        (("explanation", "does_not_show"), None, "missing required field 'does_not_show'"),
    ],
)
def test_a_broken_framework_is_refused_with_the_place_named(path: tuple, value: Any, message: str) -> None:
    document = copy.deepcopy(_document())
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(CatalogueError, match=message):
        parse_framework(document, load_catalogue())


# --- the view on the snapshot (no crime counts) ---------------------------------------------------


def test_on_the_snapshot_the_view_shows_what_it_can_and_says_why_the_rest_is_missing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    view = area_view(con, OVERVECHT).as_dict()
    assert view["shown"] and [t["id"] for t in view["themes"]] == THEMES
    # money worries (health monitor 2020, boundaries unchanged, carried to 2024) has the stored position
    worries = indicator(view, "moeite_met_rondkomen")
    assert worries["status"] == "ranked" and (worries["period"], worries["boundary_year"]) == (2020, 2024)
    assert worries["percentile"] == stored_percentile(con, OVERVECHT, "moeite_met_rondkomen", 2020)
    financial = theme(view, "financiele_kwetsbaarheid")
    assert financial["mean_percentile"] == worries["percentile"]
    assert (financial["indicators_with_position"], financial["indicators_in_theme"]) == (1, 4)
    assert financial["limited_coverage"]
    # police counts per wijk are not in the snapshot (total crime only per gemeente, 47013NED): each crime
    # indicator says what is missing (a public page names the source, never a command line), and the theme
    # has no position for a wijk; it is measured in this installation (per gemeente), so not "not measured"
    crime = theme(view, "geregistreerde_criminaliteit")
    assert crime["mean_percentile"] is None and not crime["not_measured"]
    for item in crime["indicators"]:
        assert item["status"] == "unavailable" and "wijkzicht fetch" not in item["reason"]
        if item["id"] == "misdrijven_totaal":  # in the snapshot, but not for a wijk
            assert "niet voor een wijk" in item["reason"]
        else:
            assert not item["loaded"]
            assert "Niet gemeten in deze installatie" in item["reason"] and "47018NED" in item["reason"]
    assert "85984NED" in indicator(view, "onbewoonde_woningen")["reason"]
    # a theme wijkzicht has no indicators for yet says what is missing
    sectors = theme(view, "sectoren")
    assert sectors["indicators"] == [] and sectors["not_available"]


def test_a_figure_on_changed_boundaries_is_not_passed_off_as_the_areas(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Amsterdam took in Weesp in 2022: the 2020 health figure of GM0363 describes another area than 2024's,
    # so the view shows the figure the build recomputed for the 2024 area, marked as changed.
    item = indicator(area_view(con, "GM0363").as_dict(), "moeite_met_rondkomen")
    assert item["status"] == "ranked" and (item["period"], item["boundary_year"]) == (2020, 2024)
    quality = con.execute(
        "SELECT quality, from_codes FROM harmonisation WHERE area_code = 'GM0363' AND period = 2020 "
        "AND indicator = 'moeite_met_rondkomen' AND subgroup = '18plus'"
    ).fetchone()
    assert quality is not None and quality[0] in ("slightly_changed", "changed") and "GM0457" in quality[1]


def test_the_page_renders_the_themes_and_the_missing_sources(web: TestClient) -> None:
    dutch = web.get(f"/ondermijning/{OVERVECHT}")
    english = web.get(f"/ondermijning/{OVERVECHT.lower()}", params={"lang": "en"})
    assert dutch.status_code == english.status_code == 200
    assert "Financiële kwetsbaarheid" in dutch.text and "47018NED" in dutch.text
    assert "wijkzicht fetch" not in dutch.text and "wijkzicht build" not in dutch.text
    assert "Niet gemeten in deze installatie" in dutch.text
    assert "Financial vulnerability" in english.text and '<html lang="en">' in english.text
    assert dutch.text.count('<th scope="row">') == len(load_framework().indicator_ids())


# --- with crime counts loaded (hand-made fixture) -------------------------------------------------


def test_with_crime_counts_the_safety_domain_and_the_themes_use_them(
    crime_con: duckdb.DuckDBPyConnection,
) -> None:
    safety = crime_con.execute(
        "SELECT indicators_used FROM domain_scores WHERE area_code = ? AND domain = 'safety' AND period = 2023",
        [OVERVECHT],
    ).fetchone()
    assert safety == (6,)  # the six indicators complete in the fixture
    view = area_view(crime_con, OVERVECHT).as_dict()
    drugs = theme(view, "drugs")
    positions = {i["id"]: i["percentile"] for i in drugs["indicators"]}
    assert positions == {
        name: stored_percentile(crime_con, OVERVECHT, name, 2023)
        for name in ("drugsdelicten", "wapendelicten")
    }
    assert drugs["mean_percentile"] == pytest.approx(sum(positions.values()) / 2)
    assert indicator(view, "drugsdelicten")["period"] == 2023
    # violence needs crime types the fixture lacks: loaded nothing, so it says which source is missing
    assert "47018NED" in indicator(view, "geweldsmisdrijven")["reason"]


# --- safeguards -----------------------------------------------------------------------------------


def _numbers(document: Any) -> Iterator[float]:
    if isinstance(document, dict):
        for value in document.values():
            yield from _numbers(value)
    elif isinstance(document, list):
        for value in document:
            yield from _numbers(value)
    elif isinstance(document, int | float) and not isinstance(document, bool):
        yield document


def test_a_small_area_never_appears_not_even_with_its_crime_counts_loaded(
    crime_con: duckdb.DuckDBPyConnection, crime_web: TestClient
) -> None:
    # the fixture has counts for the buurt; the index suppresses it (45 < 50) and the view hides it (< 100)
    assert crime_con.execute(
        "SELECT DISTINCT status::VARCHAR FROM standardised WHERE area_code = ? AND period = 2023",
        [SMALL_BUURT],
    ).fetchall() == [("suppressed",)]
    for lang in ("nl", "en"):
        document = crime_web.get(f"/api/ondermijning/{SMALL_BUURT}", params={"lang": lang}).json()
        assert document["shown"] is False and document["themes"] == []
        assert "100" in document["not_shown_reason"] and "45" in document["not_shown_reason"]
        assert sorted(_numbers(document)) == [100, 2024]  # boundary year and threshold; no figure at all
    page = crime_web.get(f"/ondermijning/{SMALL_BUURT}")
    assert page.status_code == 200 and "<table" not in page.text and "Niet getoond" in page.text


def test_an_area_without_a_known_population_is_not_shown(con: duckdb.DuckDBPyConnection) -> None:
    code = con.execute(
        """SELECT y.code FROM area_years y ANTI JOIN area_population p
             ON p.area_code = y.code AND p.boundary_year = list_max(y.boundary_years)
           WHERE y.level = 'wijk' ORDER BY y.code LIMIT 1"""
    ).fetchone()[0]
    view = area_view(con, code)
    assert not view.shown and view.themes == [] and "onbekend" in view.not_shown_reason


VIEW_KEYS = {
    "code",
    "name",
    "level",
    "boundary_year",
    "gemeente_code",
    "gemeente_name",
    "shown",
    "not_shown_reason",
    "min_population",
    "explanation",
    "themes",
}
THEME_KEYS = {
    "id",
    "name",
    "description",
    "mean_percentile",
    "indicators_with_position",
    "indicators_in_theme",
    "limited_coverage",
    "indicators",
    "not_available",
    "not_measured",
}


def test_no_endpoint_returns_one_combined_risk_score(crime_web: TestClient) -> None:
    document = crime_web.get(f"/api/ondermijning/{OVERVECHT}").json()
    assert set(document) == VIEW_KEYS  # no overall figure beside the themes
    assert all(set(t) == THEME_KEYS for t in document["themes"])
    # each theme's position comes from its own indicators only
    for t in document["themes"]:
        ranked = [i["percentile"] for i in t["indicators"] if i["status"] == "ranked"]
        assert t["mean_percentile"] == (pytest.approx(sum(ranked) / len(ranked)) if ranked else None)
    # and no route of the application offers a score for this view
    paths = crime_web.get("/api/openapi.json").json()["paths"]
    assert [p for p in paths if "ondermijning" in p] == ["/api/ondermijning/{code}"]
    assert not [p for p in paths if re.search(r"risk|risico", p)]


@pytest.mark.parametrize(
    ("code", "lang"), [(OVERVECHT, "nl"), (OVERVECHT, "en"), (SMALL_BUURT, "nl"), ("GM0344", "en")]
)
def test_the_explanation_is_part_of_every_view(crime_web: TestClient, code: str, lang: str) -> None:
    explanation = crime_web.get(f"/api/ondermijning/{code}", params={"lang": lang}).json()["explanation"]
    assert set(explanation) == {"shows", "does_not_show", "use", "safeguards"}
    assert "ECLI:NL:RBDHA:2020:865" in explanation["safeguards"]
    page = crime_web.get(f"/ondermijning/{code}", params={"lang": lang}).text
    for text in explanation.values():
        assert text.replace("'", "&#39;") in page


def test_the_command_line_shows_the_same_view(crime_path: Path) -> None:
    from typer.testing import CliRunner

    from wijkzicht.cli.main import app

    result = CliRunner().invoke(app, ["ondermijning", SMALL_BUURT, "--db", str(crime_path)])
    assert result.exit_code == 0 and "minder dan 100 inwoners (45)" in result.output
    shown = CliRunner().invoke(app, ["ondermijning", OVERVECHT, "--db", str(crime_path), "--format", "json"])
    assert shown.exit_code == 0 and '"drugsdelicten"' in shown.output
