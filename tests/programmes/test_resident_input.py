"""Resident input without an account: the moderation flow, abuse protection and contact retention.

On SQLite and PostgreSQL (tests/programmes/conftest.py), on the real Rotterdam-Zuid focus area (WK059910,
buurt BU05991087 Feijenoord). The texts are typed here by hand; no figure is involved.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import DEN_HAAG_ZUIDWEST, PASSWORD, ROTTERDAM_ZUID, login
from sqlalchemy import select

from api_errors import detail_text
from wijkzicht.programmes import personal_data, resident_input
from wijkzicht.programmes.accounts import COMMAND_LINE, add_user
from wijkzicht.programmes.models import AuditEntry, ResidentInput
from wijkzicht.programmes.resident_input import RateLimiter

API = "/api/programmes"
BUURT = "BU05991087"  # Feijenoord, in wijk WK059910 of the Rotterdam-Zuid focus area
IDEA = "Meer bankjes en groen op het plein bij de school, dan spelen kinderen buiten."


def resident(app: FastAPI) -> tuple[TestClient, str]:
    """A visitor without an account, with the CSRF token of the page's form."""
    client = TestClient(app)
    page = client.get(f"/wijk/{BUURT}")
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def send(client: TestClient, token: str, **fields: str):
    body = {"csrf_token": token, "kind": "idea", "domain": "liveability", "text": IDEA, **fields}
    return client.post(f"/wijk/{BUURT}/inbreng", data=body, follow_redirects=False)


def stored(app: FastAPI) -> list[ResidentInput]:
    with app.state.programmes.reading() as session:
        return list(session.scalars(select(ResidentInput).order_by(ResidentInput.id)))


def test_an_idea_waits_in_moderation_then_is_published_with_answer_and_without_contact(app: FastAPI) -> None:
    client, token = resident(app)
    answer = send(client, token, contact="bewoner@example.org")
    assert answer.status_code == 303
    assert "verzonden=1" in answer.headers["location"]
    [item] = stored(app)
    assert (item.status, item.focus_area_id, item.contact) == (
        "waiting",
        ROTTERDAM_ZUID,
        "bewoner@example.org",
    )
    assert IDEA not in client.get(f"/wijk/{BUURT}").text  # not public before moderation

    editor = login(app, "area_editor")
    queue = editor.get("/bewoners/moderatie").text
    assert IDEA in queue and "bewoner@example.org" in queue
    token = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    done = editor.post(
        f"/bewoners/moderatie/{item.id}",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "version": item.version,
            "status": "published",
            "answer": "Goed idee: we nemen het mee in de herinrichting.",
        },
    )
    assert done.status_code == 303
    public = TestClient(app).get(f"/wijk/{BUURT}").text
    assert IDEA in public and "Goed idee: we nemen het mee" in public
    assert "bewoner@example.org" not in public
    counts = editor.get("/bewoners/moderatie").text
    row = r'data-domain="liveability">.*?<td class="number">1</td><td class="number">1</td><td class="number">1</td>'
    assert re.search(row, counts, re.DOTALL)  # received, published, answered


def test_a_moderation_form_with_an_oversized_version_is_a_422_not_an_overflow(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token)
    [item] = stored(app)
    editor = login(app, "area_editor")
    queue = editor.get("/bewoners/moderatie").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    answer = editor.post(
        f"/bewoners/moderatie/{item.id}",
        data={"csrf_token": csrf, "version": "99999999999999999999", "status": "published"},
    )
    assert answer.status_code == 422 and "version" in answer.text
    assert stored(app)[0].status == "waiting"


def test_a_moderation_address_with_an_oversized_id_is_a_422_not_an_overflow(app: FastAPI) -> None:
    editor = login(app, "area_editor")
    answer = editor.post(
        "/bewoners/moderatie/99999999999999999999",
        data={"csrf_token": editor.headers["X-CSRF-Token"], "version": "1", "status": "published"},
    )
    assert answer.status_code == 422 and "input_id" in answer.text


