"""Every public page fits a phone (390 x 844) and a laptop (1366 x 900): nothing wider than the screen (wide
tables scroll inside their own labelled region), and axe-core finds no serious or critical violation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page

PUBLIC_PAGES = (
    "/",
    "/zoeken?q=Overvecht",
    "/gebied/WK034403",  # a wijk: Overvecht
    "/gebied/GM0599",  # a gemeente: Rotterdam
    "/gebied/BU03630000",  # a buurt: Kop Zeedijk
    "/gebied/NL00",
    "/ranglijst",
    "/ranglijst?level=focusgebied",
    "/ranglijst?level=buurt&domain=health",
    "/vergelijk?gebied=WK034403&gebied=WK059915&gebied=GM0599",
    "/kaart",
    "/kaart?level=wijk",
    "/focusgebieden",
    "/focusgebieden/9",
    "/ondermijning/WK034403",
    "/wijk/WK059915",
    "/methode",
    "/methode/technisch",
    "/methode/gevoeligheid",
    "/zoeken?naar=wijk&q=Charlois",
    "/zoeken?naar=ondermijning",
    "/wijkwijzer",
    "/inloggen",
    "/programma",
    "/programma/9",
)
SCREENS = {"phone": (390, 844), "laptop": (1366, 900)}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_public_page_is_wider_than_the_screen_and_none_has_serious_violations(
    browser: Browser, live_server: str, screen: str, assert_accessible: Callable[[Page], None]
) -> None:
    width, height = SCREENS[screen]
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
    page = context.new_page()
    too_wide = {}
    for url in PUBLIC_PAGES:
        # "load": the stylesheets are in (DOMContentLoaded may come first, and an unstyled table is wide)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        document_width = page.evaluate("document.documentElement.scrollWidth")
        if document_width > width + 1:  # a pixel of rounding
            too_wide[url] = document_width
        if screen == "phone":
            assert_accessible(page)
    context.close()
    assert not too_wide, f"pages wider than {width} px: {too_wide}"
