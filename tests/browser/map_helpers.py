"""Driving the map page in the browser tests: open it, and point the mouse at a geographic place."""

from __future__ import annotations

from playwright.sync_api import Page

ROTTERDAM = (4.48, 51.92)  # a point inside the gemeente Rotterdam (GM0599)
AMSTERDAM = (4.90, 52.37)  # inside Amsterdam (GM0363)
DASH = "\u2013"  # the en dash of the class labels, e.g. "percentiel 90-100"


def open_map(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map[data-ready='idle']")


def hover(page: Page, lon_lat: tuple[float, float]) -> None:
    """Move the mouse over a geographic point of the map (scrolled into view first)."""
    page.locator("#map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "([lon, lat]) => { const p = wijkzichtMap.project([lon, lat]); return [p.x, p.y]; }", lon_lat
    )
    box = page.locator("#map canvas").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
