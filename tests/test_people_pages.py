"""Pages for people: the method in plain words, navigation to every public part, breadcrumbs with names."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from readability import measure, text_of_html


def main_text(html: str) -> str:
    return text_of_html(html[html.index("<main") : html.index("</main>")])


def test_the_method_for_people_is_plain_dutch_without_developer_names(web: TestClient) -> None:
    html = web.get("/methode").text
    text = main_text(html)
    assert "Wat zegt een score niet?" in text and "Nooit over één persoon of één gezin" in text
    # no module, file or test names, no code: those are in the technical method, one click further
    for developer_word in (".py", ".md", "wijkzicht.", "tests/", "docs/", "`"):
        assert developer_word not in text, developer_word
    assert "<code>" not in html
    assert re.search(r'<a id="technical-method" href="/methode/technisch">', html)
    assert measure(text).b1, measure(text)


def test_the_method_for_people_is_english_on_the_english_site(web: TestClient) -> None:
    text = main_text(web.get("/methode?lang=en").text)
    assert "What does a score not say?" in text and "Wat zegt" not in text


def test_the_technical_method_is_one_click_further_and_the_map_links_to_it(web: TestClient) -> None:
    technical = web.get("/methode/technisch").text
    assert "does NOT mean" in technical and 'href="/methode"' in technical
    kaart = web.get("/kaart").text
    assert "docs/method.md" not in kaart
    assert 'href="/methode"' in kaart[kaart.index("<main") :] and 'href="/methode/technisch"' in kaart


def test_the_menu_reaches_every_public_part(web: TestClient) -> None:
    html = web.get("/").text
    menu = html[html.index('class="wrap site-nav"') :].split("</nav>", 1)[0]
    for href, label in (
        ("/zoeken?naar=ondermijning", "Ondermijning"),
        ("/zoeken?naar=wijk", "Voor bewoners"),
        ("/methode", "Methode"),
        ("/inloggen", "Inloggen"),
        ("/kaart", "Kaart"),
    ):
        assert f'<a href="{href}" >{label}</a>' in menu, label
    english = web.get("/?lang=en").text
    assert '<a href="/zoeken?naar=wijk&amp;lang=en" >For residents</a>' in english


def test_residents_find_their_own_page_through_the_menu(web: TestClient) -> None:
    found = web.get("/zoeken", params={"naar": "wijk", "q": "Charlois"}).text
    assert "Voor bewoners: zoek uw wijk of buurt" in found
    assert '<a href="/wijk/WK059915">Charlois</a>' in found
    assert web.get("/zoeken", params={"naar": "ergens"}).status_code == 422
    undermining = web.get("/zoeken", params={"naar": "ondermijning", "q": "Rotterdam"}).text
    assert '<a href="/ondermijning/GM0599">Rotterdam</a>' in undermining


def test_a_buurts_breadcrumb_names_its_wijk(web: TestClient) -> None:
    html = web.get("/gebied/BU05991570").text  # Charlois Zuidrand, in wijk Charlois
    crumbs = html[html.index('class="breadcrumb"') :].split("</nav>", 1)[0]
    assert '<a href="/gebied/WK059915">Charlois</a>' in crumbs
    assert "wijk 059915" not in crumbs
