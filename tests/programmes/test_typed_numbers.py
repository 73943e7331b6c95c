"""Numbers as people type them into the programme forms: '12,5' on the Dutch page, '12.5' on either, thousands
apart where that cannot be misread; a stored value shown back as the page's language writes it; ambiguous or
unreadable input refused beside its field in the person's language."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import ROTTERDAM_ZUID, login

from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import error_text, parse_number

API = "/api/programmes"
SQLITE_ONLY = pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)  # the store plays no part


@pytest.mark.parametrize(
    ("typed", "language", "number"),
    [
        ("12,5", "nl", "12.5"),
        ("12.5", "nl", "12.5"),
        ("12.5", "en", "12.5"),
        ("12,5", "en", "12.5"),
        ("1.250,75", "nl", "1250.75"),
        ("1,250.75", "en", "1250.75"),
        ("1 250", "nl", "1250"),
        ("1\u00a0250,5", "nl", "1250.5"),
        ("1.250.000", "nl", "1250000"),
        ("1,250,000", "en", "1250000"),
        ("0,125", "nl", "0.125"),
        ("\u22123,2", "nl", "-3.2"),
        ("-40", "en", "-40"),
    ],
)
def test_what_people_type_is_read_as_the_number_they_mean(typed: str, language: str, number: str) -> None:
    assert parse_number(typed, language) == Decimal(number)


@pytest.mark.parametrize(
    ("typed", "language", "message"),
    [
        ("1.250", "nl", "'1.250' kan 1250 of 1,25 betekenen"),
        ("1,250", "en", "'1,250' can mean 1250 or 1.25"),
        ("12,345", "nl", "schrijf 12345 zonder punt of komma, of 12,3450"),
        ("twaalf", "nl", "'twaalf' is geen getal; schrijf bijvoorbeeld 1250,5"),
        ("1.25.0", "en", "'1.25.0' is not a number; write for example 1250.5"),
        ("12,", "nl", "'12,' is geen getal"),
        ("12,5 %", "nl", "'12,5 %' is geen getal"),
    ],
)
def test_ambiguous_or_unreadable_input_is_refused_in_the_persons_language(
    typed: str, language: str, message: str
) -> None:
    with pytest.raises(WijkzichtError) as refused:
        parse_number(typed, language)
    assert message in error_text(refused.value, language)


def _programme(app: FastAPI) -> int:
    answer = login(app, "administrator").post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Programma",
            "start_year": 2022,
            "end_year": 2032,
            "status": "running",
            "published": True,
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _post_form(client: TestClient, path: str, fields: dict[str, str], language: str) -> object:
    query = "&lang=en" if language == "en" else ""
    form = client.get(path + query).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    action = path.split("?")[0] + ("?lang=en" if language == "en" else "")
    return client.post(action, data={"csrf_token": token.group(1), **fields}, follow_redirects=False)


def _goal_fields(programme: int, target: str) -> dict[str, str]:
    return {
        "programme_id": str(programme),
        "title": "Minder geldzorgen",
        "indicator": "moeite_met_rondkomen",
        "subgroup": "18plus",
        "area_code": "WK059910",
        "target_value": target,
        "target_year": "2030",
        "published": "on",
    }


def _goals(client: TestClient) -> list[dict]:
    area = client.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()
    return [goal for programme in area["programmes"] for goal in programme["goals"]]


def _field_value(page: str, name: str) -> str:
    found = re.search(rf'<input id="field-{name}" name="{name}" type="text" value="([^"]*)"', page)
    assert found is not None, f"no text field {name}"
    return html.unescape(found.group(1))


@SQLITE_ONLY
def test_a_goal_typed_with_a_decimal_comma_is_stored_as_the_number_and_shown_with_the_pages_mark(
    app: FastAPI,
) -> None:
    editor = login(app, "area_editor")
    path = f"/programma/nieuw/goal?programme_id={_programme(app)}"
    saved = _post_form(editor, path, _goal_fields(int(path.split("=")[1]), "12,5"), "nl")
    assert saved.status_code == 303, saved.text
    (goal,) = _goals(editor)
    assert goal["target_value"] == 12.5
    edit = f"/programma/goal/{goal['id']}/bewerken"
    assert _field_value(editor.get(edit).text, "target_value") == "12,5"
    assert _field_value(editor.get(edit + "?lang=en").text, "target_value") == "12.5"
    assert "12,5 (2030)" in editor.get(f"/programma/{ROTTERDAM_ZUID}").text


@SQLITE_ONLY
def test_an_ambiguous_or_unreadable_target_is_refused_on_the_form_in_dutch_and_nothing_is_stored(
    app: FastAPI,
) -> None:
    editor = login(app, "area_editor")
    programme = _programme(app)
    path = f"/programma/nieuw/goal?programme_id={programme}"
    for typed, message in (
        ("1.250", "'1.250' kan 1250 of 1,25 betekenen; schrijf 1250 zonder punt of komma, of 1,25"),
        ("ongeveer 12", "'ongeveer 12' is geen getal; schrijf bijvoorbeeld 1250,5"),
    ):
        refused = _post_form(editor, path, _goal_fields(programme, typed), "nl")
        page = html.unescape(refused.text)
        assert refused.status_code == 422
        error = re.search(r'<span class="field-error" id="error-target_value">([^<]+)</span>', page)
        assert error is not None and error.group(1) == message
        assert _field_value(refused.text, "target_value") == typed  # what was typed stays to correct it
    assert _goals(editor) == []


@SQLITE_ONLY
def test_the_english_form_reads_a_point_and_refuses_in_english(app: FastAPI) -> None:
    editor = login(app, "area_editor")
    programme = _programme(app)
    path = f"/programma/nieuw/goal?programme_id={programme}"
    refused = _post_form(editor, path, _goal_fields(programme, "about 12"), "en")
    assert refused.status_code == 422
    assert "'about 12' is not a number; write for example 1250.5" in html.unescape(refused.text)
    assert _post_form(editor, path, _goal_fields(programme, "12.5"), "en").status_code == 303
    assert [goal["target_value"] for goal in _goals(editor)] == [12.5]


@SQLITE_ONLY
def test_a_budget_with_thousands_points_and_a_decimal_comma_is_stored_to_the_cent(app: FastAPI) -> None:
    admin = login(app, "administrator")
    programme = _programme(app)
    owner = next(
        o["id"] for o in admin.get(f"{API}/organisations").json() if o["name"] == "Gemeente Rotterdam"
    )
    fields = {
        "programme_id": str(programme),
        "title": "Buurtteams",
        "action_line": "2",
        "theme": "armoede_en_schulden",
        "owner_id": str(owner),
        "budget": "1.250.000,50",
        "funding_source": "gemeentelijk_budget",
    }
    saved = _post_form(admin, f"/programma/nieuw/measure?programme_id={programme}", fields, "nl")
    assert saved.status_code == 303, saved.text
    area = admin.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()
    (measure,) = [m for p in area["programmes"] for m in p["measures"]]
    assert Decimal(str(measure["budget"])) == Decimal("1250000.50")
    edit = admin.get(f"/programma/measure/{measure['id']}/bewerken").text
    assert _field_value(edit, "budget") == "1250000,5"
