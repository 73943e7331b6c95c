"""The web application's shared parts: translations, language, search, errors (in-process client)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api_errors import detail_text
from wijkzicht.i18n import LANGUAGES, Translator, translations
from wijkzicht.web import assets


def test_every_label_exists_in_every_language() -> None:
    assert translations(), "no translations loaded"
    for key, texts in translations().items():
        for language in LANGUAGES:
            assert texts[language].strip(), f"{key} is empty in {language}"


def test_a_missing_label_is_an_error_not_a_blank() -> None:
    with pytest.raises(Exception, match="no translation"):
        Translator("nl")("no.such.key")


def test_pages_are_dutch_by_default_and_english_on_request(web: TestClient) -> None:
    dutch, english = web.get("/"), web.get("/?lang=en")
    assert dutch.status_code == english.status_code == 200
    assert '<html lang="nl">' in dutch.text and "Waar stapelen problemen zich op?" in dutch.text
    assert '<html lang="en">' in english.text and "Where do problems pile up?" in english.text
    # the switch keeps the page and its state, only the language changes
    assert 'href="/?lang=en"' in dutch.text and 'href="/"' in english.text


def test_search_page_finds_overvecht_and_links_its_profile(web: TestClient) -> None:
    page = web.get("/zoeken", params={"q": "overvecht"})
    assert page.status_code == 200
    assert 'href="/gebied/WK034403"' in page.text


def test_api_search_and_get_return_the_registry(web: TestClient) -> None:
    found = web.get("/api/areas", params={"q": "overvecht", "level": "wijk"}).json()
    assert [a["code"] for a in found] == ["WK034403"]
    area = web.get("/api/areas/wk034403").json()
    assert area["gemeente_code"] == "GM0344" and 2024 in area["boundary_years"]


@pytest.mark.parametrize(
    ("url", "status", "names"),
    [
        ("/api/areas/WK999999", 404, "WK999999"),
        ("/api/areas/X", 422, "code"),
        ("/api/areas?q=", 422, "q"),
        ("/api/areas?q=a&limit=0", 422, "limit"),
        ("/api/areas?q=a&level=provincie", 422, "level"),
    ],
)
def test_bad_api_input_gets_a_4xx_naming_the_problem(
    web: TestClient, url: str, status: int, names: str
) -> None:
    response = web.get(url)
    assert response.status_code == status
    assert names in detail_text(response)


def test_an_unknown_page_is_a_404_page_in_the_site_style(web: TestClient) -> None:
    response = web.get("/bestaat-niet?lang=en")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text and "Error 404" in response.text


def test_pages_are_compressed_for_a_client_that_accepts_it(web: TestClient) -> None:
    page = web.get("/ranglijst", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "Ranglijst" in page.text


def test_api_docs_say_how_to_install_a_missing_swagger_ui(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets, "missing", lambda: ["swagger-ui/swagger-ui-bundle.js"])
    response = web.get("/api/docs")
    assert response.status_code == 503 and "./install.sh" in response.text


@pytest.mark.parametrize(
    "url", ["/api/programmes/alliances/9223372036854775808", "/api/programmes/goals/0/progress"]
)
def test_an_id_out_of_range_is_a_422_not_an_overflow(web: TestClient, url: str) -> None:
    response = web.get(url)
    assert response.status_code == 422
    assert "record_id" in detail_text(response) or "goal_id" in detail_text(response)


@pytest.mark.parametrize(
    "url",
    ["/", "/kaart", "/inloggen", "/api/docs", "/api/openapi.json", "/static/wijkzicht.css", "/geen-pagina"],
)
def test_every_answer_carries_the_security_headers(web: TestClient, url: str) -> None:
    answer = web.get(url)
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    # the pages' own scripts are files; only Swagger UI's page starts itself with an inline script
    assert ("'unsafe-inline'" in policy.split("script-src")[1].split(";")[0]) == (url == "/api/docs")
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("url", ["/", "/kaart?level=wijk", "/inloggen", "/api/openapi.json", "/geen-pagina"])
def test_head_answers_like_get_without_a_body(web: TestClient, url: str) -> None:
    get, head = web.get(url), web.head(url)
    assert head.status_code == get.status_code != 405
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) > 0


def test_a_page_has_no_inline_script(web: TestClient) -> None:
    """The Content-Security-Policy runs no inline script: every page's scripts are files."""
    for url in ("/", "/gebied/GM0599", "/kaart", "/focusgebieden", "/programma", "/wijkwijzer"):
        page = web.get(url)
        assert page.status_code == 200, url
        assert "<script>" not in page.text and '<script type="module">' not in page.text, url
        assert not re.search(r"<[^>]+\son[a-z]+=", page.text), url  # nor an inline event handler
