"""Logging in: the password is checked outside any transaction, wrong passwords are throttled per account
and per client and a lockout is audited, and weak passwords are refused in the person's language."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import PASSWORD, PEOPLE, login
from sqlalchemy import select

from wijkzicht.programmes import accounts
from wijkzicht.programmes.models import AuditEntry
from wijkzicht.programmes.throttle import Throttle

API = "/api/programmes"
WEAK = [
    " " * 12,
    "aaaaaaaaaaaa",
    "123456789012",
    "password1234",
    "wachtwoord12",
    "qwertyuiopas",
    "wijkzicht2026",
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _controlled(app: FastAPI) -> Clock:
    """The application on the test's clock, refusing throttled attempts without the real-time pause."""
    clock = Clock()
    app.state.clock = clock
    app.state.refusal_pause = 0
    return clock


def _try(client: TestClient, password: str, username: str = PEOPLE["analyst"][0]) -> int:
    return client.post(f"{API}/session", json={"username": username, "password": password}).status_code


def test_the_password_is_checked_while_another_writer_can_write(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = app.state.programmes
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock is what a slow check inside a write would hold")
    database = store.engine.url.database
    writes_during_check: list[bool] = []
    matches = accounts.password_matches

    def check_while_writing(stored: accounts.Credentials, password: str) -> bool:
        other = sqlite3.connect(database, timeout=0)  # no waiting: a held write lock fails at once
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            writes_during_check.append(True)
        except sqlite3.OperationalError:
            writes_during_check.append(False)
        finally:
            other.close()
        return matches(stored, password)

    monkeypatch.setattr(accounts, "password_matches", check_while_writing)
    client = TestClient(app)
    assert _try(client, "een verkeerd wachtwoord") == 401
    assert _try(client, PASSWORD) == 200
    assert writes_during_check == [True, True]


def test_wrong_passwords_back_off_then_lock_the_account_out(app: FastAPI) -> None:
    clock = _controlled(app)
    client = TestClient(app)
    waits = []
    for _ in range(10):
        answer = client.post(
            f"{API}/session", json={"username": "analist", "password": "een verkeerd wachtwoord"}
        )
        if answer.status_code == 429:  # backing off: wait as told, then try again
            waits.append(int(answer.headers["Retry-After"]))
            clock.now += timedelta(seconds=waits[-1])
            answer = client.post(
                f"{API}/session", json={"username": "analist", "password": "een verkeerd wachtwoord"}
            )
        assert answer.status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60]  # free for three failures, then doubling up to a minute
    locked = client.post(f"{API}/session", json={"username": "analist", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 15 * 60
    clock.now += timedelta(minutes=1)  # past the client's backoff (its ten free failures are used up)
    assert login(app, "area_editor").get(f"{API}/users").status_code == 403  # another account logs in
    assert _try(client, PASSWORD) == 429  # while this one is still locked out
    clock.now += timedelta(minutes=14)
    assert _try(client, PASSWORD) == 200
    with app.state.programmes.reading() as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "login_lockout")).all()
    assert [(entry.after["kind"], entry.after["subject"]) for entry in audited] == [("account", "analist")]


def test_many_names_from_one_client_lock_the_client_out(app: FastAPI) -> None:
    clock = _controlled(app)
    client = TestClient(app)
    for number in range(30):
        assert _try(client, "een verkeerd wachtwoord", f"iemand{number}") == 401
        clock.now += timedelta(seconds=61)  # slower than the longest backoff
    assert _try(client, PASSWORD) == 429
    with app.state.programmes.reading() as session:
        kinds = session.scalars(
            select(AuditEntry.after).where(AuditEntry.object_type == "login_lockout")
        ).all()
    assert [after["kind"] for after in kinds] == ["client"]


def test_the_login_page_says_how_long_to_wait(app: FastAPI) -> None:
    clock = _controlled(app)
    client = login(app, "public")
    for _ in range(10):
        clock.now += timedelta(minutes=2)
        sent = {
            "username": "analist",
            "password": "fout wachtwoord",
            "csrf_token": client.headers["X-CSRF-Token"],
        }
        assert client.post("/inloggen", data=sent).status_code == 401
    sent["password"] = PASSWORD
    refused = client.post("/inloggen", data=sent)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert "Probeer het over 15 min. opnieuw" in refused.text


def test_a_throttle_forgets_failures_after_its_lockout_period() -> None:
    throttle = Throttle(free=1, lock_after=3)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    throttle.failed("x", start)
    throttle.failed("x", start)
    assert throttle.wait("x", start) == 2.0
    assert throttle.wait("x", start + timedelta(minutes=16)) == 0.0
    assert throttle.failed("x", start + timedelta(minutes=16)) is None  # counting starts again


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_by_the_api(app: FastAPI, password: str) -> None:
    admin = login(app, "administrator")
    answer = admin.post(
        f"{API}/users",
        json={"username": "nieuw", "display_name": "Nieuw", "role": "analyst", "password": password},
    )
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "password"] and "too easy to guess" in problem["msg"]


def test_a_weak_password_on_the_form_is_explained_in_dutch_and_english(app: FastAPI) -> None:
    admin = login(app, "administrator")
    for lang, expected in (("nl", "te makkelijk te raden"), ("en", "too easy to guess")):
        sent = {
            "csrf_token": admin.headers["X-CSRF-Token"],
            "username": "nieuw",
            "display_name": "Nieuw",
            "role": "analyst",
            "password": "wachtwoord12",
        }
        answer = admin.post(f"/programma/gebruikers?lang={lang}", data=sent)
        assert answer.status_code == 422 and expected in answer.text


def test_a_sentence_is_a_good_password(app: FastAPI) -> None:
    admin = login(app, "administrator")
    answer = admin.post(
        f"{API}/users",
        json={
            "username": "nieuw",
            "display_name": "Nieuw",
            "role": "analyst",
            "password": "fietsen langs de Maas",
        },
    )
    assert answer.status_code == 201, answer.text
    assert _try(TestClient(app), "fietsen langs de Maas", "nieuw") == 200
