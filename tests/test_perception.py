"""Residents' perception beside the facts of the same theme, on the real health monitor figures."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from wijkzicht.catalogue import load_catalogue, parse_catalogue
from wijkzicht.cli.main import app
from wijkzicht.errors import CatalogueError
from wijkzicht.monitor.perception import judgement, side_by_side
from wijkzicht.monitor.profile import area_profile

ROTTERDAM_CENTRUM = "WK059901"


def test_the_catalogue_marks_the_health_monitors_judgements_and_experiences() -> None:
    catalogue = load_catalogue()
    marked = {i.id for i in catalogue.indicators.values() if i.perception}
    assert {"eenzaam", "geluidhinder_buren", "ervaren_gezondheid_goed", "moeite_met_rondkomen"} <= marked
    assert "overgewicht" not in marked  # a measured fact, even when asked in the same survey
    assert all(
        catalogue.tables[s.table].basis == "survey" for i in marked for s in catalogue.indicators[i].sources
    )


def test_a_registration_cannot_be_marked_as_a_perception() -> None:
    document = {
        "domains": {"health": {"nl": "Gezondheid", "en": "Health"}},
        "subgroups": {"totaal": {"nl": "Totaal", "en": "Total"}},
        "tables": {
            "T1": {
                "title": "t",
                "publisher": "p",
                "licence": "l",
                "boundary_year": 2024,
                "basis": "register",
                "min_population": 10,
            }
        },
        "indicators": [
            {
                "id": "x",
                "name": {"nl": "x", "en": "x"},
                "domain": "health",
                "unit": "%",
                "direction": "higher_is_worse",
                "aggregation": "weighted_mean",
                "perception": True,
                "sources": [{"table": "T1", "column": "X"}],
            }
        ],
    }
    with pytest.raises(CatalogueError, match="marked as a perception but comes from registration"):
        parse_catalogue(document)


def test_loneliness_and_noise_nuisance_stand_beside_the_facts_of_their_theme(
    con: duckdb.DuckDBPyConnection,
) -> None:
    profile = area_profile(con, ROTTERDAM_CENTRUM)
    themes = {theme.domain: theme for theme in side_by_side(profile)}
    health = themes["health"]
    assert "eenzaam" in {f.indicator for f in health.perceived}
    assert "overgewicht" in {f.indicator for f in health.registered}
    assert "geluidhinder_buren" in {f.indicator for f in themes["liveability"].perceived}
    lonely = next(f for f in health.perceived if f.indicator == "eenzaam")
    stored = con.execute(
        """SELECT value FROM observations WHERE area_code = ? AND indicator = 'eenzaam' AND subgroup = ?
           AND period = ? AND boundary_year = ?""",
        [ROTTERDAM_CENTRUM, lonely.subgroup, lonely.period, lonely.boundary_year],
    ).fetchone()
    assert lonely.value == stored[0]


def test_divergence_is_perception_and_facts_leaning_opposite_ways(con: duckdb.DuckDBPyConnection) -> None:
    health = next(t for t in side_by_side(area_profile(con, ROTTERDAM_CENTRUM)) if t.domain == "health")
    lonely = next(f for f in health.perceived if f.indicator == "eenzaam")
    assert (
        lonely.value > lonely.national_value and judgement(lonely) == "worse"
    )  # more lonely than nationally
    assert health.perceived_balance < 0
    assert health.diverges == (health.registered_balance > 0)


def test_the_profile_page_shows_perception_beside_the_facts(web: TestClient) -> None:
    page = web.get(f"/gebied/{ROTTERDAM_CENTRUM}").text
    table = page[
        page.index('id="perception-table"') : page.index("</table>", page.index('id="perception-table"'))
    ]
    assert 'data-indicator="eenzaam"' in table and 'data-indicator="geluidhinder_buren"' in table
    assert "Beleving (enquête)" in table
    english = web.get(f"/gebied/{ROTTERDAM_CENTRUM}?lang=en").text
    assert "Perception (survey)" in english


def test_the_profile_api_reports_perception_beside_the_facts_and_the_divergent_themes(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    document = web.get(f"/api/areas/{ROTTERDAM_CENTRUM}/profile").json()["perception"]
    expected = side_by_side(area_profile(con, ROTTERDAM_CENTRUM))
    assert [t["domain"] for t in document["themes"]] == [t.domain for t in expected]
    assert document["divergent_themes"] == [t.domain for t in expected if t.diverges]
    health = next(t for t in document["themes"] if t["domain"] == "health")
    lonely = next(f for f in health["perceived"] if f["indicator"] == "eenzaam")
    assert lonely["judgement"] == "worse" and lonely["value"] > lonely["national_value"]
    assert "overgewicht" in {f["indicator"] for f in health["registered"]}


def test_the_perception_command_reports_the_same_comparison(
    warehouse_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    where = ["--db", str(warehouse_path)]
    answer = CliRunner().invoke(app, ["perception", ROTTERDAM_CENTRUM, "--format", "json", *where])
    assert answer.exit_code == 0, answer.output
    document = json.loads(answer.stdout)
    expected = side_by_side(area_profile(con, ROTTERDAM_CENTRUM))
    assert document["divergent_themes"] == [t.domain for t in expected if t.diverges]
    assert document["area"]["code"] == ROTTERDAM_CENTRUM
    table = CliRunner().invoke(app, ["perception", ROTTERDAM_CENTRUM, *where], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Eenzaam" in table.stdout and "Tegenstrijdige thema's" in table.stdout
    unknown = CliRunner().invoke(app, ["perception", "WK999999", *where])
    assert unknown.exit_code == 1 and "WK999999" in unknown.stderr
