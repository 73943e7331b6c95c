"""Programme steering over HTTP, on SQLite and PostgreSQL: who may write what, what the public sees,
conflicting edits, bad input on the API and the forms, and the governance report as PDF."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import DEN_HAAG_ZUIDWEST, PASSWORD, PEOPLE, ROTTERDAM_ZUID, login
from sqlalchemy import select

from api_errors import detail_text
from wijkzicht.catalogue import load_catalogue
from wijkzicht.i18n import Translator, format_number
from wijkzicht.programmes import audit
from wijkzicht.programmes.models import Measure

API = "/api/programmes"
ROLES = ["public", *PEOPLE]
_numbers = itertools.count(1)


def _organisation(client: TestClient, name: str) -> int:
    return next(o["id"] for o in client.get(f"{API}/organisations").json() if o["name"] == name)


def _records(admin: TestClient, area: int, published: bool = True) -> dict[str, int]:
    """A programme with a goal, a measure, an update, an experiment and a blockage, via the API."""
    owner = _organisation(admin, "Gemeente Rotterdam" if area == ROTTERDAM_ZUID else "Gemeente 's-Gravenhage")
    wijk = "WK059910" if area == ROTTERDAM_ZUID else "WK051833"

    def post(path: str, body: dict) -> int:
        answer = admin.post(f"{API}/{path}", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    ids = {
        "programme": post(
            "programmes",
            {
                "focus_area_id": area,
                "title": f"Programma {area}",
                "start_year": 2022,
                "end_year": 2032,
                "status": "running",
                "published": published,
            },
        )
    }
    ids["goal"] = post(
        "goals",
        {
            "programme_id": ids["programme"],
            "title": f"Minder geldzorgen {area}",
            "indicator": "moeite_met_rondkomen",
            "subgroup": "18plus",
            "area_code": wijk,
            "target_value": 25,
            "target_year": 2030,
            "published": published,
        },
    )
    ids["measure"] = post(
        "measures",
        {
            "programme_id": ids["programme"],
            "title": f"Schuldhulp {area}",
            "action_line": 3,
            "theme": "armoede_en_schulden",
            "owner_id": owner,
            "budget": "250000.00",
            "funding_source": "regio_deal",
            "ministry": "SZW",
            "status": "running",
            "published": published,
        },
    )
    ids["progress_update"] = post(
        "progress-updates",
        {
            "measure_id": ids["measure"],
            "reported_on": "2025-03-01",
            "status": "amber",
            "narrative": "Werving loopt achter",
        },
    )
    ids["experiment"] = post(
        "experiments",
        {
            "programme_id": ids["programme"],
            "title": f"Experiment {area}",
            "legal_basis": "Wet bijzondere maatregelen grootstedelijke problematiek",
            "published": published,
        },
    )
    ids["blockage"] = post(
        "blockages",
        {
            "focus_area_id": area,
            "title": f"Vastloper {area}",
            "description": "Regels staan maatwerk in de weg",
            "category": "law",
            "escalation": "national",
            "owner_id": owner,
            "raised_on": "2025-01-15",
            "published": published,
        },
    )
    ids["organisation"] = owner
    ids["ministry"] = _organisation(admin, "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties")
    return ids


def _bodies(ids: dict[str, int], area: int) -> dict[str, dict]:
    """A valid body per kind, unique where the database wants unique values."""
    n = next(_numbers)
    return {
        "programme": {"focus_area_id": area, "title": f"Nieuw {n}", "start_year": 2024, "end_year": 2030},
        "goal": {
            "programme_id": ids["programme"],
            "title": f"Doel {n}",
            "indicator": "moeite_met_rondkomen",
            "subgroup": "18plus",
            "area_code": "WK059910" if area == ROTTERDAM_ZUID else "WK051833",
            "target_value": 20,
            "target_year": 2030,
        },
        "measure": {
            "programme_id": ids["programme"],
            "title": f"Maatregel {n}",
            "action_line": 1,
            "theme": "integrale_aanpak",
            "owner_id": ids["organisation"],
            "funding_source": "overig",
        },
        "progress_update": {
            "measure_id": ids["measure"],
            "reported_on": "2025-06-01",
            "status": "green",
            "narrative": f"Bericht {n}",
        },
        "experiment": {"programme_id": ids["programme"], "title": f"Maatwerk {n}", "legal_basis": "Wbmgp"},
        "blockage": {
            "focus_area_id": area,
            "title": f"Vastloper {n}",
            "description": "d",
            "category": "data",
            "owner_id": ids["organisation"],
            "raised_on": "2025-02-01",
        },
        "alliance": {"focus_area_id": area, "name": f"Alliantie {n}", "chair": "burgemeester"},
        "alliance_member": {
            "alliance_id": ids.get("alliance"),
            "organisation_id": ids["ministry"],
            "role": "lid",
        },
    }


@pytest.fixture
def areas(app: FastAPI) -> dict[int, dict[str, int]]:
    admin = login(app, "administrator")
    return {area: _records(admin, area, published=False) for area in (ROTTERDAM_ZUID, DEN_HAAG_ZUIDWEST)}


def _expected(role: str, action: str, own: bool) -> bool:
    return (
        role == "administrator"
        or (role == "area_editor" and own and action in ("create", "change", "comment"))
        or (role == "partner" and own and action == "comment")
    )


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix_every_role_every_write_endpoint_own_and_other_area(
    app: FastAPI, areas: dict[int, dict[str, int]], role: str
) -> None:
    client = login(app, role)
    admin = login(app, "administrator")
    outcomes = []
    for area, own in ((ROTTERDAM_ZUID, True), (DEN_HAAG_ZUIDWEST, False)):
        ids = dict(areas[area])
        alliance = {"focus_area_id": area, "name": f"Alliantie {area}", "chair": "burgemeester"}
        answer = client.post(f"{API}/alliances", json=alliance)
        outcomes.append(("POST alliance", own, answer.status_code, _expected(role, "create", own)))
        if answer.status_code != 201:
            answer = admin.post(f"{API}/alliances", json=alliance)
        assert answer.status_code == 201, answer.text
        ids["alliance"] = answer.json()["id"]
        member = {
            "alliance_id": ids["alliance"],
            "organisation_id": ids["organisation"],
            "role": "voorzitter",
        }
        ids["alliance_member"] = admin.post(f"{API}/alliance-members", json=member).json()["id"]
        for kind, body in _bodies(ids, area).items():
            path = f"{API}/{kind.replace('_', '-')}s"
            if kind != "alliance":  # one alliance per area: created above
                answer = client.post(path, json=body)
                outcomes.append((f"POST {kind}", own, answer.status_code, _expected(role, "create", own)))
            current = admin.get(f"{path}/{ids[kind]}").json()
            change = {key: current[key] for key in body if key in current} | {"version": current["version"]}
            answer = client.put(f"{path}/{ids[kind]}", json=change)
            outcomes.append((f"PUT {kind}", own, answer.status_code, _expected(role, "change", own)))
        justice = _organisation(admin, "Ministerie van Justitie en Veiligheid")
        removable = admin.post(
            f"{API}/alliance-members",
            json={"alliance_id": ids["alliance"], "organisation_id": justice, "role": "deelnemer"},
        ).json()
        answer = client.delete(f"{API}/alliance-members/{removable['id']}", params={"version": 1})
        outcomes.append(("DELETE alliance_member", own, answer.status_code, _expected(role, "change", own)))
        answer = client.post(
            f"{API}/comments",
            json={"object_type": "measure", "object_id": ids["measure"], "text": "Graag overleg"},
        )
        outcomes.append(("POST comment", own, answer.status_code, _expected(role, "comment", own)))
    # not tied to an area: organisations (editors may add one, only administrators change one) and accounts
    answer = client.post(
        f"{API}/organisations", json={"name": f"Corporatie {role}", "kind": "woningcorporatie"}
    )
    outcomes.append(("POST organisation", None, answer.status_code, role in ("administrator", "area_editor")))
    organisation = admin.get(f"{API}/organisations").json()[0]
    answer = client.put(
        f"{API}/organisations/{organisation['id']}",
        json={
            "name": organisation["name"],
            "kind": organisation["kind"],
            "gemeente_code": organisation["gemeente_code"],
            "version": organisation["version"],
        },
    )
    outcomes.append(("PUT organisation", None, answer.status_code, role == "administrator"))
    answer = client.post(
        f"{API}/users",
        json={
            "username": f"nieuw-{role}",
            "display_name": "Nieuw",
            "role": "analyst",
            "password": "nog een lang wachtwoord",
        },
    )
    outcomes.append(("POST user", None, answer.status_code, role == "administrator"))

    unexpected = [
        (endpoint, own, status, allow)
        for endpoint, own, status, allow in outcomes
        if (allow and status not in (200, 201)) or (not allow and status != 403)
    ]
    assert not unexpected
    # 8 kinds created and changed, a member removed and a comment, in each of two areas; 3 area-free endpoints
    assert len(outcomes) == 2 * (8 + 8 + 1 + 1) + 3


def test_the_public_never_sees_unpublished_records(app: FastAPI, areas: dict[int, dict[str, int]]) -> None:
    admin = login(app, "administrator")
    published = _records_published(admin)
    public = TestClient(app)
    tree = public.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()
    titles = {p["title"] for p in tree["programmes"]}
    assert titles == {"Openbaar programma"}
    assert [g["title"] for p in tree["programmes"] for g in p["goals"]] == ["Openbaar doel"]
    assert [b["title"] for b in tree["blockages"]] == []
    for kind in ("programme", "goal", "measure", "experiment", "blockage", "progress_update"):
        path = f"{API}/{kind.replace('_', '-')}s/{areas[ROTTERDAM_ZUID][kind]}"
        assert public.get(path).status_code == 404, kind
    assert public.get(f"{API}/goals/{published['goal']}").status_code == 200
    assert public.get(f"{API}/goals/{published['goal']}/history").status_code == 403
    for page in (
        f"/programma/{ROTTERDAM_ZUID}",
        f"/programma/{ROTTERDAM_ZUID}/rapport.html",
        "/programma/rapport.html",
    ):
        text = public.get(page).text
        assert "Openbaar doel" in text or page == "/programma/rapport.html"
        assert f"Programma {ROTTERDAM_ZUID}" not in text and f"Schuldhulp {ROTTERDAM_ZUID}" not in text, page
        assert f"Vastloper {ROTTERDAM_ZUID}" not in text, page
    # the analyst reads everything, the partner its own area
    assert len(login(app, "analyst").get(f"{API}/focus-areas/{DEN_HAAG_ZUIDWEST}").json()["programmes"]) == 1
    partner = login(app, "partner")
    assert len(partner.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()["programmes"]) == 2
    assert partner.get(f"{API}/focus-areas/{DEN_HAAG_ZUIDWEST}").json()["programmes"] == []


def _records_published(admin: TestClient) -> dict[str, int]:
    programme = admin.post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Openbaar programma",
            "start_year": 2022,
            "end_year": 2032,
            "published": True,
        },
    ).json()
    goal = admin.post(
        f"{API}/goals",
        json={
            "programme_id": programme["id"],
            "title": "Openbaar doel",
            "indicator": "moeite_met_rondkomen",
            "subgroup": "18plus",
            "area_code": "WK059912",
            "target_value": 20,
            "target_year": 2030,
            "published": True,
        },
    ).json()
    hidden = admin.post(
        f"{API}/goals",
        json={
            "programme_id": programme["id"],
            "title": "Verborgen doel",
            "indicator": "moeite_met_rondkomen",
            "subgroup": "18plus",
            "area_code": "WK059912",
            "target_value": 20,
            "target_year": 2030,
        },
    ).json()
    return {"programme": programme["id"], "goal": goal["id"], "hidden_goal": hidden["id"]}


def test_two_editors_change_one_measure_one_wins_the_other_gets_409_and_loses_nothing(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    first, second = login(app, "area_editor"), login(app, "administrator")
    path = f"{API}/measures/{areas[ROTTERDAM_ZUID]['measure']}"
    seen_first, seen_second = first.get(path).json(), second.get(path).json()
    assert seen_first["version"] == seen_second["version"] == 1
    editable = (
        "programme_id",
        "title",
        "action_line",
        "theme",
        "owner_id",
        "budget",
        "funding_source",
        "ministry",
        "status",
        "published",
        "description",
        "partners",
    )
    won = first.put(
        path, json={key: seen_first[key] for key in editable} | {"budget": "300000.00", "version": 1}
    )
    lost = second.put(
        path, json={key: seen_second[key] for key in editable} | {"status": "finished", "version": 1}
    )
    assert (won.status_code, lost.status_code) == (200, 409)
    assert "version 2" in lost.json()["detail"]
    stored = second.get(path).json()
    assert (stored["budget"], stored["status"], stored["version"]) == ("300000.00", "running", 2)
    # the second editor reloads and applies the change again: both changes are kept
    again = second.put(
        path, json={key: stored[key] for key in editable} | {"status": "finished", "version": 2}
    )
    assert again.status_code == 200
    final = second.get(path).json()
    assert (final["budget"], final["status"], final["version"]) == ("300000.00", "finished", 3)
    history = second.get(f"{path}/history").json()
    assert [(e["action"], e["username"]) for e in history] == [
        ("create", "beheer"),
        ("update", "redacteur-zuid"),
        ("update", "beheer"),
    ]


BAD_MEASURES = [
    ({"title": None}, "title"),
    ({"budget": "veel"}, "budget"),
    ({"budget": "-5"}, "budget"),
    ({"action_line": 7}, "action_line"),
    ({"title": "x" * 201}, "title"),
    ({"description": "x" * 5001}, "description"),
    ({"theme": "geen_thema"}, "theme"),
    ({"title": "nul\x00byte"}, "title"),
    ({"owner_id": 999999}, "owner_id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_MEASURES)
def test_bad_measure_input_on_the_api_names_the_field_and_stores_nothing(
    app: FastAPI, areas: dict[int, dict[str, int]], change: dict, field: str
) -> None:
    editor = login(app, "area_editor")
    ids = areas[ROTTERDAM_ZUID]
    body = _bodies(ids, ROTTERDAM_ZUID)["measure"] | change
    body = {key: value for key, value in body.items() if value is not None}
    before = len(editor.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()["programmes"][0]["measures"])
    answer = editor.post(f"{API}/measures", json=body)
    assert answer.status_code in (400, 404, 422) and field in detail_text(answer), answer.text
    assert (
        len(editor.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()["programmes"][0]["measures"]) == before
    )


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("blockage", {"raised_on": "2025-05-01", "resolved_on": "2025-04-01"}, "resolved_on"),
        ("blockage", {"raised_on": "1 mei"}, "raised_on"),
        ("programme", {"start_year": 2030, "end_year": 2024}, "end_year"),
        ("programme", {"start_year": "twintig"}, "start_year"),
        ("experiment", {"starts_on": "2025-05-01", "ends_on": "2024-01-01"}, "ends_on"),
        ("progress_update", {"measure_id": None}, "measure_id"),
        ("progress_update", {"status": "paars"}, "status"),
        ("goal", {"target_year": 2010}, "target_year"),
        ("goal", {"area_code": "WK036300"}, "area_code"),
        ("goal", {"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_input_on_other_endpoints_is_refused_with_the_field_named(
    app: FastAPI, areas: dict[int, dict[str, int]], kind: str, change: dict, field: str
) -> None:
    editor = login(app, "area_editor")
    body = {
        k: v
        for k, v in (_bodies(areas[ROTTERDAM_ZUID], ROTTERDAM_ZUID)[kind] | change).items()
        if v is not None
    }
    answer = editor.post(f"{API}/{kind.replace('_', '-')}s", json=body)
    assert answer.status_code in (400, 422) and field in detail_text(answer), answer.text


def test_html_in_text_is_stored_as_typed_and_escaped_on_every_page(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    editor = login(app, "area_editor")
    script = '<script>alert("x")</script><b onmouseover="x()">vet</b>'
    body = _bodies(areas[ROTTERDAM_ZUID], ROTTERDAM_ZUID)["measure"] | {
        "title": script,
        "description": script,
    }
    created = editor.post(f"{API}/measures", json=body).json()
    assert created["title"] == script  # the API returns exactly what was typed
    for page in (
        f"/programma/{ROTTERDAM_ZUID}",
        f"/programma/{ROTTERDAM_ZUID}/rapport.html",
        f"/programma/measure/{created['id']}/historie",
        f"/programma/measure/{created['id']}/bewerken",
    ):
        text = editor.get(page).text
        assert "<script>alert" not in text and "<b onmouseover" not in text, page
        assert "&lt;script&gt;alert(" in text, page


def _form_token(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _measure_form(app: FastAPI, areas: dict[int, dict[str, int]]) -> tuple[TestClient, dict[str, int], str]:
    """An area editor of Rotterdam-Zuid, the area's records and the address of its new-measure form."""
    ids = areas[ROTTERDAM_ZUID]
    return login(app, "area_editor"), ids, f"/programma/nieuw/measure?programme_id={ids['programme']}"


