"""Refusals of programme steering a person meets on a page: in the page's language, beside the field they
name; the JSON API keeps the English text led by that field."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import PASSWORD, ROTTERDAM_ZUID, login

API = "/api/programmes"
OUTSIDE_ROTTERDAM = "WK036300"  # an Amsterdam wijk: outside the Rotterdam-Zuid focus area's gemeente
BUURT = "BU05991087"  # Feijenoord, in the Rotterdam-Zuid focus area


def _token(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _field_error(page: str, name: str) -> str:
    """The refusal shown beside a form's field; the field itself is marked invalid."""
    assert re.search(rf'id="field-{name}"[^>]*aria-invalid="true"', page), f"{name} is not marked"
    return html.unescape(
        re.search(rf'<span class="field-error" id="error-{name}">([^<]*)</span>', page).group(1)
    )


def test_a_goal_outside_the_gemeente_is_refused_beside_its_area_in_the_pages_language(app: FastAPI) -> None:
    editor = login(app, "area_editor")
    made = {"focus_area_id": ROTTERDAM_ZUID, "title": "Zuid", "start_year": 2022, "end_year": 2030}
    programme = editor.post(f"{API}/programmes", json=made).json()["id"]
    goal = {
        "programme_id": str(programme),
        "title": "Minder eenzaamheid",
        "indicator": "eenzaam",
        "subgroup": "65plus",
        "area_code": OUTSIDE_ROTTERDAM,
        "target_value": "40",
        "target_year": "2030",
    }
    for lang, expected in (
        ("nl", f"{OUTSIDE_ROTTERDAM} ligt buiten de gemeente van het focusgebied (GM0599)"),
        ("en", f"{OUTSIDE_ROTTERDAM} lies outside the focus area's gemeente GM0599"),
    ):
        form = f"/programma/nieuw/goal?programme_id={programme}&lang={lang}"
        fields = goal | {"csrf_token": _token(editor, form)}
        page = editor.post(f"/programma/nieuw/goal?lang={lang}", data=fields, follow_redirects=False)
        assert page.status_code == 400
        assert _field_error(page.text, "area_code").startswith(expected)
    answer = editor.post(f"{API}/goals", json=goal | {"programme_id": programme, "target_value": 40})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(f"area_code: {OUTSIDE_ROTTERDAM} lies outside")


def test_a_taken_username_is_refused_beside_it_in_the_pages_language(app: FastAPI) -> None:
    admin = login(app, "administrator")
    user = {
        "username": "BEHEER",  # the administrator's own name, in other letters
        "display_name": "Tweede beheerder",
        "role": "analyst",
        "password": PASSWORD,
    }
    for lang, expected in (
        ("nl", "de gebruikersnaam 'BEHEER' is al in gebruik; kies een andere"),
        ("en", "'BEHEER' is taken"),
    ):
        form = f"/programma/gebruikers?lang={lang}"
        page = admin.post(form, data=user | {"csrf_token": _token(admin, form)}, follow_redirects=False)
        assert page.status_code == 400 and _field_error(page.text, "username") == expected


def test_a_message_that_looks_automated_is_refused_in_the_pages_language(app: FastAPI) -> None:
    client = TestClient(app)
    for lang, expected in (
        ("nl", "Uw bericht lijkt automatisch gemaakt en is niet verstuurd."),
        ("en", "your message looks automated and was not sent"),
    ):
        body = {
            "csrf_token": _token(client, f"/wijk/{BUURT}?lang={lang}"),
            "kind": "idea",
            "domain": "liveability",
            "text": "Meer bankjes en groen op het plein bij de school.",
            "website": "http://spam.example",  # the honeypot people never see
        }
        page = client.post(f"/wijk/{BUURT}/inbreng?lang={lang}", data=body, follow_redirects=False)
        assert page.status_code == 422 and expected in html.unescape(page.text)


QUESTION = {
    "focus_area_id": str(ROTTERDAM_ZUID),
    "category": "law",
    "domain": "safety",
    "question": "Testvraag: mag de gemeente cameratoezicht tijdelijk uitbreiden?",
}


def test_the_help_desk_refuses_a_broken_question_and_an_early_publication_in_the_pages_language(
    app: FastAPI,
) -> None:
    partner, admin = login(app, "partner"), login(app, "administrator")
    for lang, choice, unanswered in (
        ("nl", "kies een van: ", "alleen een beantwoorde vraag kan gepubliceerd worden"),
        ("en", "use one of ", "only an answered question can be published"),
    ):
        broken = partner.post(f"/vraagbaak/vraag?lang={lang}", data=QUESTION | {"category": "weather"})
        assert broken.status_code == 422 and _field_error(broken.text, "category").startswith(choice)
        asked = partner.post(f"/vraagbaak/vraag?lang={lang}", data=QUESTION, follow_redirects=False)
        question = asked.headers["location"].split("?")[0].rsplit("/", 1)[1]
        early = admin.post(
            f"/vraagbaak/{question}/publiceren?lang={lang}",
            data={"version": 1, "title": "Camera's op straat", "summary": "Testtekst."},
        )
        assert early.status_code == 400 and unanswered in html.unescape(early.text)


def test_an_expired_form_and_an_unknown_report_or_focus_area_are_explained_in_the_pages_language(
    app: FastAPI,
) -> None:
    editor = login(app, "area_editor")
    editor.headers.pop("X-CSRF-Token")  # a page's form sends its token as a field
    for lang, expired, report, unknown in (
        (
            "nl",
            "Dit formulier is verlopen",
            "Het rapport bestaat als .html en als .pdf.",
            "geen focusgebied met nummer 99",
        ),
        (
            "en",
            "CSRF token missing or wrong",
            "the report exists as .html and .pdf",
            "no focus area number 99",
        ),
    ):
        # a form whose token no longer matches the session (sent after logging in again elsewhere)
        page = editor.post(f"/programma/nieuw/programme?lang={lang}", data={"csrf_token": "verlopen"})
        assert page.status_code == 403 and expired in html.unescape(page.text)
        page = editor.get(f"/programma/{ROTTERDAM_ZUID}/rapport.docx?lang={lang}")
        assert page.status_code == 404 and report in html.unescape(page.text)
        page = editor.get(f"/focusgebieden/99?lang={lang}")
        assert page.status_code == 404 and unknown in html.unescape(page.text)
    answer = editor.post(f"{API}/programmes", json={}, headers={"X-CSRF-Token": "verlopen"})
    assert answer.status_code == 403 and answer.json()["detail"].startswith("CSRF token missing or wrong")