def test_only_the_areas_editor_or_an_administrator_moderates(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token)
    [item] = stored(app)
    partner = login(app, "partner")
    page = partner.get("/bewoners/moderatie")
    assert page.status_code == 403
    public, public_token = resident(app)
    refused = public.post(
        f"/bewoners/moderatie/{item.id}",
        data={"csrf_token": public_token, "version": 1, "status": "published"},
    )
    assert refused.status_code == 403
    assert stored(app)[0].status == "waiting"


def test_the_contact_is_deleted_after_the_retention_period_and_never_in_the_audit_log(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token, contact="06-12345678")
    with app.state.programmes.writing(resident_input.RETENTION) as session:
        assert resident_input.purge_contacts(session, days=90) == 0  # still within the period
    with app.state.programmes.writing(resident_input.RETENTION) as session:
        later = datetime.now(UTC) + timedelta(days=91)
        assert resident_input.purge_contacts(session, now=later, days=90) == 1
    [item] = stored(app)
    assert item.contact is None and item.text == IDEA
    with app.state.programmes.reading() as session:
        log = [
            entry for entry in session.scalars(select(AuditEntry)) if entry.object_type == "resident_input"
        ]
    assert len(log) == 2  # received, then the contact emptied
    assert "06-12345678" not in repr([(entry.before, entry.after) for entry in log])


def test_flooding_from_one_client_is_rate_limited(app: FastAPI) -> None:
    client, token = resident(app)
    answers = [send(client, token, text=f"{IDEA} ({number})").status_code for number in range(7)]
    assert answers[:5] == [303] * 5
    assert answers[5:] == [429, 429]
    assert len(stored(app)) == 5
    refused = send(client, token, text=f"{IDEA} (8)")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"  # as docs/residents.md says


def test_the_rate_limit_forgets_after_its_window() -> None:
    limiter = RateLimiter(limit=2, window_seconds=60)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.allow("b", now=2)  # another client has its own count
    assert limiter.allow("a", now=61)


def test_html_and_script_are_shown_as_text_never_run(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token, text='<script>alert("x")</script><img src=x onerror=alert(1)> graag meer licht')
    [item] = stored(app)
    with app.state.programmes.writing(resident_input.RETENTION) as session:
        admin = resident_input.Actor(None, "beheer", "administrator")
        resident_input.moderate(session, admin, item.id, version=item.version, status="published")
    page = TestClient(app).get(f"/wijk/{BUURT}").text
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert(" not in page and "<img src=x" not in page


def test_oversized_spam_and_bad_input_are_refused_and_what_was_typed_is_kept(app: FastAPI) -> None:
    app.state.resident_limiter = RateLimiter(limit=100)  # refusals count too; here we test the checks
    client, token = resident(app)
    too_long = send(client, token, text="lang verhaal " * 100)
    assert too_long.status_code == 422
    # the problem in the page's language (Dutch by default), with what was typed kept
    assert "ten hoogste 1000 tekens" in too_long.text and "lang verhaal lang verhaal" in too_long.text
    assert send(client, token, text="kort").status_code == 422
    assert send(client, token, domain="context").status_code == 422
    assert send(client, token, contact="x" * 201).status_code == 422
    robot = send(client, token, website="http://spam.example")
    assert robot.status_code == 422 and "automatisch gemaakt" in robot.text
    links = send(client, token, text="koop nu http://a.example http://b.example http://c.example goedkoop")
    assert links.status_code == 422
    assert stored(app) == []
    without_token = TestClient(app).post(f"/wijk/{BUURT}/inbreng", data={"kind": "idea", "text": IDEA})
    assert without_token.status_code == 403


def _programme_with_measures(app: FastAPI) -> tuple[int, int]:
    """A published programme of Rotterdam-Zuid with a published and an unpublished measure, via the API."""
    admin = login(app, "administrator")
    owner = next(
        o["id"] for o in admin.get(f"{API}/organisations").json() if o["name"] == "Gemeente Rotterdam"
    )
    programme = admin.post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Zuid werkt",
            "start_year": 2022,
            "end_year": 2032,
            "published": True,
        },
    )
    ids = []
    for published in (True, False):
        measure = admin.post(
            f"{API}/measures",
            json={
                "programme_id": programme.json()["id"],
                "title": f"Maatregel {published}",
                "action_line": 2,
                "theme": "armoede_en_schulden",
                "owner_id": owner,
                "budget": "1000.00",
                "funding_source": "regio_deal",
                "ministry": "BZK",
                "status": "running",
                "published": published,
            },
        )
        assert measure.status_code == 201, measure.text
        ids.append(measure.json()["id"])
    return ids[0], ids[1]


