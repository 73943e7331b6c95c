"""The wijk map, the focus-area comparison and a profile's location map in a real browser: the map draws the
wijken with the warehouse's values, outlines the focus areas and leads to a profile; the comparison sorts
by keyboard and links to each focus area; the location map is decoration that hides nothing."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from map_helpers import open_map
from playwright.sync_api import Page, expect

from wijkzicht.i18n import format_number

# Utrecht Overvecht, Rotterdam Feijenoord and Amsterdam's Bijlmer-Centrum (a letter code since 2022).
WIJKEN = ("WK034403", "WK059910", "WK0363TA")


def inside(con: duckdb.DuckDBPyConnection, code: str) -> tuple[float, float]:
    """A point inside the wijk's 2024 polygon."""
    row = con.execute(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM geometries "
        "WHERE code = ? AND boundary_year = 2024)",
        [code],
    ).fetchone()
    assert row, code
    return row[0], row[1]


def point_at(page: Page, lon_lat: tuple[float, float]) -> tuple[float, float]:
    """Zoom the map onto a place, wait until it has drawn, and return the place's position on the page."""
    page.evaluate(
        """([lon, lat]) => new Promise((done) => {
             wijkzichtMap.once('idle', done); wijkzichtMap.jumpTo({center: [lon, lat], zoom: 12}); })""",
        list(lon_lat),
    )
    page.locator("#map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "([lon, lat]) => { const p = wijkzichtMap.project([lon, lat]); return [p.x, p.y]; }", list(lon_lat)
    )
    box = page.locator("#map canvas").bounding_box()
    assert box
    return box["x"] + x, box["y"] + y


def test_the_wijk_map_shows_the_warehouses_values_outlines_focus_areas_and_opens_a_profile(
    browser_page: Page, con: duckdb.DuckDBPyConnection
) -> None:
    open_map(browser_page, "/kaart?level=wijk&measure=indicator:inwoners")
    # the wijk map is drawn from vector tiles (layer `areas`)
    drawn = browser_page.evaluate("wijkzichtMap.querySourceFeatures('areas', {sourceLayer: 'areas'}).length")
    assert drawn > 0
    assert browser_page.evaluate("wijkzichtMap.getLayer('focus-outline') !== undefined")
    expect(browser_page.locator(".legend-focus")).to_be_visible()
    tooltip = browser_page.locator("#map-hover")
    for code in WIJKEN:
        value, name = con.execute(
            """SELECT o.value, a.name FROM observations o JOIN areas a
                 ON a.code = o.area_code AND a.boundary_year = o.boundary_year
               WHERE o.area_code = ? AND o.indicator = 'inwoners' AND o.subgroup = 'totaal'
                 AND o.boundary_year = 2024 AND o.period = 2024""",
            [code],
        ).fetchone()
        x, y = point_at(browser_page, inside(con, code))
        browser_page.mouse.move(x, y)
        expect(tooltip).to_be_visible()
        expect(tooltip).to_contain_text(f"{name} ({code})")
        expect(tooltip).to_contain_text(format_number(value, "nl", 0))
    browser_page.mouse.click(x, y)
    browser_page.wait_for_url(f"**/gebied/{WIJKEN[-1]}")


def test_the_wijk_index_map_hovers_the_warehouses_index(
    browser_page: Page, con: duckdb.DuckDBPyConnection
) -> None:
    open_map(browser_page, "/kaart?level=wijk")
    code = WIJKEN[0]
    score = con.execute(
        "SELECT score FROM area_index WHERE area_code = ? AND level = 'wijk' AND boundary_year = 2024 "
        "AND subgroup = 'actueel'",  # the map opens on the latest picture
        [code],
    ).fetchone()[0]
    browser_page.mouse.move(*point_at(browser_page, inside(con, code)))
    expect(browser_page.locator("#map-hover")).to_contain_text(format_number(score, "nl", 1))


def _first_name(page: Page) -> str:
    return page.locator("#focus-compare tbody tr th a").first.inner_text()


def test_the_focus_area_comparison_sorts_by_keyboard_and_links(
    browser_page: Page, assert_accessible: Callable[[Page], None]
) -> None:
    browser_page.goto("/focusgebieden")
    rows = browser_page.locator("#focus-compare tbody tr")
    expect(rows).to_have_count(20)
    names = browser_page.locator("#focus-compare tbody th a").all_inner_texts()
    by_name = browser_page.get_by_role("button", name="Focusgebied", exact=True)
    by_name.focus()
    browser_page.keyboard.press("Enter")
    expect(browser_page.locator("#focus-compare th[data-key='name']")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert _first_name(browser_page) == sorted(names, key=str.lower)[0]
    expect(browser_page.locator("#focus-compare .sort-status")).to_contain_text("Focusgebied")
    assert "sort=name" in browser_page.url  # the order is in the URL, as without JavaScript
    browser_page.keyboard.press("Enter")
    assert _first_name(browser_page) == sorted(names, key=str.lower)[-1]

    index = browser_page.get_by_role("button", name="Totaalindex", exact=True)
    index.click()
    scores = [
        float(v)
        for v in browser_page.locator("#focus-compare tbody tr td[data-col='3']").evaluate_all(
            "cells => cells.map((c) => c.dataset.value).filter((v) => v !== '')"
        )
    ]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 15
    assert_accessible(browser_page)
    first = browser_page.locator("#focus-compare tbody tr th a").first
    target = first.get_attribute("href")
    first.click()
    browser_page.wait_for_url(f"**{target}")


def test_the_location_map_is_decoration_that_hides_nothing(
    browser_page: Page, assert_accessible: Callable[[Page], None]
) -> None:
    browser_page.goto(f"/gebied/{WIJKEN[0]}")
    figure = browser_page.locator("#location-map")
    browser_page.wait_for_selector("#location-map[data-ready='idle']")
    expect(figure).to_be_visible()
    expect(figure.locator(".location-map-canvas")).to_have_attribute("aria-hidden", "true")
    expect(figure.locator("figcaption")).to_contain_text("Ligging van Wijk 03 Overvecht in Utrecht")
    assert figure.locator("canvas").get_attribute("tabindex") == "-1"
    assert_accessible(browser_page)
    browser_page.goto("/gebied/BU03440000")  # a buurt: no location map, nothing left behind
    expect(browser_page.locator("#location-map")).to_have_count(0)
