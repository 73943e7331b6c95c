"""Resident input end to end in a real browser: a resident sends an idea, it waits in moderation, the area
editor of Rotterdam-Zuid publishes and answers it, the public page shows it without the contact, and the
retention period deletes the contact. Every page passes axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page, expect
from server_helpers import served
from sqlalchemy import select

from wijkzicht.programmes import database, resident_input
from wijkzicht.programmes.accounts import COMMAND_LINE, add_user
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import ResidentInput
from wijkzicht.programmes.seed import seed
from wijkzicht.web.app import create_app

BUURT = "BU05991087"  # Feijenoord, Rotterdam-Zuid
IDEA = "Een buurtfeest op het Afrikaanderplein, zodat buren elkaar leren kennen."
CONTACT = "buurtbewoner@example.org"
EDITOR, PASSWORD = "redacteur-zuid", "een lang genoeg wachtwoord"


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, con: duckdb.DuckDBPyConnection
) -> Iterator[OperationalDatabase]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bewoners') / 'programmes.sqlite'}"
    engine = database.make_engine(url)
    database.upgrade(engine)
    engine.dispose()
    opened = OperationalDatabase.open(url)
    with opened.writing(COMMAND_LINE) as session:
        seed(session, con)
        add_user(
            session,
            COMMAND_LINE,
            username=EDITOR,
            display_name="Redacteur Zuid",
            role="area_editor",
            password=PASSWORD,
            focus_area_id=9,
        )
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def server(store: OperationalDatabase, warehouse_path: Path) -> Iterator[str]:
    """The application on its own operational database, served by uvicorn on a free loopback port."""
    app = create_app(warehouse_path, store.engine.url.render_as_string(hide_password=False))
    with served(app) as base:
        yield base
    app.state.programmes.close()


def fresh_page(browser: Browser, server: str) -> Page:
    page = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    return page


def test_a_resident_idea_is_moderated_published_answered_and_its_contact_deleted(
    browser: Browser, server: str, store: OperationalDatabase, assert_accessible: Callable[[Page], None]
) -> None:
    resident = fresh_page(browser, server)
    resident.goto(f"/wijk/{BUURT}")
    assert_accessible(resident)
    resident.get_by_label("Een idee").check()
    resident.get_by_label("Waar gaat het over?").select_option(label="Leefbaarheid")
    resident.get_by_label("Uw bericht").fill(IDEA)
    resident.get_by_label("E-mail of telefoon (als u antwoord wilt)").fill(CONTACT)
    resident.get_by_role("button", name="Versturen").click()
    expect(resident.locator("#sent")).to_contain_text("Bedankt")
    expect(resident.locator("#said")).to_be_visible()
    assert IDEA not in resident.content()  # waiting in moderation, not public

    editor = fresh_page(browser, server)
    editor.goto("/inloggen")
    editor.get_by_label("Gebruikersnaam").fill(EDITOR)
    editor.get_by_label("Wachtwoord").fill(PASSWORD)
    editor.get_by_role("button", name="Inloggen", exact=True).click()
    editor.wait_for_url("**/programma/9")  # the editor's own focus area
    editor.goto("/bewoners/moderatie")
    item = editor.locator("section.moderation").filter(has_text=IDEA)
    expect(item.locator(".contact")).to_have_text(CONTACT)
    assert_accessible(editor)
    item.get_by_label("Antwoord (openbaar)").fill("Mooi plan. Het wijkteam neemt contact met u op.")
    item.get_by_role("button", name="Publiceren").click()
    expect(editor.locator("#queue-empty")).to_be_visible()
    expect(editor.locator("#input-counts tr[data-domain='liveability'] td").nth(1)).to_have_text("1")

    resident.goto(f"/wijk/{BUURT}")
    shown = resident.locator("#resident-inputs li").filter(has_text=IDEA)
    expect(shown.locator(".answer")).to_contain_text("Het wijkteam neemt contact met u op.")
    assert CONTACT not in resident.content() and "Redacteur" not in resident.locator("#said").inner_text()
    assert_accessible(resident)

    with store.writing(resident_input.RETENTION) as session:
        assert resident_input.purge_contacts(session, now=datetime.now(UTC) + timedelta(days=91)) == 1
    with store.reading() as session:
        [kept] = session.scalars(select(ResidentInput)).all()
    assert (kept.contact, kept.text, kept.status) == (None, IDEA, "published")