def _inputs_with_every_follow_up(app: FastAPI) -> None:
    """Five inputs: liveability published+answered+linked (public measure), published+linked (unpublished
    measure), rejected; safety waiting, published."""
    public_measure, hidden_measure = _programme_with_measures(app)
    admin = resident_input.Actor(None, "beheer", "administrator")
    outcomes = [
        ("liveability", "published", "Dank, we pakken het op.", public_measure),
        ("liveability", "published", "", hidden_measure),
        ("liveability", "rejected", "", None),
        ("safety", None, "", None),
        ("safety", "published", "", None),
    ]
    with app.state.programmes.writing(resident_input.RETENTION) as session:
        for number, (domain, status, answer, measure) in enumerate(outcomes):
            data = resident_input.InputIn(kind="signal", domain=domain, text=f"{IDEA} ({number})")
            item = resident_input.receive(session, BUURT, "WK059910", data)
            if status:
                resident_input.moderate(
                    session,
                    admin,
                    item.id,
                    version=item.version,
                    status=status,
                    answer=answer,
                    measure_id=measure,
                )


def _row(html: str, table_id: str, domain: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    row = re.search(rf'<tr data-domain="{domain}">(.*?)</tr>', table, re.DOTALL).group(1)
    return re.findall(r'<td class="number">(\d+)</td>', row)


def test_the_governance_report_counts_resident_input_per_domain_and_follow_up(app: FastAPI) -> None:
    _inputs_with_every_follow_up(app)
    analyst = login(app, "analyst")
    area = analyst.get(f"/programma/{ROTTERDAM_ZUID}/rapport.html").text
    # received, waiting, published, answered, linked, rejected
    assert _row(area, f"resident-input-{ROTTERDAM_ZUID}", "liveability") == ["3", "0", "2", "1", "2", "1"]
    assert _row(area, f"resident-input-{ROTTERDAM_ZUID}", "safety") == ["2", "1", "1", "0", "0", "0"]
    national = analyst.get("/programma/rapport.html").text
    assert _row(national, "resident-input-national", "liveability") == ["3", "0", "2", "1", "2", "1"]
    assert _row(national, f"resident-input-{ROTTERDAM_ZUID}", "safety") == ["2", "1", "1", "0", "0", "0"]
    assert "Inbreng (ontvangen)" in national


def test_the_public_report_counts_only_published_input_and_links_to_published_measures(app: FastAPI) -> None:
    _inputs_with_every_follow_up(app)
    public = TestClient(app)
    area = public.get(f"/programma/{ROTTERDAM_ZUID}/rapport.html").text
    # published, answered, linked (the link to the unpublished measure is not counted)
    assert _row(area, f"resident-input-{ROTTERDAM_ZUID}", "liveability") == ["2", "1", "1"]
    assert _row(area, f"resident-input-{ROTTERDAM_ZUID}", "safety") == ["1", "0", "0"]
    assert "Wacht op moderatie" not in area and "Afgewezen" not in area
    national = public.get("/programma/rapport.html").text
    assert _row(national, "resident-input-national", "liveability") == ["2", "1", "1"]


def test_the_report_pdf_shows_the_resident_input_counts(app: FastAPI, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is missing: .ci/run installs it")
    _inputs_with_every_follow_up(app)
    texts = {}
    for who, client in (("analyst", login(app, "analyst")), ("public", TestClient(app))):
        answer = client.get(f"/programma/{ROTTERDAM_ZUID}/rapport.pdf")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        pdf = tmp_path / f"{who}.pdf"
        pdf.write_bytes(answer.content)
        layout = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        )
        texts[who] = [" ".join(line.split()) for line in layout.stdout.splitlines()]
    assert "Inbreng van bewoners per domein en opvolging" in texts["analyst"]
    assert "Leefbaarheid 3 0 2 1 2 1" in texts["analyst"] and "Totaal 5 1 3 1 2 1" in texts["analyst"]
    assert "Leefbaarheid 2 1 1" in texts["public"] and "Totaal 3 1 1" in texts["public"]


MODERATION = f"{API}/resident-input"


def _editor_of_den_haag(app: FastAPI) -> TestClient:
    """An area editor of another focus area (Den Haag Zuidwest), logged in through the API."""
    with app.state.programmes.writing(COMMAND_LINE) as session:
        add_user(
            session,
            COMMAND_LINE,
            username="redacteur-denhaag",
            display_name="Redacteur Den Haag",
            role="area_editor",
            password=PASSWORD,
            focus_area_id=DEN_HAAG_ZUIDWEST,
        )
    client = TestClient(app)
    answer = client.post(f"{API}/session", json={"username": "redacteur-denhaag", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def test_the_moderation_api_lists_the_queue_and_publishes_with_the_version(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token, contact="bewoner@example.org")
    editor = login(app, "area_editor")
    [waiting] = editor.get(MODERATION).json()
    assert (waiting["text"], waiting["contact"], waiting["status"]) == (
        IDEA,
        "bewoner@example.org",
        "waiting",
    )
    change = {"version": waiting["version"], "status": "published", "answer": "We zetten er bankjes neer."}
    done = editor.post(f"{MODERATION}/{waiting['id']}/moderation", json=change)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["version"]) == ("published", waiting["version"] + 1)
    assert editor.get(MODERATION).json() == []  # no longer waiting
    stale = editor.post(f"{MODERATION}/{waiting['id']}/moderation", json=change | {"status": "rejected"})
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]
    later = editor.get(f"{MODERATION}/{waiting['id']}").json()
    assert later["answer"] == "We zetten er bankjes neer."
    public = TestClient(app).get(f"/wijk/{BUURT}").text
    assert IDEA in public and "We zetten er bankjes neer." in public and "bewoner@example.org" not in public


def test_only_the_areas_editor_or_an_administrator_uses_the_moderation_api(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token)
    [item] = stored(app)
    change = {"version": item.version, "status": "published"}
    other_editor = _editor_of_den_haag(app)
    assert other_editor.get(MODERATION).json() == []  # their own focus area's queue, not Rotterdam-Zuid's
    for refused in (login(app, "public"), login(app, "partner"), login(app, "analyst"), other_editor):
        if refused is not other_editor:
            assert refused.get(MODERATION).status_code == 403
        assert refused.get(f"{MODERATION}/{item.id}").status_code == 403
        assert refused.post(f"{MODERATION}/{item.id}/moderation", json=change).status_code == 403
    assert stored(app)[0].status == "waiting"
    without_csrf = TestClient(app)
    without_csrf.cookies = login(app, "area_editor").cookies
    assert without_csrf.post(f"{MODERATION}/{item.id}/moderation", json=change).status_code == 403
    assert stored(app)[0].status == "waiting"
    admin = login(app, "administrator")
    assert admin.post(f"{MODERATION}/{item.id}/moderation", json=change).status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"status": "hidden"}, 422, "status"),
        ({"version": 0}, 422, "version"),
        ({"version": None}, 422, "version"),
        ({"answer": "x" * 1001}, 422, "answer"),
        ({"measure_id": "een"}, 422, "measure_id"),
        ({"measure_id": 999_999}, 400, "measure_id"),
    ],
)
def test_bad_moderation_input_is_refused_naming_the_field(
    app: FastAPI, change: dict, status: int, field: str
) -> None:
    client, token = resident(app)
    send(client, token)
    [item] = stored(app)
    editor = login(app, "area_editor")
    answer = editor.post(
        f"{MODERATION}/{item.id}/moderation", json={"version": item.version, "status": "published"} | change
    )
    assert answer.status_code == status and field in detail_text(answer), answer.text
    assert stored(app)[0].status == "waiting"
    assert (
        editor.post(f"{MODERATION}/99999/moderation", json={"version": 1, "status": "published"}).status_code
        == 404
    )


