"""From figures to knowledge, second half: an area's profile shows, for its worst domains, the published
measures that the focus areas of its similar areas run, on SQLite and PostgreSQL over the real snapshot.
The measures are hand-made test records ("Testmaatregel ...")."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import ROTTERDAM_ZUID, login

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor.profile import area_profile
from wijkzicht.monitor.similar import SimilarArea
from wijkzicht.programmes.accounts import PUBLIC
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.schemas import check_theme_domains, theme_domains, vocabulary
from wijkzicht.wijkwijzer.elsewhere import carried_to_focus_boundaries, measures_of_similar_areas

# Utrecht Overvecht: on the 2017 structure, Charlois (WK059915, in focus area Rotterdam-Zuid) is among its
# similar wijken, and work, poverty and inclusion among its worst domains (asserted below, from the profile).
OVERVECHT, CHARLOIS = "WK034403", "WK059915"
DOMAINS = {"education", "work_poverty_inclusion", "safety", "housing", "health", "liveability", "context"}


def test_every_theme_maps_to_a_catalogue_domain_or_to_none() -> None:
    mapping = theme_domains()
    assert set(mapping) == set(vocabulary()["themes"])
    assert mapping["participatiewet"] == "work_poverty_inclusion" and mapping["integrale_aanpak"] is None
    assert "theme_domains" not in vocabulary()  # the lists stay lists
    # every domain that can be a worst domain has a theme, so its measures can be shown
    assert DOMAINS - {"context"} <= set(mapping.values())


@pytest.mark.parametrize(
    ("mapping", "named"),
    [
        ({"gezondheid": "health", "weer": "health"}, "unknown theme(s) weer"),
        ({"gezondheid": "gezond"}, "unknown domain(s) gezond"),
        ({}, "no domain (or null) for theme(s) gezondheid"),
        (["gezondheid"], "expected a mapping"),
    ],
)
def test_a_broken_theme_mapping_is_refused(mapping: object, named: str) -> None:
    with pytest.raises(WijkzichtError, match=named.replace("(", r"\(").replace(")", r"\)")):
        check_theme_domains(mapping, ["gezondheid"], DOMAINS)


def test_similar_wijken_of_2017_are_carried_to_the_2024_focus_area_boundaries(
    con: duckdb.DuckDBPyConnection,
) -> None:
    carried = carried_to_focus_boundaries(con, ["WK036377", CHARLOIS, "WK036310", "WK999999"], "wijk", 2017)
    assert carried[CHARLOIS] == {CHARLOIS: 1.0}  # untouched by the matrices, same code in 2024
    assert set(carried["WK036377"]) == {"WK0363FC", "WK0363FE"}  # Amsterdam's 2022 letter codes
    assert sum(carried["WK036377"].values()) == pytest.approx(1.0)
    assert "WK999999" not in carried  # no such wijk: not guessed


def _measure_body(programme_id: int, owner_id: int, title: str, published: bool) -> dict[str, object]:
    return {
        "programme_id": programme_id,
        "title": title,
        "action_line": 3,
        "theme": "participatiewet",
        "owner_id": owner_id,
        "funding_source": "gemeentelijk_budget",
        "published": published,
    }


@pytest.fixture
def rotterdam_measures(app: FastAPI) -> dict[str, int]:
    """In Rotterdam-Zuid: a published programme with a published and an unpublished Participatiewet measure,
    and an unpublished programme with a published one (hidden with its programme)."""
    editor = login(app, "area_editor")
    owner = next(
        o["id"]
        for o in editor.get("/api/programmes/organisations").json()
        if o["name"] == "Gemeente Rotterdam"
    )
    ids: dict[str, int] = {}
    for published in (True, False):
        programme = editor.post(
            "/api/programmes/programmes",
            json={
                "focus_area_id": ROTTERDAM_ZUID,
                "title": f"Testprogramma {published}",
                "start_year": 2024,
                "end_year": 2030,
                "published": published,
            },
        )
        assert programme.status_code == 201, programme.text
        ids[f"programme_{published}"] = programme.json()["id"]
    for key, programme, published in (
        ("shown", ids["programme_True"], True),
        ("draft", ids["programme_True"], False),
        ("in_draft_programme", ids["programme_False"], True),
    ):
        made = editor.post(
            "/api/programmes/measures",
            json=_measure_body(programme, owner, f"Testmaatregel {key}", published),
        )
        assert made.status_code == 201, made.text
        ids[key] = made.json()["id"]
    return ids


def test_the_profile_shows_published_measures_of_similar_areas_for_a_worst_domain(
    app: FastAPI, rotterdam_measures: dict[str, int]
) -> None:
    profile = TestClient(app).get(f"/api/areas/{OVERVECHT}/profile").json()
    assert CHARLOIS in [area["code"] for area in profile["similar"]]
    assert "work_poverty_inclusion" in profile["scores"]["worst_domains"]

    page = TestClient(app).get(f"/gebied/{OVERVECHT}")
    assert page.status_code == 200
    section = page.text.split('id="wijkwijzer-section"')[1].split("</section>")[0]
    assert "Testmaatregel shown" in section
    assert "Testmaatregel draft" not in section and "Testmaatregel in_draft_programme" not in section
    assert f"/programma/{ROTTERDAM_ZUID}" in section and CHARLOIS in section
    assert "grenzen van 2024" in section  # similar areas on 2024 boundaries by default (issue #14)
    # a domain no theme works on (liveability) or without such a measure says so
    empty = section.split('class="library-empty"')[1].split("</p>")[0]
    assert "geen gepubliceerde maatregel in een focusgebied met een vergelijkbaar gebied" in empty
    assert "Leefbaarheid" in empty
    assert "Measures of similar areas" in TestClient(app).get(f"/gebied/{OVERVECHT}?lang=en").text


def test_the_api_gives_the_same_measures_and_more_to_who_may_read_them(
    app: FastAPI, rotterdam_measures: dict[str, int]
) -> None:
    path = f"/api/wijkwijzer/areas/{OVERVECHT}/measures-elsewhere"
    public = TestClient(app).get(path).json()
    assert public["boundary_year"] == 2024 and ROTTERDAM_ZUID in public["focus_area_ids"]
    shown = [m["measure_id"] for m in public["per_domain"]["work_poverty_inclusion"]]
    assert shown == [rotterdam_measures["shown"]]
    assert public["per_domain"]["work_poverty_inclusion"][0]["similar_codes"] == [CHARLOIS]
    analyst = login(app, "analyst").get(path).json()
    assert {m["measure_id"] for m in analyst["per_domain"]["work_poverty_inclusion"]} == {
        rotterdam_measures[key] for key in ("shown", "draft", "in_draft_programme")
    }
    assert TestClient(app).get("/api/wijkwijzer/areas/WK999999/measures-elsewhere").status_code == 404


def test_a_similar_buurt_counts_through_its_wijk(
    con: duckdb.DuckDBPyConnection, store: OperationalDatabase
) -> None:
    """The snapshot has no buurt structure, so no buurt has similar areas: the list is made by hand here
    (a real Utrecht buurt, given a real Rotterdam buurt as similar on the 2024 boundaries)."""
    profile = area_profile(con, "BU03440111", similar_count=0)
    made_up = SimilarArea("BU05991017", "Kop van Zuid", 0.0, {})
    profile = replace(profile, similar=[made_up], similar_boundary_year=2024)
    with store.reading() as session:
        found = measures_of_similar_areas(session, con, PUBLIC, profile, ["housing"])
    assert found.focus_area_ids == [ROTTERDAM_ZUID] and found.not_carried == []
    assert found.per_domain == {"housing": []}  # no measures entered
