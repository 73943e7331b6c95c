"""Accounts and logging in for the web tests of programme steering (shared by conftest and the tests)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from wijkzicht.programmes.models import Goal

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


def goal_made_before_the_rule(programme_id: int) -> Goal:
    """A goal on origin (a group characteristic) as it could be made before goals were limited to problem
    indicators: written around the rule, straight into the database."""
    return Goal(
        programme_id=programme_id,
        title="Herkomst",
        indicator="herkomst_marokko",
        subgroup="totaal",
        area_code="WK059910",
        baseline_period=2022,
        baseline_value=10.0,
        target_value=5.0,
        target_year=2026,
    )
