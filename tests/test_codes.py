"""One area-code grammar for every input: each code of the warehouse is accepted wherever an area code is
asked for (Amsterdam's codes with letters included), and each malformed code is refused by every input with
the one message of `codes.invalid_message`.

Schemas are checked with every code of the registry; HTTP inputs with one code per level and boundary year
(a code with letters where that year has them), since each request computes a page or a profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args
from urllib.parse import quote

import duckdb
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from pydantic import BaseModel, ValidationError

from api_errors import detail_text
from wijkzicht import codes
from wijkzicht.programmes.schemas import GoalIn, OrganisationIn
from wijkzicht.web import params
from wijkzicht.wijkwijzer.library import InterventionIn
from wijkzicht.wijkwijzer.pool import RequestIn

MALFORMED = ["WK036", "GM12345", "BU0363AA0", "XX0001", "WK0363aa!", "'; DROP TABLE areas", "NL01", "GM 0363"]
GOAL = {
    "programme_id": 1,
    "title": "Minder armoede",
    "indicator": "moeite_met_rondkomen",
    "target_value": 10.0,
    "target_year": 2030,
}
REQUEST = {"focus_area_id": 1, "domain": "housing", "question": "Hoe pakken we dit samen aan?"}
LIBRARY = {"title": "Buurtpreventie", "summary": "Bewoners lopen samen door de wijk.", "domains": ["safety"]}

# Inputs taking a code in the URL path (any level): the API, the pages, the resident page, Wijkwijzer.
PATH_INPUTS = [
    "/api/areas/{}",
    "/api/areas/{}/children",
    "/api/areas/{}/profile",
    "/api/areas/{}/explain",
    "/api/areas/{}/similar",
    "/api/ondermijning/{}",
    "/ondermijning/{}",
    "/gebied/{}",
    "/wijk/{}",
    "/api/wijkwijzer/areas/{}/measures-elsewhere",
]
# Inputs taking a code of any level in the query, by parameter name.
QUERY_INPUTS = [("/api/values", "area"), ("/api/values/export", "area"), ("/expertpool/vraag", "gebied")]
# Inputs taking a gemeente code in the query.
GEMEENTE_INPUTS = ["/api/rankings", "/api/rankings/export", "/ranglijst", "/kaart"]
# Pages whose gemeente box also takes a name: a text that is no code is a name that fits no gemeente.
NAME_INPUTS = ["/ranglijst"]


@pytest.fixture(scope="module")
def registry(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every code of every boundary year, with its level."""
    return dict(con.execute("SELECT code, level FROM area_years").fetchall())


