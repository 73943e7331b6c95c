"""End to end in Chromium: from a profile's worst domain to a matching intervention, then an expert request
filed by a partner, seen in the pool, assigned and answered by the coordinator, and closed by the partner;
and the help desk: a partner asks, the administrator answers and publishes it as a frequently asked question,
which the public finds by searching the library. Every page is checked with axe-core. The intervention, the
expert and the question are hand-made test examples, in a throw-away operational database."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page, expect
from server_helpers import served

from wijkzicht.programmes.accounts import COMMAND_LINE, add_user
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.seed import seed
from wijkzicht.web.app import create_app
from wijkzicht.wijkwijzer import library, pool

PASSWORD = "een lang genoeg wachtwoord"
ROTTERDAM_ZUID = 9


@pytest.fixture(scope="module")
def worst_area(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(
        "SELECT area_code FROM area_index WHERE level = 'wijk' AND area_code LIKE 'WK0599%' AND worst_domains > 0 "
        "ORDER BY worst_domains DESC, area_code LIMIT 1"
    ).fetchone()[0]


@pytest.fixture(scope="module")
def server(
    warehouse_path: Path,
    con: duckdb.DuckDBPyConnection,
    tmp_path_factory: pytest.TempPathFactory,
    worst_area: str,
) -> Iterator[tuple[str, str]]:
    """The application on its own operational database, with accounts, one expert, and one library entry
    for every domain (so whichever domain is worst on the profile has one)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('wijkwijzer') / 'programmes.sqlite'}"
    application = create_app(warehouse_path, url)
    store: OperationalDatabase = application.state.programmes
    with store.writing(COMMAND_LINE) as session:
        seed(session, con)
        add_user(
            session,
            COMMAND_LINE,
            username="beheer",
            display_name="Beheer",
            role="administrator",
            password=PASSWORD,
        )
        add_user(
            session,
            COMMAND_LINE,
            username="partner-zuid",
            display_name="Partner",
            role="partner",
            password=PASSWORD,
            focus_area_id=ROTTERDAM_ZUID,
        )
        domains = ["education", "work_poverty_inclusion", "safety", "housing", "health", "liveability"]
        for domain in domains:
            library.create(
                session,
                COMMAND_LINE,
                library.InterventionIn(
                    title=f"Voorbeeldaanpak {domain}",
                    summary="Een voorbeeld voor de test.",
                    domains=[domain],
                    evidence="theoretical",
                    example=True,
                    published=True,
                ),
            )
        pool.add_expert(session, COMMAND_LINE, pool.ExpertIn(name="Voorbeeldexpert", domains=domains))
    with served(application) as base:
        yield base, worst_area
    store.close()


def log_in(page: Page, username: str) -> None:
    page.goto("/inloggen")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()


def test_from_a_worst_domain_to_an_intervention_and_an_answered_expert_request(
    browser: Browser, server: tuple[str, str], assert_accessible: Callable[[Page], None]
) -> None:
    base, code = server
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "partner-zuid")

    page.goto(f"/gebied/{code}")
    section = page.locator("#wijkwijzer-section")
    expect(section.get_by_role("heading", level=2)).to_have_text(
        "Wat werkt elders: interventies voor de zwakste domeinen"
    )
    assert_accessible(page)
    section.get_by_role("link", name="Voorbeeldaanpak").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Voorbeeldaanpak")
    expect(page.get_by_role("note")).to_contain_text("voorbeeld")
    assert_accessible(page)

    page.get_by_role("link", name="Vraag een expert").click()
    page.get_by_label("Focusgebied").select_option(str(ROTTERDAM_ZUID))
    page.get_by_label("Gebiedscode (optioneel)").fill(code)
    page.get_by_label("Vraag", exact=True).fill("Welke aanpak past bij deze wijk, en wie heeft ervaring?")
    assert_accessible(page)
    page.get_by_role("button", name="Vraag indienen").click()
    expect(page.locator("#request-status")).to_have_text("open")
    expect(page.get_by_role("list").filter(has_text="Voorbeeldexpert")).to_be_visible()  # the suggestion

    page.goto("/expertpool")
    expect(page.locator("#pool-requests")).to_contain_text("Welke aanpak past bij deze wijk")
    assert_accessible(page)
    log_out(page)

    log_in(page, "beheer")
    page.goto("/expertpool")
    page.locator("#pool-requests").get_by_role("link", name="Welke aanpak").click()
    page.get_by_label("Expert", exact=True).select_option(label="Voorbeeldexpert")
    page.get_by_role("button", name="Expert koppelen").click()
    expect(page.locator("#request-status")).to_have_text("expert gekoppeld")
    page.get_by_label("Antwoord").fill("Begin bij de interventies in de wijkwijzer en bel de expert.")
    page.get_by_role("button", name="Antwoord opslaan").click()
    expect(page.locator("#request-answer")).to_have_text(
        "Begin bij de interventies in de wijkwijzer en bel de expert."
    )
    request_url = page.url
    log_out(page)

    log_in(page, "partner-zuid")
    page.goto(request_url)
    page.get_by_label("Evaluatie").fill("Bruikbaar.")
    page.get_by_role("button", name="Afsluiten").click()
    expect(page.locator("#request-status")).to_have_text("afgesloten")
    assert_accessible(page)
    context.close()


