"""Real-browser tests: Debian's Chromium driven by Playwright against the application served by uvicorn.

Fixtures for every page's tests:
- `live_server`: the base URL of `create_app(warehouse_path)` on a free loopback port (one per session);
- `browser_page`: a fresh Playwright page (1280 x 900); an uncaught JavaScript error fails the test;
- `assert_accessible`: `assert_accessible(page)` runs the installed axe-core and fails on serious or
  critical WCAG 2.1 A/AA violations, listing them.

Chromium is Debian's (`apt-get install chromium`, done by `./install.sh --tests` and under CI), never a
browser downloaded by `playwright install`. Without it, or without the installed web assets, these tests
are skipped with the reason, and fail when CI=true: CI must not pass by testing nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from server_helpers import served

from wijkzicht.web import assets
from wijkzicht.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("WIJKZICHT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--enable-unsafe-swiftshader",  # WebGL through SwiftShader: there is no GPU
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
# The machines are small and shared: give pages and assertions time rather than fail on a slow moment.
PAGE_TIMEOUT_MS = 20_000
expect.set_options(timeout=15_000)


def missing_requirements() -> list[str]:
    """What the browser tests need and this machine lacks, with how to get it."""
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"no Chromium at {CHROMIUM} (./install.sh --tests installs Debian's chromium)")
    if assets.missing():
        problems.append(f"web assets not installed: {', '.join(assets.missing())} (run ./install.sh)")
    if not AXE.is_file():
        problems.append(f"axe-core not installed at {AXE} (run ./install.sh)")
    return problems


def require_browser() -> None:
    problems = missing_requirements()
    if not problems:
        return
    reason = "browser tests cannot run: " + "; ".join(problems)
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(warehouse_path: Path) -> Iterator[str]:
    """The application on a free loopback port, served by uvicorn in a thread, stopped at the end."""
    with served(create_app(warehouse_path)) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require_browser()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


def check_accessible(page: Page) -> None:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page as it is now; fail on serious or critical."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol, not added as a script tag: the pages' Content-Security-
        # Policy runs no inline script, and the tests check the pages as they are served.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},"
        " resultTypes: ['violations']})"
    )
    serious = [v for v in result["violations"] if v["impact"] in SERIOUS]
    listing = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in serious
    )
    assert not serious, f"axe-core found serious or critical violations on {page.url}:\n{listing}"


@pytest.fixture
def assert_accessible() -> Callable[[Page], None]:
    return check_accessible
