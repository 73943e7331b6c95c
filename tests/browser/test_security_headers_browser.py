"""The Content-Security-Policy in a real browser: the pages, the map and the API documentation work under it,
and none of them breaks a rule of it (a violation would mean a blocked script, style, worker or image)."""

from __future__ import annotations

import pytest
from map_helpers import open_map
from playwright.sync_api import Page, expect

# Every violation the page reports, collected from its first script on.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) =>
  window.cspViolations.push(`${event.violatedDirective}: ${event.blockedURI}`));
"""
PAGES = [
    "/",
    "/gebied/GM0599",
    "/gebied/BU05991087",
    "/focusgebieden",
    "/wijk/BU05991087",
    "/programma",
    "/inloggen",
    "/wijkwijzer",
    "/ondermijning/GM0599",
]


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


@pytest.mark.parametrize("url", PAGES)
def test_pages_work_under_the_policy_without_violations(browser_page: Page, url: str) -> None:
    browser_page.add_init_script(COLLECT_VIOLATIONS)
    answer = browser_page.goto(url)
    assert answer is not None and answer.status == 200
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    browser_page.wait_for_load_state("networkidle")
    assert _violations(browser_page) == []


def test_the_map_draws_under_the_policy_without_violations(browser_page: Page) -> None:
    browser_page.add_init_script(COLLECT_VIOLATIONS)
    open_map(browser_page, "/kaart?level=wijk")  # waits for MapLibre's idle: its workers ran
    assert browser_page.locator("#map canvas").count() == 1
    assert _violations(browser_page) == []


def test_the_api_documentation_renders_under_its_policy(browser_page: Page) -> None:
    browser_page.add_init_script(COLLECT_VIOLATIONS)
    browser_page.goto("/api/docs")
    expect(browser_page.locator(".swagger-ui .info .title")).to_contain_text("wijkzicht")
    assert _violations(browser_page) == []


def test_a_page_refuses_to_be_framed(browser_page: Page) -> None:
    """Another page that frames ours gets an empty frame: frame-ancestors 'none' holds in the browser."""
    browser_page.add_init_script(COLLECT_VIOLATIONS)
    browser_page.route(
        "**/__frame__.html",
        lambda route: route.fulfill(content_type="text/html", body='<iframe src="/inloggen"></iframe>'),
    )
    browser_page.goto("/__frame__.html")
    frame = browser_page.frames[1]
    browser_page.wait_for_timeout(500)
    assert frame.evaluate("document.querySelector('form') === null")
