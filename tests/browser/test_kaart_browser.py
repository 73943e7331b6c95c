"""The map page in a real browser: it draws, shows the warehouse's values, switches measure, level and
language, leads to an area's profile by mouse and by keyboard, and has no serious accessibility problem."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from map_helpers import AMSTERDAM, DASH, ROTTERDAM, hover, open_map
from playwright.sync_api import Page, expect


def dutch(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def test_hovering_an_area_shows_the_warehouses_domain_score(
    browser_page: Page, con: duckdb.DuckDBPyConnection
) -> None:
    open_map(browser_page, "/kaart?measure=domain:health")
    score, percentile = con.execute(
        "SELECT score, percentile FROM domain_scores WHERE area_code = 'GM0599' AND level = 'gemeente' "
        "AND domain = 'health' AND period = 2020 AND subgroup = '18plus' AND boundary_year = 2024"
    ).fetchone()
    hover(browser_page, ROTTERDAM)
    tooltip = browser_page.locator("#map-hover")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Rotterdam (GM0599)")
    expect(tooltip).to_contain_text(f"{dutch(score)} score 0{DASH}100")
    lower = max(bound for bound in (0, 25, 50, 75, 90) if percentile >= bound)
    expect(tooltip).to_contain_text(f"percentiel {lower}{DASH}")


def test_switching_measure_and_level_keeps_the_state_in_the_url_and_shows_the_warehouses_values(
    browser_page: Page, con: duckdb.DuckDBPyConnection
) -> None:
    open_map(browser_page, "/kaart")
    browser_page.select_option("#map-measure", "indicator:eenzaam")
    browser_page.get_by_role("button", name="Toon").click()
    browser_page.wait_for_url("**/kaart?*measure=indicator%3Aeenzaam*")
    browser_page.wait_for_selector("#map[data-ready='idle']")
    code, value = con.execute(
        "SELECT area_code, value FROM standardised WHERE indicator = 'eenzaam' AND level = 'gemeente' "
        "AND period = 2020 AND subgroup = '18plus' AND status = 'ranked' ORDER BY percentile DESC, value DESC, "
        "area_code LIMIT 1"
    ).fetchone()
    first = browser_page.locator("table.map-table tbody tr").first
    expect(first).to_have_attribute("data-code", code)
    expect(first.locator("td.number").nth(1)).to_have_text(dutch(value))

    browser_page.select_option("#map-level", "wijk")
    browser_page.get_by_role("button", name="Toon").click()
    browser_page.wait_for_url("**/kaart?level=wijk&measure=indicator%3Aeenzaam*")
    browser_page.wait_for_selector("#map[data-ready='idle']")  # the 2024 wijk polygons are in the snapshot
    wijk, wijk_value = con.execute(
        "SELECT area_code, value FROM standardised WHERE indicator = 'eenzaam' AND level = 'wijk' "
        "AND period = 2020 AND subgroup = '18plus' AND status = 'ranked' ORDER BY percentile DESC, value DESC, "
        "area_code LIMIT 1"
    ).fetchone()
    expect(browser_page.locator("table.map-table tbody tr").first).to_have_attribute("data-code", wijk)
    expect(browser_page.locator("table.map-table tbody tr").first).to_contain_text(dutch(wijk_value))

    browser_page.select_option("#map-level", "buurt")
    browser_page.get_by_role("button", name="Toon").click()
    browser_page.wait_for_url("**/kaart?level=buurt&measure=indicator%3Aeenzaam*")
    expect(browser_page.locator("#map")).to_have_count(0)
    expect(browser_page.get_by_text("geen grenzen in het magazijn")).to_be_visible()


def test_clicking_an_area_opens_its_profile(browser_page: Page) -> None:
    open_map(browser_page, "/kaart?measure=stacking&lang=en")
    hover(browser_page, AMSTERDAM)
    browser_page.mouse.down()
    browser_page.mouse.up()
    browser_page.wait_for_url("**/gebied/GM0363?lang=en")


def test_the_map_works_from_the_keyboard(browser_page: Page) -> None:
    open_map(browser_page, "/kaart")
    browser_page.locator("#map canvas").focus()
    for _ in range(3):  # zoom in towards the centre so one area fills the ring
        browser_page.keyboard.press("Equal")
    browser_page.wait_for_selector("#map[data-ready='idle']")
    info = browser_page.locator("#map-info")
    expect(info).to_contain_text("Enter opent het profiel")
    code = info.inner_text().split("(")[1].split(")")[0]
    browser_page.keyboard.press("Enter")
    browser_page.wait_for_url(f"**/gebied/{code}")


def test_the_language_switch_keeps_the_map_and_its_state(browser_page: Page) -> None:
    open_map(browser_page, "/kaart?measure=domain:health")
    browser_page.get_by_role("link", name="English").click()
    browser_page.wait_for_url("**/kaart?measure=domain%3Ahealth&lang=en")
    browser_page.wait_for_selector("#map[data-ready='idle']")
    expect(browser_page.locator("html")).to_have_attribute("lang", "en")
    expect(browser_page.locator(".map-legend")).to_contain_text("with the most problems")
    hover(browser_page, ROTTERDAM)
    expect(browser_page.locator("#map-hover")).to_contain_text("Click to open the profile")


def test_the_map_page_has_no_serious_accessibility_violations(
    browser_page: Page, assert_accessible: Callable[[Page], None]
) -> None:
    open_map(browser_page, "/kaart")
    assert_accessible(browser_page)
    browser_page.goto("/kaart?level=buurt&measure=stacking&gemeente=GM0344&lang=en")
    assert_accessible(browser_page)


def test_the_map_and_the_api_documentation_load_nothing_from_another_host(
    browser_page: Page, live_server: str
) -> None:
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    open_map(browser_page, "/kaart")
    browser_page.goto("/api/docs")
    expect(browser_page.locator(".swagger-ui .info .title")).to_contain_text("wijkzicht")
    expect(browser_page.locator(".opblock-summary-path", has_text="/api/map/values")).to_be_visible()
    elsewhere = [url for url in requested if not url.startswith((live_server, "data:", "blob:"))]
    assert requested and not elsewhere, f"requests to other hosts: {elsewhere}"