# Twenty messages as residents write them, each with the personal data it must not show to anyone but its
# moderator. The BSNs pass the eleven-test; the people, numbers and addresses are made up.
PERSONAL = [
    ("Jan Jansen op Zamenhofdreef 12 handelt in drugs, BSN 123456782", ["Zamenhofdreef 12", "123456782"]),
    ("Mijn buurman heeft BSN 1112.22.333 en werkt zwart in de garage", ["1112.22.333"]),
    ("Bel mij op 06-12345678 als er weer een melding is over de hangjongeren", ["06-12345678"]),
    ("Overlast van scooters, ik ben bereikbaar op +31 6 2345 6789 na zes uur", ["+31 6 2345 6789"]),
    ("Wijkagent graag bellen naar 010 - 123 45 67, dat is mijn vaste nummer", ["010 - 123 45 67"]),
    ("Mail naar k.devries@voorbeeld.nl als er nieuws is over de speeltuin", ["k.devries@voorbeeld.nl"]),
    (
        "Stuur een bericht naar buurtapp.tarwewijk@voorbeeld.nl of 0031 6 87654321",
        ["buurtapp.tarwewijk", "87654321"],
    ),
    ("Op 3083 AB 27 wordt de woning onderverhuurd aan steeds andere mensen", ["3083 AB 27"]),
    ("Er staat al maanden een kapotte auto voor 3072AP-14, graag weghalen", ["3072AP-14"]),
    ("Het pand aan de Burgemeester de Vlugtlaan 121 staat leeg en er wordt ingebroken", ["Vlugtlaan 121"]),
    ("Bij de Van Speijkstraat 3a wordt 's nachts gedeald, iedereen weet het", ["Speijkstraat 3a"]),
    ("Dealers op het Afrikaanderplein 3 en in de portiek ernaast, al weken", ["Afrikaanderplein 3"]),
    ("Meneer De Vries van de benedenwoning laat zijn hond overal poepen", ["De Vries"]),
    ("Mevrouw Bakker is al weken niet gezien, ik maak me zorgen om haar", ["Bakker"]),
    ("Dhr. Pietersen zet steeds zijn afval naast de container op straat", ["Pietersen"]),
    ("Mw. J. van den Berg heeft last van inbrekers in de schuur", ["van den Berg"]),
    ("Familie Yilmaz op nummer 8 heeft hulp nodig met de trap, ze kunnen niet naar buiten", ["Yilmaz"]),
    ("Er wordt geschreeuwd bij mevrouw Öztürk, bel haar op 0612345679 graag", ["Öztürk", "0612345679"]),
    (
        "De heer K. Boukhari verhuurt kamers op de Hillevliet 90 zonder vergunning",
        ["Boukhari", "Hillevliet 90"],
    ),
    (
        "Mijn zoon zit op school aan de Pretorialaan 64, daar is het onveilig; mail ouder@voorbeeld.nl",
        ["Pretorialaan 64", "ouder@voorbeeld.nl"],
    ),
]


