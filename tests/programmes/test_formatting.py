"""One figure, shown the same way everywhere in a language: the profile, a programme page, the governance
report (HTML and PDF) and the command line; and the goal form in the page's language."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from programmes_helpers import ROTTERDAM_ZUID, login
from typer.testing import CliRunner

from wijkzicht.catalogue import load_catalogue
from wijkzicht.cli.main import app as cli
from wijkzicht.i18n import format_number

API = "/api/programmes"
WIJK, INDICATOR, SUBGROUP = "WK059910", "moeite_met_rondkomen", "18plus"
SQLITE_ONLY = pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)  # the store plays no part


@pytest.mark.parametrize(
    ("value", "language", "decimals", "signed", "shown"),
    [
        (1234.5, "nl", None, False, "1.234,5"),
        (1234.5, "en", None, False, "1,234.5"),
        (60.55, "nl", 1, False, "60,5"),
        (60.6, "en", None, False, "60.6"),
        (3.4151, "nl", 2, True, "+3,42"),
        (-20.1, "en", None, True, "-20.1"),
        (1234, "nl", None, False, "1.234"),
        (None, "en", None, False, "—"),
    ],
)
def test_one_formatter_per_language(
    value: float | None, language: str, decimals: int | None, signed: bool, shown: str
) -> None:
    assert format_number(value, language, decimals, signed=signed) == shown


def _goal(app: FastAPI) -> None:
    """A published programme of Rotterdam-Zuid with one goal on the figure this test follows."""
    admin = login(app, "administrator")
    programme = admin.post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Programma",
            "start_year": 2022,
            "end_year": 2032,
            "status": "running",
            "published": True,
        },
    )
    assert programme.status_code == 201, programme.text
    goal = admin.post(
        f"{API}/goals",
        json={
            "programme_id": programme.json()["id"],
            "title": "Minder geldzorgen",
            "indicator": INDICATOR,
            "subgroup": SUBGROUP,
            "area_code": WIJK,
            "target_value": 25,
            "target_year": 2030,
            "published": True,
        },
    )
    assert goal.status_code == 201, goal.text


def _latest(con: duckdb.DuckDBPyConnection) -> float:
    row = con.execute(
        """SELECT value FROM observations WHERE indicator = ? AND area_code = ? AND subgroup = ?
           AND value IS NOT NULL ORDER BY period DESC LIMIT 1""",
        [INDICATOR, WIJK, SUBGROUP],
    ).fetchone()
    assert row is not None
    return row[0]


def _pdf_text(client: TestClient, path: str, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is missing: .ci/run installs it")
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = folder / "rapport.pdf"
    pdf.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def _without_drawings(html: str) -> str:
    """A page without its SVG charts: their coordinates are numbers for the browser, not figures for people
    (the chart's figures are in its table, which stays)."""
    return re.sub(r"<svg\b.*?</svg>", "", html, flags=re.DOTALL)


def _cli(*arguments: str) -> str:
    result = CliRunner().invoke(cli, list(arguments), env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.stdout


@SQLITE_ONLY
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_figure_reads_the_same_on_every_page_report_and_command(
    app: FastAPI, con: duckdb.DuckDBPyConnection, warehouse_path: Path, tmp_path: Path, language: str
) -> None:
    _goal(app)
    shown = format_number(_latest(con), language)
    other = format_number(_latest(con), "en" if language == "nl" else "nl")
    assert shown != other, "the figure must have decimals to tell the languages apart"
    query = "" if language == "nl" else "?lang=en"
    analyst = login(app, "analyst")
    outputs = {
        "profile": _without_drawings(analyst.get(f"/gebied/{WIJK}{query}").text),
        "programme page": analyst.get(f"/programma/{ROTTERDAM_ZUID}{query}").text,
        "report": analyst.get(f"/programma/{ROTTERDAM_ZUID}/rapport.html{query}").text,
        "report pdf": _pdf_text(analyst, f"/programma/{ROTTERDAM_ZUID}/rapport.pdf{query}", tmp_path),
        "wijkzicht area": _cli("area", WIJK, "--lang", language, "--db", str(warehouse_path)),
        "wijkzicht compare": _cli(
            "compare", WIJK, "--indicator", INDICATOR, "--lang", language, "--db", str(warehouse_path)
        ),
    }
    for output, text in outputs.items():
        assert shown in text, f"{output} does not show {shown}"
        assert other not in text, f"{output} shows {other}, the other language's way"


@SQLITE_ONLY
def test_the_goal_form_in_english_names_indicators_and_subgroups_in_english(app: FastAPI) -> None:
    catalogue = load_catalogue()
    programme = login(app, "administrator").post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Programma",
            "start_year": 2022,
            "end_year": 2032,
            "status": "running",
            "published": True,
        },
    )
    page = (
        login(app, "area_editor")
        .get(f"/programma/nieuw/goal?programme_id={programme.json()['id']}&lang=en")
        .text
    )
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page))
    indicator = catalogue.indicators[INDICATOR]
    assert (
        options[INDICATOR] == f"{indicator.name('en')} ({INDICATOR})" != f"{indicator.name_nl} ({INDICATOR})"
    )
    assert options[SUBGROUP] == catalogue.subgroups[SUBGROUP]["en"]
