"""A focus area's programme page with published goals, measures and blockages fits a phone: its wide tables
(goal progress with the band of similar areas, measures, open blockages) scroll inside their own labelled
region, so the page is no wider than the screen, and axe-core finds no serious or critical violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page
from pydantic import BaseModel
from server_helpers import served
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.programmes import database, records, schemas
from wijkzicht.programmes.accounts import COMMAND_LINE
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import Organisation
from wijkzicht.programmes.seed import seed
from wijkzicht.web.app import create_app

ROTTERDAM_ZUID, WIJK = 9, "WK059915"  # Charlois
SCREENS = {"phone": (390, 844), "laptop": (1366, 900)}


def _create(session: Session, con: duckdb.DuckDBPyConnection, kind: str, data: BaseModel) -> int:
    return records.create(session, COMMAND_LINE, records.KINDS[kind], data, con).id


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, con: duckdb.DuckDBPyConnection
) -> Iterator[OperationalDatabase]:
    """Rotterdam-Zuid's programme since 2015, published: goals with a context band, a measure, a blockage."""
    url = f"sqlite:///{tmp_path_factory.mktemp('programma') / 'programmes.sqlite'}"
    engine = database.make_engine(url)
    database.upgrade(engine)
    engine.dispose()
    opened = OperationalDatabase.open(url)
    with opened.writing(COMMAND_LINE) as session:
        seed(session, con)
        owner = session.scalar(select(Organisation.id).where(Organisation.gemeente_code == "GM0599"))
        programme = _create(
            session,
            con,
            "programme",
            schemas.ProgrammeIn(
                focus_area_id=ROTTERDAM_ZUID,
                title="Zuid sinds 2015",
                start_year=2015,
                end_year=2030,
                status="running",
                published=True,
            ),
        )
        for indicator in ("moeite_met_rondkomen", "overgewicht"):
            goal = schemas.GoalIn(
                programme_id=programme,
                title=f"Doel {indicator} in Charlois",
                indicator=indicator,
                subgroup="18plus",
                area_code=WIJK,
                target_value=Decimal(25),
                target_year=2030,
                published=True,
            )
            _create(session, con, "goal", goal)
        measure = schemas.MeasureIn(
            programme_id=programme,
            title="Schuldhulp aan de keukentafel",
            action_line=2,
            theme="overig",
            owner_id=owner,
            budget=Decimal(250_000),
            funding_source="overig",
            status="running",
            published=True,
        )
        _create(session, con, "measure", measure)
        blockage = schemas.BlockageIn(
            focus_area_id=ROTTERDAM_ZUID,
            title="Geen gegevens over schulden per wijk",
            description="De gemeente mag de gegevens van de schuldhulp niet per wijk delen.",
            category="data",
            escalation="national",
            owner_id=owner,
            raised_on=date(2024, 3, 1),
            status="open",
            published=True,
        )
        _create(session, con, "blockage", blockage)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def server(store: OperationalDatabase, warehouse_path: Path) -> Iterator[str]:
    app = create_app(warehouse_path, store.engine.url.render_as_string(hide_password=False))
    with served(app) as base:
        yield base
    app.state.programmes.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_programme_page_with_goals_fits_the_screen(
    browser: Browser, server: str, screen: str, assert_accessible: Callable[[Page], None]
) -> None:
    width, height = SCREENS[screen]
    context = browser.new_context(base_url=server, viewport={"width": width, "height": height})
    page = context.new_page()
    response = page.goto(f"/programma/{ROTTERDAM_ZUID}", wait_until="load")
    assert response is not None and response.status == 200
    assert page.get_by_text("Doel moeite_met_rondkomen in Charlois").count() == 1
    assert page.get_by_text("Schuldhulp aan de keukentafel").count() == 1
    assert page.get_by_text("Geen gegevens over schulden per wijk").count() == 1
    document_width = page.evaluate("document.documentElement.scrollWidth")
    assert document_width <= width + 1, f"/programma/{ROTTERDAM_ZUID} is {document_width} px wide"
    assert_accessible(page)
    context.close()
