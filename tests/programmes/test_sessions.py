"""Sessions that end: a copied cookie stops working after logging out, a new password, deactivation and an
administrator's "log out everywhere", and after the idle and absolute timeouts; the cookie tells nothing."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import PEOPLE, ROTTERDAM_ZUID, login

API = "/api/programmes"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    """The application's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _unpublished_programme(app: FastAPI) -> int:
    created = login(app, "area_editor").post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Concept",
            "start_year": 2025,
            "end_year": 2030,
            "status": "draft",
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _copy(app: FastAPI, client: TestClient) -> TestClient:
    """Another client with the same cookie and CSRF token: what someone who copied the cookie holds."""
    thief = TestClient(app)
    for cookie in client.cookies.jar:
        thief.cookies.set(cookie.name, cookie.value)
    thief.headers["X-CSRF-Token"] = client.headers["X-CSRF-Token"]
    return thief


def _reads_and_writes(client: TestClient, programme: int) -> tuple[int, int]:
    read = client.get(f"{API}/programmes/{programme}")
    comment = client.post(
        f"{API}/comments",
        json={"object_type": "programme", "object_id": programme, "text": "Nog steeds binnen"},
    )
    return read.status_code, comment.status_code


def _refused(client: TestClient, programme: int) -> bool:
    """The ended session reads nothing (401) and writes nothing: 401, or 403 once the first 401 made the
    client drop the cookie with its CSRF token."""
    read, write = _reads_and_writes(client, programme)
    return read == 401 and write in (401, 403)


def _user(admin: TestClient, role: str) -> dict[str, object]:
    return next(u for u in admin.get(f"{API}/users").json() if u["username"] == PEOPLE[role][0])


def test_a_copied_cookie_fails_after_logging_out(app: FastAPI) -> None:
    programme = _unpublished_programme(app)
    editor = login(app, "area_editor")
    thief = _copy(app, editor)
    assert _reads_and_writes(thief, programme) == (200, 201)
    assert editor.delete(f"{API}/session").status_code == 200
    assert _refused(thief, programme)
    assert "log in again" in thief.get(f"{API}/programmes/{programme}").json()["detail"]


def _change_editor(app: FastAPI, change: dict[str, object]) -> None:
    admin = login(app, "administrator")
    user = _user(admin, "area_editor")
    kept = {key: user[key] for key in ("display_name", "role", "focus_area_id", "organisation_id", "active")}
    changed = admin.put(f"{API}/users/{user['id']}", json=kept | change | {"version": user["version"]})
    assert changed.status_code == 200, changed.text


def test_a_copied_cookie_fails_after_a_new_password(app: FastAPI) -> None:
    programme = _unpublished_programme(app)
    thief = _copy(app, login(app, "area_editor"))
    assert _reads_and_writes(thief, programme) == (200, 201)
    _change_editor(app, {"password": "een heel ander lang wachtwoord"})
    assert _refused(thief, programme)


def test_a_copied_cookie_fails_after_deactivation(app: FastAPI) -> None:
    programme = _unpublished_programme(app)
    thief = _copy(app, login(app, "area_editor"))
    assert _reads_and_writes(thief, programme) == (200, 201)
    _change_editor(app, {"active": False})
    assert _refused(thief, programme)


def test_a_change_of_name_leaves_sessions_open(app: FastAPI) -> None:
    programme = _unpublished_programme(app)
    editor = login(app, "area_editor")
    _change_editor(app, {"display_name": "Redacteur Zuid"})
    assert _reads_and_writes(editor, programme) == (200, 201)


def test_an_administrator_logs_an_account_out_everywhere(app: FastAPI) -> None:
    programme = _unpublished_programme(app)
    laptop, phone = login(app, "area_editor"), login(app, "area_editor")
    thief = _copy(app, laptop)
    admin = login(app, "administrator")
    user = _user(admin, "area_editor")
    assert login(app, "partner").delete(f"{API}/users/{user['id']}/sessions").status_code == 403
    ended = admin.delete(f"{API}/users/{user['id']}/sessions")
    assert ended.status_code == 200 and ended.json()["ended"] >= 3  # laptop, phone, the editor's own above
    for client in (laptop, phone, thief):
        assert _refused(client, programme)
    # on a page, the ended session is a reader without an account: moderation sends to the login page
    page = phone.get("/bewoners/moderatie", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/inloggen")
    assert _reads_and_writes(admin, programme) == (200, 201)  # the administrator's own session goes on


def test_log_out_everywhere_from_the_users_page(app: FastAPI) -> None:
    editor = login(app, "area_editor")
    admin = login(app, "administrator")
    user = _user(admin, "area_editor")
    page = admin.get("/programma/gebruikers")
    assert f"/programma/gebruikers/{user['id']}/uitloggen" in page.text and "Overal uitloggen" in page.text
    answer = admin.post(
        f"/programma/gebruikers/{user['id']}/uitloggen",
        data={"csrf_token": admin.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert editor.get(f"{API}/focus-areas/{ROTTERDAM_ZUID}").status_code == 401


def test_idle_and_absolute_timeouts(app: FastAPI) -> None:
    programme = _unpublished_programme(app)
    clock = Clock()
    app.state.clock = clock
    idle = login(app, "area_editor")
    clock.advance(minutes=29)
    assert idle.get(f"{API}/programmes/{programme}").status_code == 200
    clock.advance(minutes=29)  # 29 minutes since the last request: still within the half hour
    assert idle.get(f"{API}/programmes/{programme}").status_code == 200
    clock.advance(minutes=31)
    assert idle.get(f"{API}/programmes/{programme}").status_code == 401

    busy = login(app, "area_editor")
    for _ in range(8 * 3 - 1):  # a request every 20 minutes, never idle, for just under eight hours
        clock.advance(minutes=20)
        assert busy.get(f"{API}/programmes/{programme}").status_code == 200
    clock.advance(minutes=21)
    assert busy.get(f"{API}/programmes/{programme}").status_code == 401


def test_the_cookie_holds_no_user_id_nor_name(app: FastAPI) -> None:
    editor = login(app, "area_editor")
    cookie = editor.cookies["wijkzicht_sessie"]
    payload = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
    assert set(payload) == {"sessie", "csrf"}
    assert PEOPLE["area_editor"][0] not in cookie and "user_id" not in json.dumps(payload)