def _measure_fields(ids: dict[str, int], token: str, **values: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "programme_id": str(ids["programme"]),
        "owner_id": str(ids["organisation"]),
        **values,
    }


def test_forms_refuse_bad_input_keep_what_was_typed_and_need_the_csrf_token(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    editor, ids, form = _measure_form(app, areas)
    other_area = f"/programma/nieuw/measure?programme_id={areas[DEN_HAAG_ZUIDWEST]['programme']}"
    assert (TestClient(app).get(form).status_code, editor.get(other_area).status_code) == (403, 403)
    assert editor.get("/programma/nieuw/measure?programme_id=999").status_code == 404
    token = _form_token(editor, form)
    fields = _measure_fields(
        ids,
        token,
        title="",
        action_line="3",
        theme="kansrijke_start",
        budget="-10",
        funding_source="overig",
        description="Mijn <em>tekst</em>",
    )
    answer = editor.post("/programma/nieuw/measure", data=fields)
    assert answer.status_code == 422
    assert 'id="error-title"' in answer.text and 'id="error-budget"' in answer.text
    assert "Mijn &lt;em&gt;tekst&lt;/em&gt;" in answer.text  # kept, escaped
    without_token = {key: value for key, value in fields.items() if key != "csrf_token"} | {
        "title": "Goed",
        "budget": "1",
    }
    editor.headers.pop("X-CSRF-Token")
    assert editor.post("/programma/nieuw/measure", data=without_token).status_code == 403
    good = editor.post(
        "/programma/nieuw/measure", data=without_token | {"csrf_token": token}, follow_redirects=False
    )
    assert good.status_code == 303, re.findall(r"field-error[^>]*>([^<]*)", good.text) + re.findall(
        r"<li>([^<]*)</li>", good.text
    )
    assert good.headers["location"] == f"/programma/{ROTTERDAM_ZUID}?opgeslagen=measure"
    assert "Goed" in editor.get(f"/programma/{ROTTERDAM_ZUID}").text


def test_a_saved_form_is_confirmed_and_its_history_reads_in_words(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    editor, ids, form = _measure_form(app, areas)
    empty_form = editor.get(form).text
    assert '<option value="2" >2. Woningen en wijken</option>' in empty_form  # named, not a bare 2
    fields = _measure_fields(
        ids,
        _form_token(editor, form),
        title="Buurtconciërge",
        action_line="2",
        theme="leefbaarheid_openbare_ruimte",
        budget="1234567.5",
        funding_source="gemeentelijk_budget",
    )
    saved = editor.post("/programma/nieuw/measure", data=fields)  # the redirect is followed
    assert saved.status_code == 200
    assert '<p role="status" class="notice" id="saved">Opgeslagen: Maatregel.</p>' in saved.text
    assert "Opgeslagen" not in editor.get(f"/programma/{ROTTERDAM_ZUID}").text  # only right after the save
    assert "Actielijn 2. Woningen en wijken" in saved.text
    with app.state.programmes.reading() as session:
        measure = session.scalars(select(Measure.id).where(Measure.title == "Buurtconciërge")).one()
    history = editor.get(f"/programma/measure/{measure}/historie").text
    body = history[history.index("<tbody>") : history.index("</tbody>")]
    assert "None" not in body
    assert "€\u00a01.234.568" in body  # the budget as the site shows money (whole euros, Dutch)
    assert "2. Woningen en wijken" in body and "Leefbaarheid en openbare ruimte" in body
    assert '<th scope="row">Actielijn</th>' in body  # the field's label, not action_line


def test_an_edit_form_from_an_old_version_gets_409(app: FastAPI, areas: dict[int, dict[str, int]]) -> None:
    editor = login(app, "area_editor")
    blockage = areas[ROTTERDAM_ZUID]["blockage"]
    form = editor.get(f"/programma/blockage/{blockage}/bewerken").text
    token = _form_token(editor, f"/programma/blockage/{blockage}/bewerken")
    values = dict(
        re.findall(r'<input id="field-(\w+)" name="\w+" type="(?:text|date|number)" value="([^"]*)"', form)
    )
    fields = values | {
        "csrf_token": token,
        "version": "1",
        "focus_area_id": str(ROTTERDAM_ZUID),
        "category": "law",
        "escalation": "alliance",
        "owner_id": str(areas[ROTTERDAM_ZUID]["organisation"]),
        "description": "Regels staan maatwerk in de weg",
        "status": "open",
    }
    assert (
        editor.post(
            f"/programma/blockage/{blockage}/bewerken", data=fields, follow_redirects=False
        ).status_code
        == 303
    )
    assert editor.post(f"/programma/blockage/{blockage}/bewerken", data=fields).status_code == 409


def test_governance_report_pdf_renders_and_lists_goals_measures_and_open_blockages(
    app: FastAPI, areas: dict[int, dict[str, int]], tmp_path: Path
) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.fail("poppler-utils (pdftoppm, pdftotext) is missing: .ci/run installs it")
    from PIL import Image

    answer = login(app, "analyst").get(f"/programma/{ROTTERDAM_ZUID}/rapport.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(answer.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 0.005 * image.width * image.height, "page 1 is blank"
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    text = " ".join(text.split())  # table cells wrap
    for title in (
        f"Minder geldzorgen {ROTTERDAM_ZUID}",
        f"Schuldhulp {ROTTERDAM_ZUID}",
        f"Vastloper {ROTTERDAM_ZUID}",
        "Rotterdam-Zuid",
        "28,6",  # the baseline: the last measurement (2020) before the programme's start (2022)
    ):
        assert title in text, title
    # and none since: no colour (the cell wraps, and pdftotext puts the years of the cells beside it
    # between its lines)
    assert "nog geen meting sinds de start" in re.sub(r" \(\d{4}\)", "", text)
    assert f"Vastloper {DEN_HAAG_ZUIDWEST}" not in text


def test_removing_an_alliance_member_is_audited_and_version_checked(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    admin, editor = login(app, "administrator"), login(app, "area_editor")
    alliance = admin.post(
        f"{API}/alliances", json={"focus_area_id": ROTTERDAM_ZUID, "name": "NPRZ", "chair": "b"}
    )
    member = admin.post(
        f"{API}/alliance-members",
        json={
            "alliance_id": alliance.json()["id"],
            "organisation_id": areas[ROTTERDAM_ZUID]["ministry"],
            "role": "rijkspartner",
        },
    ).json()
    path = f"{API}/alliance-members/{member['id']}"
    assert editor.delete(path, params={"version": 7}).status_code == 409
    assert editor.delete(path, params={"version": 1}).status_code == 200
    assert admin.get(path).status_code == 404
    deleted = admin.get(f"{path}/history")
    assert deleted.status_code == 404  # the record is gone; its log stays in the database
    with app.state.programmes.reading() as session:
        entries = audit.history(session, "alliance_member", member["id"])
    assert [(e.action, e.username) for e in entries] == [("create", "beheer"), ("delete", "redacteur-zuid")]
    assert entries[1].before["role"] == "rijkspartner" and entries[1].after is None
    assert admin.delete(f"{API}/measures/{areas[ROTTERDAM_ZUID]['measure']}").status_code == 405


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"password": "kort"}, 422, "password"),
        ({"role": "partner"}, 400, "focus_area_id"),
        ({"role": "analyst", "focus_area_id": ROTTERDAM_ZUID}, 400, "focus_area_id"),
        ({"role": "koning"}, 422, "role"),
        ({"username": "beheer"}, 400, "username"),
        ({"username": "<script>"}, 422, "username"),
        ({"focus_area_id": 99, "role": "area_editor"}, 400, "focus_area_id"),
    ],
)
def test_bad_account_input_is_refused_with_the_field_named(
    app: FastAPI, change: dict, status: int, field: str
) -> None:
    admin = login(app, "administrator")
    body = {
        "username": "nieuw",
        "display_name": "Nieuw",
        "role": "analyst",
        "password": "lang genoeg wachtwoord",
    }
    answer = admin.post(f"{API}/users", json=body | change)
    assert answer.status_code == status and field in detail_text(answer), answer.text
    assert [u["username"] for u in admin.get(f"{API}/users").json()].count("nieuw") == 0


