"""Resident input without an account: the moderation flow, abuse protection and contact retention.

On SQLite and PostgreSQL (tests/programmes/conftest.py), on the real Rotterdam-Zuid focus area (WK059910,
buurt BU05991087 Feijenoord). The texts are typed here by hand; no figure is involved.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import ROTTERDAM_ZUID, login
from sqlalchemy import select

from wijkzicht import resident_input
from wijkzicht.programmes.models import AuditEntry, ResidentInput
from wijkzicht.resident_input import RateLimiter

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
    done = editor.post(f"/bewoners/moderatie/{item.id}", follow_redirects=False,
                       data={"csrf_token": token, "version": item.version, "status": "published",
                             "answer": "Goed idee: we nemen het mee in de herinrichting."})  # fmt: skip
    assert done.status_code == 303
    public = TestClient(app).get(f"/wijk/{BUURT}").text
    assert IDEA in public and "Goed idee: we nemen het mee" in public
    assert "bewoner@example.org" not in public
    counts = editor.get("/bewoners/moderatie").text
    row = r'data-domain="liveability">.*?<td class="number">1</td><td class="number">1</td><td class="number">1</td>'
    assert re.search(row, counts, re.DOTALL)  # received, published, answered


def test_only_the_areas_editor_or_an_administrator_moderates(app: FastAPI) -> None:
    client, token = resident(app)
    send(client, token)
    [item] = stored(app)
    partner = login(app, "partner")
    page = partner.get("/bewoners/moderatie")
    assert page.status_code == 403
    public, public_token = resident(app)
    refused = public.post(f"/bewoners/moderatie/{item.id}",
                          data={"csrf_token": public_token, "version": 1, "status": "published"})  # fmt: skip
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
    assert "at most 1000 characters" in too_long.text and "lang verhaal lang verhaal" in too_long.text
    assert send(client, token, text="kort").status_code == 422
    assert send(client, token, domain="context").status_code == 422
    assert send(client, token, contact="x" * 201).status_code == 422
    robot = send(client, token, website="http://spam.example")
    assert robot.status_code == 422 and "automated" in robot.text
    links = send(client, token, text="koop nu http://a.example http://b.example http://c.example goedkoop")
    assert links.status_code == 422
    assert stored(app) == []
    without_token = TestClient(app).post(f"/wijk/{BUURT}/inbreng", data={"kind": "idea", "text": IDEA})
    assert without_token.status_code == 403
