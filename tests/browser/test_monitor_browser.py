"""The monitor's pages in a real browser: from the map or a search to a profile whose numbers are the
warehouse's, the rankings form and its CSV download, comparison, language, and accessibility."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import duckdb
from map_helpers import ROTTERDAM, hover, open_map
from playwright.sync_api import Page, expect

from wijkzicht.i18n import format_number

OVERVECHT = "WK034403"


def test_from_the_map_to_a_profile_that_shows_the_warehouses_numbers(
    browser_page: Page, con: duckdb.DuckDBPyConnection
) -> None:
    open_map(browser_page, "/kaart?measure=domain:health")
    hover(browser_page, ROTTERDAM)
    browser_page.mouse.down()
    browser_page.mouse.up()
    browser_page.wait_for_url("**/gebied/GM0599*")
    scores = con.execute(
        """SELECT domain, score, percentile FROM domain_scores WHERE area_code = 'GM0599' AND level = 'gemeente'
           AND boundary_year = 2024 AND subgroup = 'actueel'"""
    ).fetchall()
    for domain, score, percentile in scores:
        shown = browser_page.locator(f"#domain-scores tr[data-domain='{domain}'] td")
        expect(shown.nth(0)).to_have_text(format_number(score, "nl", 1))
        expect(shown.nth(1)).to_have_text(format_number(percentile, "nl", 0))
    value = con.execute(
        """SELECT value FROM observations WHERE area_code = 'GM0599' AND indicator = 'moeite_met_rondkomen'
           AND subgroup = '18plus' AND period = 2020"""
    ).fetchone()[0]
    cell = browser_page.locator("tr[data-indicator='moeite_met_rondkomen'] td.value")
    expect(cell).to_have_text(format_number(value, "nl") + "%")


def test_search_leads_to_the_profile_and_the_language_switch_keeps_it(browser_page: Page) -> None:
    browser_page.goto("/")
    browser_page.get_by_label("Zoek een gebied").fill("overvecht")
    browser_page.get_by_role("button", name="Zoeken").click()
    browser_page.get_by_role("link", name=OVERVECHT).click()
    browser_page.wait_for_url(f"**/gebied/{OVERVECHT}")
    expect(browser_page.locator("h1")).to_contain_text("Wijk 03 Overvecht")
    browser_page.get_by_role("link", name="English").click()
    browser_page.wait_for_url(f"**/gebied/{OVERVECHT}?lang=en")
    expect(browser_page.locator("html")).to_have_attribute("lang", "en")
    expect(browser_page.get_by_role("heading", name="Problems piling up")).to_be_visible()


def test_rankings_form_filters_and_the_csv_download_holds_its_rows(browser_page: Page) -> None:
    browser_page.goto("/ranglijst")
    browser_page.get_by_label("Niveau").select_option("gemeente")
    browser_page.get_by_label("Rangschikken op").select_option("health")
    browser_page.get_by_role("button", name="Toon").click()
    browser_page.wait_for_url("**/ranglijst?level=gemeente&domain=health*")
    first = browser_page.locator("#ranking tbody tr").first
    expect(first.locator("td").first).to_have_text("1")
    with browser_page.expect_download() as download:
        browser_page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8"))))
    shown = browser_page.locator("#ranking tbody tr th a").all_inner_texts()
    assert [r["name"] for r in rows[: len(shown)]] == shown
    assert browser_page.locator("#ranking-summary").inner_text().startswith(f"{len(rows)} gemeenten")


def test_comparison_of_two_areas(browser_page: Page) -> None:
    browser_page.goto(f"/gebied/{OVERVECHT}")
    browser_page.get_by_role("link", name="Vergelijk met andere gebieden").click()
    browser_page.get_by_label("Gebied 2").fill("Feijenoord")
    browser_page.get_by_role("button", name="Vergelijk").click()
    header = browser_page.locator("#comparison thead")
    expect(header).to_contain_text("Wijk 03 Overvecht")
    expect(header).to_contain_text("Feijenoord")


def test_monitor_pages_have_no_serious_accessibility_violations(
    browser_page: Page, assert_accessible: Callable[[Page], None]
) -> None:
    for url in (
        f"/gebied/{OVERVECHT}",
        "/ranglijst?level=buurt&domain=health",
        f"/vergelijk?gebied={OVERVECHT}&gebied=GM0599",
        "/focusgebieden/9?lang=en",
        "/",
    ):
        browser_page.goto(url)
        assert_accessible(browser_page)