def test_login_refuses_wrong_or_missing_credentials_and_deactivated_accounts(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    client = TestClient(app)
    assert client.post(f"{API}/session", json={"username": "beheer"}).status_code == 422
    assert client.post(f"{API}/session", json={"username": "beheer", "password": "fout"}).status_code == 401
    assert client.post(f"{API}/session", json={"username": "niemand", "password": "fout"}).status_code == 401
    admin = login(app, "administrator")
    analyst = login(app, "analyst")
    assert len(analyst.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()["programmes"]) == 1
    user = next(u for u in admin.get(f"{API}/users").json() if u["username"] == "analist")
    assert "password_hash" not in user
    change = {"display_name": "Analist", "role": "analyst", "active": False, "version": user["version"]}
    assert admin.put(f"{API}/users/{user['id']}", json=change).status_code == 200
    assert admin.put(f"{API}/users/{user['id']}", json=change).status_code == 409
    # the deactivated analyst's open session has ended: it reads nothing more
    assert analyst.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").status_code == 401
    assert (
        analyst.post(f"{API}/session", json={"username": "analist", "password": PASSWORD}).status_code == 401
    )


def test_national_report_shows_money_per_focus_area_and_fund(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    text = login(app, "analyst").get("/programma/rapport.html").text
    money = text[text.index("Geld per focusgebied en fonds") :]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="number">([^<]+)</td>', money)
    assert rows == [("Rotterdam-Zuid", "€\u00a0250.000"), ("Den Haag Zuidwest", "€\u00a0250.000")]
    assert (
        "Geld per focusgebied en fonds" not in TestClient(app).get("/programma/rapport.html").text
    )  # unpublished


def test_administrators_manage_accounts_on_a_page_others_get_403(app: FastAPI) -> None:
    admin = login(app, "administrator")
    assert login(app, "analyst").get("/programma/gebruikers").status_code == 403
    token = _form_token(admin, "/programma/gebruikers")
    typed = {
        "csrf_token": token,
        "username": "nieuwe-redacteur",
        "display_name": "Nieuwe <i>redacteur</i>",
        "role": "area_editor",
        "focus_area_id": str(ROTTERDAM_ZUID),
        "password": "kort",
    }
    refused = admin.post("/programma/gebruikers", data=typed)
    assert refused.status_code == 422 and 'id="error-password"' in refused.text
    assert (
        "kort" not in re.findall(r'id="field-password"[^>]*>', refused.text)[0]
    )  # a password is never echoed
    assert "Nieuwe &lt;i&gt;redacteur&lt;/i&gt;" in refused.text
    accepted = admin.post("/programma/gebruikers", data=typed | {"password": "een lang wachtwoord"})
    assert accepted.status_code == 200 and "nieuwe-redacteur" in accepted.text  # after the redirect
    assert (
        TestClient(app)
        .post(f"{API}/session", json={"username": "nieuwe-redacteur", "password": "een lang wachtwoord"})
        .json()["role"]
        == "area_editor"
    )


def test_the_api_documents_every_kind_with_its_own_body(app: FastAPI) -> None:
    document = TestClient(app).get("/api/openapi.json").json()
    kinds = {
        "programmes": "Programme",
        "goals": "Goal",
        "measures": "Measure",
        "blockages": "Blockage",
        "progress-updates": "ProgressUpdate",
        "experiments": "Experiment",
        "alliances": "Alliance",
        "alliance-members": "AllianceMember",
        "organisations": "Organisation",
    }
    for path, name in kinds.items():
        created = document["paths"][f"/api/programmes/{path}"]["post"]["requestBody"]["content"][
            "application/json"
        ]
        changed = document["paths"][f"/api/programmes/{path}/{{record_id}}"]["put"]["requestBody"]["content"]
        assert created["schema"]["$ref"].endswith(f"/{name}In")
        assert changed["application/json"]["schema"]["$ref"].endswith(f"/{name}Change")
    assert "version" in document["components"]["schemas"]["MeasureChange"]["required"]


def test_a_duplicate_the_database_refuses_is_a_clear_400_not_a_crash(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    admin = login(app, "administrator")
    answer = admin.post(f"{API}/organisations", json={"name": "Gemeente Rotterdam", "kind": "gemeente"})
    assert answer.status_code == 400 and "name" in answer.json()["detail"]
    alliance = admin.post(
        f"{API}/alliances", json={"focus_area_id": ROTTERDAM_ZUID, "name": "A", "chair": "b"}
    )
    member = {
        "alliance_id": alliance.json()["id"],
        "organisation_id": areas[ROTTERDAM_ZUID]["ministry"],
        "role": "lid",
    }
    assert admin.post(f"{API}/alliance-members", json=member).status_code == 201
    again = admin.post(f"{API}/alliance-members", json=member)
    assert again.status_code == 400 and "organisation_id" in again.json()["detail"]


def test_the_goal_form_offers_the_focus_area_and_reads_the_baseline_from_the_monitor(
    app: FastAPI, areas: dict[int, dict[str, int]], con: object
) -> None:
    editor = login(app, "area_editor")
    form = f"/programma/nieuw/goal?programme_id={areas[ROTTERDAM_ZUID]['programme']}"
    page = editor.get(form).text
    offered = re.findall(r'<option value="((?:WK|GM)\w+)"', page)
    assert offered == ["WK059910", "WK059915", "WK059912", "GM0599"]
    fields = {
        "csrf_token": _form_token(editor, form),
        "programme_id": str(areas[ROTTERDAM_ZUID]["programme"]),
        "title": "Minder eenzaamheid",
        "indicator": "eenzaam",
        "subgroup": "65plus",
        "area_code": "WK059915",
        "target_value": "40",
        "target_year": "2030",
        "published": "on",
    }
    assert editor.post("/programma/nieuw/goal", data=fields, follow_redirects=False).status_code == 303
    last_before_start = con.execute(
        """SELECT period, value FROM observations WHERE indicator = 'eenzaam' AND area_code = 'WK059915'
           AND subgroup = '65plus' AND value IS NOT NULL AND period <= 2022 ORDER BY period DESC LIMIT 1"""
    ).fetchone()
    goal = next(
        g
        for p in editor.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()["programmes"]
        for g in p["goals"]
        if g["title"] == "Minder eenzaamheid"
    )
    assert (goal["baseline_period"], goal["baseline_value"], goal["published"]) == (*last_before_start, True)


def test_a_goal_on_every_context_indicator_is_refused_by_the_api_and_the_form_and_not_offered(
    app: FastAPI, areas: dict[int, dict[str, int]]
) -> None:
    """Context, group characteristics (origin, marital status), neutral and local figures: never a goal."""
    forbidden = [i.id for i in load_catalogue().indicators.values() if not i.scored]
    assert {"herkomst_marokko", "gehuwd", "inwoners"} <= set(forbidden)
    editor = login(app, "area_editor")
    form = f"/programma/nieuw/goal?programme_id={areas[ROTTERDAM_ZUID]['programme']}"
    offered = re.findall(r'<option value="([a-z0-9_]+)"[^>]*>[^<]*\(\1\)', editor.get(form).text)
    assert offered and not set(offered) & set(forbidden)
    goal = {
        "programme_id": areas[ROTTERDAM_ZUID]["programme"],
        "title": "Doel op context",
        "subgroup": "totaal",
        "area_code": "WK059910",
        "target_value": 5,
        "target_year": 2030,
    }
    token = _form_token(editor, form)
    for indicator in forbidden:
        answer = editor.post(f"{API}/goals", json=goal | {"indicator": indicator})
        assert answer.status_code == 400 and f"indicator: {indicator} is" in answer.json()["detail"], (
            indicator
        )
        fields = {key: str(value) for key, value in goal.items()} | {
            "indicator": indicator,
            "csrf_token": token,
        }
        page = editor.post("/programma/nieuw/goal", data=fields, follow_redirects=False)
        assert page.status_code in (400, 422) and "probleemindicator met een score" in page.text, indicator
    titles = [
        g["title"]
        for p in editor.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").json()["programmes"]
        for g in p["goals"]
    ]
    assert "Doel op context" not in titles


def _pages(pdf: Path, mode: str) -> list[str]:
    text = subprocess.run(
        ["pdftotext", mode, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")


# An overview row's first line in pdftotext -layout: the name (or its first part), 7 counts, budget, input.
OVERVIEW_ROW = re.compile(r"^(?P<name>.*?)\s*(\d+\s+){7}€\s?[\d.,]+\s+\d+\s*$")


def test_the_national_report_fits_a4_with_every_column_header_and_no_row_split_over_pages(
    app: FastAPI, areas: dict[int, dict[str, int]], tmp_path: Path
) -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is missing: .ci/run installs it")
    pdf = tmp_path / "landelijk.pdf"
    pdf.write_bytes(login(app, "analyst").get("/programma/rapport.pdf").content)
    t = Translator("nl")
    headers = [
        t("prog.focus_area"),
        t("prog.col.goals"),
        t("prog.col.on_track"),
        t("prog.col.off_track"),
        t("prog.col.measures"),
        *(
            t("prog.report.open_at", level=t(f"prog.escalation.{level}"))
            for level in ("local", "alliance", "national")
        ),
        t("prog.field.budget"),
        t("prog.col.resident_input", follow_up=t("moderation.count.received").lower()),
    ]
    first_page = " ".join(_pages(pdf, "-raw")[0].split())
    assert [header for header in headers if header not in first_page] == []
    # pdftotext -layout: a row is its line of figures with the name beside it, then the name's wrapped lines.
    # Figures without a name, or a name's continuation as the first row line of a page, is a split row.
    names: list[str] = []
    for page in _pages(pdf, "-layout"):
        lines = page.splitlines()
        heading = next((i for i, line in enumerate(lines) if line.startswith(headers[0])), None)
        if heading is None:
            continue
        rows = [line for line in lines[heading + 1 :] if not line.startswith(" ")]  # past the header's lines
        for number, line in enumerate(itertools.takewhile(str.strip, rows)):
            if match := OVERVIEW_ROW.match(line):
                names.append(match["name"])
            else:
                assert number > 0, f"a row continued at the top of a page: {line!r}"
        unnamed = [
            line for line in lines[heading + 1 :] if (match := OVERVIEW_ROW.match(line)) and not match["name"]
        ]
        assert unnamed == [], "the figures of a row without its name"
    assert len(names) == 20


def test_administrators_read_the_change_log_of_every_build_others_get_403(
    app: FastAPI, con: duckdb.DuckDBPyConnection
) -> None:
    # The session's warehouse was built from nothing: every figure it holds is new in its one build.
    figures = con.execute("SELECT count(value) FROM observations").fetchone()[0]
    buurt_health = con.execute(
        "SELECT count(value) FROM observations JOIN provenance USING (source_id) "
        "WHERE source_table = '50090NED' AND indicator = 'roker' AND level = 'buurt' AND period = 2020"
    ).fetchone()[0]
    assert login(app, "analyst").get("/programma/data").status_code == 403
    assert TestClient(app).get("/programma/data").status_code == 403
    admin = login(app, "administrator")
    dutch = admin.get("/programma/data")
    assert dutch.status_code == 200
    assert f"{format_number(figures, 'nl')} cijfers nieuw, 0 herzien, 0 verdwenen" in dutch.text
    row = re.search(
        r"<tr><th scope=\"row\">Rookt \(50090NED\)</th>\s*<td>buurt \(grenzen 2020\)</td>\s*"
        r"<td class=\"number\">2020</td>(.*?)</tr>",
        dutch.text,
        re.S,
    )
    assert row and f'<td class="number">{format_number(buurt_health, "nl")}</td>' in row.group(1)
    english = admin.get("/programma/data?lang=en").text
    assert f"{format_number(figures, 'en')} figures new, 0 revised, 0 gone" in english
    assert admin.get("/programma").text.count('href="/programma/data"') == 1