@pytest.fixture(scope="module")
def sample(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Per level and boundary year one code, preferring one with letters after the gemeente number, else
    one picked by a fixed hash (so that the years give different codes)."""
    rows = con.execute(
        r"""SELECT level, boundary_year,
                   arg_min(code, (NOT regexp_matches(code, '^..\d{4}.*[A-Z]'), hash(code, boundary_year)))
            FROM areas GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    return sorted({row[2] for row in rows})


def _refusals(model: type[BaseModel], values: dict[str, object]) -> list[str]:
    try:
        model.model_validate(values)
    except ValidationError as error:
        return [problem["msg"] for problem in error.errors()]
    return []


def test_the_registry_holds_every_level_and_codes_with_letters(registry: dict[str, str]) -> None:
    assert {codes.level_of(code) for code in registry} == set(codes.LEVELS)
    assert all(codes.level_of(code) == level for code, level in registry.items())
    assert {"WK0363AA", "BU0363AA01"} <= set(registry)
    assert get_args(params.Level) == codes.LEVELS


def test_parents_follow_the_registry(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT DISTINCT code, gemeente_code, wijk_code FROM areas").fetchall()
    assert all(
        (codes.gemeente_of(code), codes.wijk_of(code)) == (gemeente, wijk) for code, gemeente, wijk in rows
    )


def test_every_schema_accepts_every_code_of_its_levels(registry: dict[str, str]) -> None:
    every = sorted(registry)
    for chunk in (every[start : start + 200] for start in range(0, len(every), 200)):  # 200 per entry
        assert InterventionIn.model_validate({**LIBRARY, "area_codes": chunk}).area_codes == list(chunk)
    for code, level in registry.items():
        assert RequestIn.model_validate({**REQUEST, "area_code": code.lower()}).area_code == code
        if level != "land":
            assert GoalIn.model_validate({**GOAL, "area_code": code}).area_code == code
        if level == "gemeente":
            assert OrganisationIn.model_validate(
                {"name": "Gemeente", "kind": "gemeente", "gemeente_code": code}
            )


@pytest.mark.parametrize("bad", MALFORMED)
def test_every_schema_refuses_a_malformed_code_with_the_one_message(bad: str) -> None:
    assert _refusals(InterventionIn, {**LIBRARY, "area_codes": [bad]}) == [
        f"Value error, {codes.invalid_message(bad.strip())}"
    ]
    assert _refusals(RequestIn, {**REQUEST, "area_code": bad}) == [
        f"Value error, {codes.invalid_message(bad.strip())}"
    ]
    assert _refusals(GoalIn, {**GOAL, "area_code": bad}) == [
        f"Value error, {codes.invalid_message(bad, codes.AREA_LEVELS)}"
    ]
    assert _refusals(OrganisationIn, {"name": "Gemeente", "kind": "gemeente", "gemeente_code": bad}) == [
        f"Value error, {codes.invalid_message(bad, ('gemeente',))}"
    ]


def test_a_goal_may_name_a_buurt_but_not_the_country() -> None:
    assert GoalIn.model_validate({**GOAL, "area_code": "bu0363aa01"}).area_code == "BU0363AA01"
    assert _refusals(GoalIn, {**GOAL, "area_code": "NL00"}) == [
        f"Value error, {codes.invalid_message('NL00', codes.AREA_LEVELS)}"
    ]


def _http_inputs(code: str, level: str) -> Iterator[str]:
    """Every URL that takes this code (gemeente filters only for a gemeente)."""
    yield from (path.format(quote(code, safe="")) for path in PATH_INPUTS)
    yield from (f"{path}?{name}={quote(code, safe='')}" for path, name in QUERY_INPUTS)
    if level == "gemeente":
        yield from (f"{path}?gemeente={quote(code, safe='')}" for path in GEMEENTE_INPUTS)


def test_every_http_input_accepts_codes_of_each_level_and_boundary_year(
    web: TestClient, sample: list[str], registry: dict[str, str]
) -> None:
    # letters after the gemeente number: the wijken of 2023 (income) and 2024, the buurten of 2024
    assert len(sample) >= 12 and sum(not code[2:].isdigit() for code in sample) == 3
    for code in sample:
        for url in _http_inputs(code, registry[code]):
            answer = web.get(url)
            assert answer.status_code != 422 and answer.status_code < 500, f"{url}: {answer.text[:300]}"
    lower = web.get("/api/areas/bu0363aa01").json()
    assert lower["code"] == "BU0363AA01" and lower["gemeente_code"] == "GM0363"
    assert 'href="/gebied/WK0363AA"' in web.get("/gebied/BU0363AA01").text  # the buurt's breadcrumb


def test_a_well_formed_unknown_code_is_a_404(web: TestClient) -> None:
    assert web.get("/api/areas/WK0363ZZ").status_code == 404
    assert web.get("/gebied/BU0363ZZ99").status_code == 404


@pytest.mark.parametrize("bad", MALFORMED)
def test_every_http_input_refuses_a_malformed_code_with_the_one_message(web: TestClient, bad: str) -> None:
    checks = [(url, "code", codes.LEVELS) for url in _http_inputs(bad, "")]
    checks += [
        (f"{path}?gemeente={quote(bad, safe='')}", "gemeente", ("gemeente",))
        for path in GEMEENTE_INPUTS
        if path not in NAME_INPUTS
    ]
    checks.append((f"/wijk/{quote(bad, safe='')}/inbreng", "code", codes.LEVELS))
    for url, name, levels in checks:
        answer = web.post(url) if url.endswith("/inbreng") else web.get(url)
        message = codes.invalid_message(bad, levels)
        name = url.rsplit("?", 1)[1].split("=")[0] if "?" in url else name
        assert answer.status_code == 422, f"{url}: {answer.status_code}"
        if url.startswith("/api/"):
            assert message in detail_text(answer) and name in detail_text(answer), url
        else:
            assert str(escape(message)) in answer.text and name in answer.text, url
    for path in NAME_INPUTS:
        answer = web.get(path, params={"gemeente": bad})
        assert answer.status_code == 200 and 'id="gemeente-problem"' in answer.text, bad
        assert str(escape(bad.strip())) in answer.text