def test_twenty_messages_with_personal_data_are_masked_for_all_but_the_moderator(app: FastAPI) -> None:
    app.state.resident_limiter = RateLimiter(limit=len(PERSONAL))  # one visitor sends all twenty
    client, token = resident(app)
    for text, _ in PERSONAL:
        assert send(client, token, kind="signal", domain="safety", text=text).status_code == 303, text
    items = stored(app)
    assert [item.text for item in items] == [text for text, _ in PERSONAL]  # the moderator reads it all
    editor = login(app, "area_editor")
    for item in items:
        shown = editor.get(f"{API}/resident-input/{item.id}").json()
        assert shown["text"] == item.text and shown["personal_data"], item.text
        published = editor.post(
            f"{API}/resident-input/{item.id}/moderation",
            json={"version": item.version, "status": "published"},
        )
        assert published.status_code == 200, published.text
    public = TestClient(app).get(f"/wijk/{BUURT}").text
    leaked = [secret for _, secrets in PERSONAL for secret in secrets if secret in html.unescape(public)]
    assert leaked == []
    assert html.unescape(public).count("***") >= len(PERSONAL)
    assert "handelt in drugs, BSN ***" in public  # the rest of the message stays readable
    with app.state.programmes.reading() as session:
        log = repr([(e.before, e.after) for e in session.scalars(select(AuditEntry))])
    assert [secret for _, secrets in PERSONAL for secret in secrets if secret in log] == []


