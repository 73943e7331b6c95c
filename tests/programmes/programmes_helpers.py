"""Accounts and logging in for the web tests of programme steering (shared by conftest and the tests)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

PASSWORD = "een lang genoeg wachtwoord"
ROTTERDAM_ZUID, DEN_HAAG_ZUIDWEST = 9, 10
# role -> (username, focus area)
PEOPLE = {
    "administrator": ("beheer", None),
    "analyst": ("analist", None),
    "area_editor": ("redacteur-zuid", ROTTERDAM_ZUID),
    "partner": ("partner-zuid", ROTTERDAM_ZUID),
}


def login(app: FastAPI, role: str) -> TestClient:
    """A client with its own cookies; logged in unless the role is 'public' (which still gets a CSRF token
    from the login page, so that a refusal is the role's, not a missing token's)."""
    client = TestClient(app)
    if role == "public":
        page = client.get("/inloggen")
        client.headers["X-CSRF-Token"] = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return client
    answer = client.post("/api/programmes/session", json={"username": PEOPLE[role][0], "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client