def test_a_help_desk_question_becomes_a_faq_the_public_finds_in_the_library(
    browser: Browser, server: tuple[str, str], assert_accessible: Callable[[Page], None]
) -> None:
    base, _ = server
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "partner-zuid")
    page.goto("/wijkwijzer")
    page.get_by_role("link", name="Vraagbaak").click()
    assert_accessible(page)
    page.get_by_role("link", name="Nieuwe vraag aan de vraagbaak").click()
    page.get_by_role("button", name="Opslaan").click()  # nothing filled in: the form comes back
    summary = page.locator("#form-errors")
    expect(summary).to_contain_text("Vraag")
    assert_accessible(page)  # with the error summary and the marked fields
    summary.get_by_role("link", name="Vraag", exact=True).focus()
    page.keyboard.press("Enter")  # the summary's link leads the keyboard to the field
    question = page.get_by_label(re.compile("^Vraag"))
    expect(question).to_be_focused()
    expect(question).to_have_attribute("aria-invalid", "true")
    page.get_by_label(re.compile("^Categorie")).select_option("funding")
    page.get_by_label(re.compile("^Domein")).select_option("housing")
    question.fill("Testvraag: kan het Volkshuisvestingsfonds portiekflats in Zuid verduurzamen?")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#question-status")).to_have_text("open")
    question_url = page.url
    log_out(page)

    log_in(page, "beheer")
    page.goto(question_url)
    assert_accessible(page)
    page.get_by_role("textbox", name=re.compile("^Antwoord")).fill(
        "Testantwoord: ja, als de corporatie meedoet."
    )
    page.get_by_role("button", name="Antwoord opslaan").click()
    expect(page.locator("#question-status")).to_have_text("beantwoord")
    page.get_by_role("textbox", name=re.compile("^Titel voor het publiek")).fill(
        "Testitem: portiekflats verduurzamen"
    )
    page.get_by_role("textbox", name=re.compile("^Tekst voor het publiek")).fill(
        "Testtekst: ja, als de corporatie meedoet."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Publiceren als veelgestelde vraag").click()
    expect(page.locator("#question-faq")).to_be_visible()
    log_out(page)

    page.goto("/wijkwijzer")  # the public
    page.get_by_label(re.compile("^Zoeken")).fill("portiekflat")
    page.get_by_role("button", name="Zoeken", exact=True).last.click()
    results = page.locator("ol.results")
    expect(results).to_contain_text("Veelgestelde vraag: Testitem: portiekflats verduurzamen")
    assert_accessible(page)
    results.get_by_role("link", name="Testitem: portiekflats verduurzamen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Veelgestelde vraag: Testitem: portiekflats verduurzamen"
    )
    expect(page.locator("main")).not_to_contain_text("Testvraag")  # the question itself stays private
    page.goto("/wijkwijzer/leernetwerk")
    assert_accessible(page)
    context.close()


def test_the_administrators_forms_pass_the_accessibility_checks(
    browser: Browser, server: tuple[str, str], assert_accessible: Callable[[Page], None]
) -> None:
    base, _ = server
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "beheer")
    page.goto("/wijkwijzer")
    page.get_by_role("link", name="Nieuw bibliotheekitem").click()
    page.get_by_label(re.compile("^Links")).fill("geen webadres")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#form-errors")).to_contain_text("Domeinen")
    assert_accessible(page)
    page.get_by_label(re.compile("^Titel")).fill("Testitem: formulier in de browser")
    page.get_by_label(re.compile("^Beschrijving")).fill("Testtekst.")
    page.get_by_label("Onderwijs").check()
    page.get_by_label(re.compile("^Links")).fill("https://example.org/test")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Testitem: formulier in de browser")
    page.get_by_role("link", name="Wijzigen").click()
    assert_accessible(page)
    page.goto("/wijkwijzer/leernetwerk/nieuw")
    assert_accessible(page)
    context.close()