def test_ordinary_numbers_and_words_are_not_masked() -> None:
    text = "Sinds 2023 staan er 15 auto's fout, 120 meldingen; 123456789 is geen BSN, in het park 2 keer per week"
    assert personal_data.masked(text) == text


def test_the_moderator_redacts_personal_data_and_moves_the_input_to_another_topic(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token, kind="signal", text=PERSONAL[0][0])
    [item] = stored(app)
    editor = login(app, "area_editor")
    queue = editor.get("/bewoners/moderatie").text
    assert "Mogelijk persoonsgegevens: BSN, straat met huisnummer" in queue
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    done = editor.post(
        f"/bewoners/moderatie/{item.id}",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "version": item.version,
            "status": "rejected",
            "domain": "safety",
            "redact": "true",
        },
    )
    assert done.status_code == 303
    [item] = stored(app)
    assert (item.domain, item.status, item.text) == ("safety", "rejected", "*** handelt in drugs, BSN ***")
    unknown = editor.post(
        f"{API}/resident-input/{item.id}/moderation",
        json={"version": item.version, "status": "rejected", "domain": "weather"},
    )
    assert unknown.status_code == 400 and "domain" in unknown.json()["detail"]


def test_a_message_without_a_chosen_topic_is_refused_and_the_form_asks_for_one(app: FastAPI) -> None:
    client, token = resident(app)
    form = client.get(f"/wijk/{BUURT}").text
    assert re.search(
        r'<select id="input-domain" name="domain" required[^>]*><option value="" selected disabled>', form
    )
    refused = send(client, token, domain="")
    assert refused.status_code == 422 and IDEA in refused.text  # what was typed is kept
    assert stored(app) == []


def test_a_rejected_inputs_text_is_deleted_after_its_period_a_published_one_kept(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, token = resident(app)
    send(client, token)
    send(client, token, text="Graag meer handhaving bij de supermarkt, elke avond overlast")
    rejected, published = stored(app)
    editor = login(app, "area_editor")
    for item, status in ((rejected, "rejected"), (published, "published")):
        editor.post(
            f"{API}/resident-input/{item.id}/moderation", json={"version": item.version, "status": status}
        )
    later = datetime.now(UTC) + timedelta(days=resident_input.DEFAULT_REJECTED_RETENTION_DAYS - 1)
    assert resident_input.purge_expired(app.state.programmes, now=later) == (0, 0)
    later = datetime.now(UTC) + timedelta(days=resident_input.DEFAULT_REJECTED_RETENTION_DAYS + 1)
    assert resident_input.purge_expired(app.state.programmes, now=later) == (0, 1)
    assert [item.text for item in stored(app)] == ["", published.text]
    monkeypatch.setenv(resident_input.REJECTED_RETENTION_ENV, "0")
    assert resident_input.purge_expired(app.state.programmes) == (0, 0)  # nothing left to delete


def test_a_resident_who_does_not_know_the_topic_says_so_and_the_moderator_chooses_it(app: FastAPI) -> None:
    client, token = resident(app)
    form = client.get(f"/wijk/{BUURT}").text
    assert '<option value="unknown" >Weet ik niet</option>' in form
    refused = send(client, token, domain="")
    assert "Waar gaat het over?" in html.unescape(refused.text)  # the message names the question to answer
    assert send(client, token, kind="signal", domain="unknown").status_code == 303
    [item] = stored(app)
    editor = login(app, "area_editor")
    queue = editor.get("/bewoners/moderatie").text
    assert "Een probleem · Weet ik niet" in queue
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    data = {"csrf_token": csrf, "version": item.version, "status": "published", "domain": "liveability"}
    assert editor.post(f"/bewoners/moderatie/{item.id}", data=data, follow_redirects=False).status_code == 303
    [item] = stored(app)
    assert item.domain == "liveability"
    with app.state.programmes.reading() as session:
        changes = [
            (entry.before or {}).get("domain")
            for entry in session.scalars(select(AuditEntry))
            if entry.object_type == "resident_input" and entry.action == "update"
        ]
    assert "unknown" in changes  # the audit log keeps the topic the resident chose
    public = TestClient(app).get(f"/wijk/{BUURT}").text
    assert "Een probleem</strong> · Leefbaarheid" in public
