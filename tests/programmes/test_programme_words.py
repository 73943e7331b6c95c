"""Programme pages, the governance report and a record's history in words: age groups, action lines, areas,
indicators and dates by name, years as years; no code of the database and no 'None' left for people to read."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import ROTTERDAM_ZUID, login

API = "/api/programmes"
SQLITE_ONLY = pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)  # the store plays no part
# What the database stores and a page must not show as such ('None.' is the English report's empty section).
RAW = re.compile(
    r"\b(18plus|65plus|18tot65|None(?!\.)|armoede_en_schulden|regio_deal|moeite_met_rondkomen)\b"
    r"|\d{4}-\d\d-\d\d"
)


def _records(admin: TestClient) -> dict[str, int]:
    """A published programme of Rotterdam-Zuid with a goal on an age group, a measure with an update."""

    def post(path: str, body: dict) -> int:
        answer = admin.post(f"{API}/{path}", json=body)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    owner = next(
        o["id"] for o in admin.get(f"{API}/organisations").json() if o["name"] == "Gemeente Rotterdam"
    )
    programme = post(
        "programmes",
        {
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Programma Zuid",
            "start_year": 2022,
            "end_year": 2032,
            "status": "running",
            "published": True,
        },
    )
    goal = post(
        "goals",
        {
            "programme_id": programme,
            "title": "Minder geldzorgen",
            "indicator": "moeite_met_rondkomen",
            "subgroup": "18plus",
            "area_code": "WK059910",
            "target_value": 25,
            "target_year": 2030,
            "published": True,
        },
    )
    measure = post(
        "measures",
        {
            "programme_id": programme,
            "title": "Schuldhulp",
            "action_line": 3,
            "theme": "armoede_en_schulden",
            "owner_id": owner,
            "budget": "250000.00",
            "funding_source": "regio_deal",
            "status": "running",
            "published": True,
        },
    )
    post(
        "progress-updates",
        {"measure_id": measure, "reported_on": "2025-03-01", "status": "amber", "narrative": "Werving loopt"},
    )
    return {"goal": goal, "measure": measure}


def _visible(client: TestClient, path: str) -> str:
    """A page's text as people read it: no markup, scripts or drawings (whose attributes hold codes)."""
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    text = re.sub(r"<(script|style|svg|select)\b.*?</\1>", " ", answer.text, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("language", "goal_cell", "action_line", "day"),
    [
        ("nl", "Moeite met rondkomen (18 jaar of ouder, Feijenoord)", "3. Meedoen", "1 maart 2025"),
        (
            "en",
            "Difficulty making ends meet (Aged 18 and over, Feijenoord)",
            "3. Participation",
            "1 March 2025",
        ),
    ],
)
def test_programme_pages_and_the_report_name_what_the_database_codes(
    app: FastAPI, language: str, goal_cell: str, action_line: str, day: str
) -> None:
    admin = login(app, "administrator")
    _records(admin)
    query = "?lang=en" if language == "en" else ""
    area = _visible(admin, f"/programma/{ROTTERDAM_ZUID}{query}")
    report = _visible(admin, f"/programma/{ROTTERDAM_ZUID}/rapport.html{query}")
    for name, text in (("area page", area), ("report", report)):
        assert goal_cell in text and action_line in text, name
        assert not RAW.search(text), f"{name} shows {RAW.search(text)}"
    assert day in area


@SQLITE_ONLY
def test_a_goals_history_shows_years_as_years_and_the_indicator_by_name(app: FastAPI) -> None:
    admin = login(app, "administrator")
    ids = _records(admin)
    history = _visible(admin, f"/programma/goal/{ids['goal']}/historie")
    assert "Doeljaar — 2030" in history and "2.030" not in history
    assert "Indicator (monitor) — Moeite met rondkomen (moeite_met_rondkomen)" in history
    assert "Basiswaarde (uit de monitor) —" in history and "baseline_value" not in history
    update = _visible(admin, f"/programma/measure/{ids['measure']}/historie")
    assert "Actielijn — 3. Meedoen" in update and not re.search(r"\d{4}-\d\d-\d\d", update)


@SQLITE_ONLY
def test_a_refusal_is_said_in_the_pages_language(app: FastAPI) -> None:
    """A 403 page in the page's language (the API keeps English for its clients)."""
    goal = _records(login(app, "administrator"))["goal"]
    form = f"/programma/goal/{goal}/bewerken"
    public, partner = login(app, "public"), login(app, "partner")
    assert "Log in om dit te doen (focusgebied 9)." in _refused(public, form)
    assert "Log in to do this (focus area 9)." in _refused(public, form + "?lang=en")
    assert "Uw account (partner-zuid) mag dit niet in focusgebied 9." in _refused(partner, form)
    assert public.get(f"{API}/users").json()["detail"] == "Log in to do this."


def _refused(client: TestClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 403, answer.text
    return " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())
