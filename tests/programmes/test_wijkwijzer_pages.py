"""Wijkwijzer's forms, on SQLite and PostgreSQL: the help desk (vraagbaak), the learning network and the
library entries' add and change forms. Who may open and send each, bad input shown again with the field
named (422), a broken rule (400), a stale version (409), CSRF. Entries, questions and sessions are
hand-made test records."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import DEN_HAAG_ZUIDWEST, ROTTERDAM_ZUID, login

from wijkzicht import __version__

ENTRY = {
    "title": "Voorbeeld: huiswerkclub",
    "summary": "Hulp bij huiswerk voor scholieren.",
    "domains": ["education"],
    "evidence": "plausible",
    "example": True,
    "published": True,
}
ROLES = ("public", "partner", "area_editor", "analyst", "administrator")
QUESTION = {
    "focus_area_id": str(ROTTERDAM_ZUID),
    "category": "law",
    "domain": "safety",
    "question": "Testvraag: mag de gemeente cameratoezicht tijdelijk uitbreiden?",
}
ENTRY_FORM = {
    "kind": "practice",
    "title": "Testitem: buurtbemiddeling",
    "summary": "Testtekst.",
    "domains": ["safety", "liveability"],
    "evidence": "unknown",
    "cost": "low",
    "links": "https://example.org/een\nhttps://example.org/twee",
    "area_codes": "wk059912, GM0599",
    "measure_ids": "",
    "published": "on",
}


def _fields_marked(html: str) -> set[str]:
    """The fields the error summary links to (each also marked on the form)."""
    linked = set(re.findall(r'<a href="#field-([a-z_]+)">', html))
    assert all(f'id="error-{name}"' in html for name in linked)
    return linked


def _version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def _ask(app: FastAPI) -> int:
    asked = login(app, "partner").post("/vraagbaak/vraag", data=QUESTION, follow_redirects=False)
    assert asked.status_code == 303, asked.text
    return int(asked.headers["location"].rsplit("/", 1)[1])


def test_who_may_open_each_page_and_form(app: FastAPI) -> None:
    entry = login(app, "administrator").post("/api/wijkwijzer/interventions", json=ENTRY).json()
    question = _ask(app)
    expected = {  # path -> the roles that get the page (the others 403, or 404 where noted)
        "/vraagbaak": {"partner", "area_editor", "analyst", "administrator"},
        "/vraagbaak/vraag": {"partner", "area_editor", "administrator"},
        f"/vraagbaak/{question}": {"partner", "area_editor", "analyst", "administrator"},
        "/wijkwijzer/leernetwerk": set(ROLES),
        "/wijkwijzer/leernetwerk/nieuw": {"administrator"},
        "/wijkwijzer/nieuw": {"administrator"},
        f"/wijkwijzer/{entry['id']}/bewerken": {"administrator"},
    }
    for role in ROLES:
        client = login(app, role)
        for path, allowed in expected.items():
            refused = 404 if path == f"/vraagbaak/{question}" else 403  # a question is not public
            assert client.get(path).status_code == (200 if role in allowed else refused), (role, path)
    assert "alleen zichtbaar na inloggen" in TestClient(app).get("/vraagbaak").text  # says why, and how in


def test_own_focus_area_only_for_partners_and_editors(app: FastAPI) -> None:
    question = _ask(app)
    form = login(app, "partner").get("/vraagbaak/vraag").text
    assert f'<option value="{ROTTERDAM_ZUID}"' in form and f'<option value="{DEN_HAAG_ZUIDWEST}"' not in form
    other = login(app, "area_editor").post(
        "/vraagbaak/vraag", data={**QUESTION, "focus_area_id": DEN_HAAG_ZUIDWEST}
    )
    assert other.status_code == 403
    assert login(app, "analyst").post("/vraagbaak/vraag", data=QUESTION).status_code == 403
    # an administrator may ask for any area; a Den Haag question is not for Rotterdam's partner
    admin = login(app, "administrator")
    den_haag = admin.post(
        "/vraagbaak/vraag", data={**QUESTION, "focus_area_id": DEN_HAAG_ZUIDWEST}, follow_redirects=False
    ).headers["location"]
    partner = login(app, "partner")
    assert partner.get(den_haag).status_code == 404
    listed = partner.get("/vraagbaak").text
    assert f"/vraagbaak/{question}" in listed and den_haag not in listed
    # who may read may not answer: no form, and the post is refused
    page = partner.get(f"/vraagbaak/{question}").text
    assert "/antwoord" not in page
    for role in ("partner", "area_editor", "analyst"):
        refused = login(app, role).post(
            f"/vraagbaak/{question}/antwoord", data={"version": 1, "answer": "Nee."}
        )
        assert refused.status_code == 403, role


@pytest.mark.parametrize("path", ["/vraagbaak/vraag", "/wijkwijzer/nieuw", "/wijkwijzer/leernetwerk/nieuw"])
def test_every_form_needs_the_csrf_token(app: FastAPI, path: str) -> None:
    client = login(app, "administrator")
    del client.headers["X-CSRF-Token"]
    assert client.post(path, data={"title": "x"}).status_code == 403
    assert 'name="csrf_token"' in login(app, "administrator").get(path).text


def test_the_help_desk_course_through_its_forms(app: FastAPI) -> None:
    question = _ask(app)
    admin, public = login(app, "administrator"), TestClient(app)
    page = admin.get(f"/vraagbaak/{question}").text
    assert "Testvraag: mag de gemeente" in page and f"/vraagbaak/{question}/antwoord" in page
    version = _version(page)
    empty = admin.post(f"/vraagbaak/{question}/antwoord", data={"version": version, "answer": " "})
    assert empty.status_code == 422 and _fields_marked(empty.text) == {"answer"}
    answered = admin.post(
        f"/vraagbaak/{question}/antwoord",
        data={"version": version, "answer": "Testantwoord: ja, met een besluit."},
    )
    assert answered.status_code == 200 and "Testantwoord: ja" in answered.text  # after the redirect
    assert f"/vraagbaak/{question}/publiceren" in answered.text
    stale = admin.post(
        f"/vraagbaak/{question}/publiceren",
        data={"version": version, "title": "Camera's", "summary": "Testtekst."},
    )
    assert stale.status_code == 409 and "<h1>" in stale.text  # the site's error page
    version = _version(answered.text)
    short = admin.post(
        f"/vraagbaak/{question}/publiceren", data={"version": version, "title": "x", "summary": ""}
    )
    assert short.status_code == 422 and _fields_marked(short.text) == {"title", "summary"}
    published = admin.post(
        f"/vraagbaak/{question}/publiceren",
        data={
            "version": version,
            "title": "Testitem: tijdelijk cameratoezicht",
            "summary": "Testtekst voor iedereen.",
        },
    )
    assert published.status_code == 200 and 'id="question-faq"' in published.text
    found = public.get("/wijkwijzer", params={"q": "cameratoezicht"}).text
    assert "Testitem: tijdelijk cameratoezicht" in found
    assert "Testvraag" not in public.get("/wijkwijzer", params={"q": "cameratoezicht"}).text
    assert public.get(f"/vraagbaak/{question}").status_code == 404


def test_bad_questions_are_shown_again_with_the_field_named(app: FastAPI) -> None:
    partner = login(app, "partner")
    bad = partner.post("/vraagbaak/vraag", data={**QUESTION, "question": "kort", "category": "weer"})
    assert bad.status_code == 422
    assert _fields_marked(bad.text) == {"question", "category"}
    assert 'aria-invalid="true"' in bad.text and "kort</textarea>" in bad.text  # what was typed stays
    english = partner.post("/vraagbaak/vraag?lang=en", data={**QUESTION, "question": ""})
    assert english.status_code == 422 and "Correct the marked fields" in english.text
    unknown = login(app, "administrator").post("/vraagbaak/vraag", data={**QUESTION, "focus_area_id": "99"})
    assert unknown.status_code == 400 and _fields_marked(unknown.text) == {"focus_area_id"}


def test_library_entries_are_added_and_changed_through_the_form(app: FastAPI) -> None:
    admin = login(app, "administrator")
    for role in ("public", "partner", "area_editor", "analyst"):
        assert login(app, role).post("/wijkwijzer/nieuw", data=ENTRY_FORM).status_code == 403
    added = admin.post("/wijkwijzer/nieuw", data=ENTRY_FORM, follow_redirects=False)
    assert added.status_code == 303, added.text
    entry_id = int(added.headers["location"].rsplit("/", 1)[1])
    entry = admin.get(f"/api/wijkwijzer/interventions/{entry_id}").json()
    assert entry["domains"] == ["safety", "liveability"] and entry["area_codes"] == ["WK059912", "GM0599"]
    assert entry["links"] == ["https://example.org/een", "https://example.org/twee"]
    assert entry["published"] is True and entry["example"] is False and entry["cost"] == "low"

    form = admin.get(f"/wijkwijzer/{entry_id}/bewerken").text
    assert _version(form) == entry["version"] and "https://example.org/een\nhttps://example.org/twee" in form
    assert f"wijkzicht {__version__}</p>" in form  # the record's version does not replace the footer's
    changed = admin.post(
        f"/wijkwijzer/{entry_id}/bewerken",
        data={**ENTRY_FORM, "title": "Testitem: gewijzigd", "version": entry["version"]},
    )
    assert changed.status_code == 200 and "Testitem: gewijzigd" in changed.text
    assert (
        login(app, "partner")
        .post(f"/wijkwijzer/{entry_id}/bewerken", data={**ENTRY_FORM, "version": 2})
        .status_code
        == 403
    )
    stale = admin.post(f"/wijkwijzer/{entry_id}/bewerken", data={**ENTRY_FORM, "version": entry["version"]})
    assert stale.status_code == 409 and "versie" in stale.text and "<h1>" in stale.text
    assert admin.get(f"/api/wijkwijzer/interventions/{entry_id}").json()["title"] == "Testitem: gewijzigd"


def test_bad_library_entries_are_shown_again_with_the_field_named(app: FastAPI) -> None:
    admin = login(app, "administrator")
    bad = admin.post(
        "/wijkwijzer/nieuw",
        data={**ENTRY_FORM, "domains": [], "links": "geen adres", "area_codes": "XX12", "title": ""},
    )
    assert bad.status_code == 422
    assert _fields_marked(bad.text) == {"domains", "links", "area_codes", "title"}
    assert 'id="field-domains"' in bad.text  # the summary's link lands on the first box
    missing = admin.post("/wijkwijzer/nieuw", data={**ENTRY_FORM, "measure_ids": "999999"})
    assert missing.status_code == 400 and _fields_marked(missing.text) == {"measure_ids"}
    assert "nummer 999999 bestaat niet" in missing.text
    assert admin.post("/wijkwijzer/1/bewerken", data=ENTRY_FORM).status_code == 422  # no version: reload


def test_learning_sessions_are_recorded_through_the_form_and_listed_publicly(app: FastAPI) -> None:
    admin, public = login(app, "administrator"), TestClient(app)
    entry = admin.post("/api/wijkwijzer/interventions", json=ENTRY).json()
    session = {
        "topic": "Testbijeenkomst: huiswerk",
        "held_on": "2026-10-01",
        "organisations": "Gemeente Rotterdam\nGemeente Den Haag",
        "intervention_ids": [str(entry["id"])],
        "summary": "Testverslag.",
        "published": "on",
    }
    assert login(app, "area_editor").post("/wijkwijzer/leernetwerk/nieuw", data=session).status_code == 403
    bad = admin.post("/wijkwijzer/leernetwerk/nieuw", data={**session, "held_on": "1 oktober", "topic": ""})
    assert bad.status_code == 422 and _fields_marked(bad.text) == {"held_on", "topic"}
    assert (
        admin.post("/wijkwijzer/leernetwerk/nieuw", data=session, follow_redirects=False).status_code == 303
    )
    draft = {**session, "topic": "Testbijeenkomst: concept"}
    del draft["published"]
    assert admin.post("/wijkwijzer/leernetwerk/nieuw", data=draft, follow_redirects=False).status_code == 303
    listed = public.get("/wijkwijzer/leernetwerk").text
    assert "Testbijeenkomst: huiswerk" in listed and "Testbijeenkomst: concept" not in listed
    assert "Gemeente Rotterdam, Gemeente Den Haag" in listed and f'href="/wijkwijzer/{entry["id"]}"' in listed
    assert "Testbijeenkomst: concept" in admin.get("/wijkwijzer/leernetwerk").text
    assert "/wijkwijzer/leernetwerk" in public.get("/wijkwijzer").text  # reachable from the library
