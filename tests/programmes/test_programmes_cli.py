"""The programme steering commands: seed, the first administrator, the report, the contact purge, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from programmes_helpers import goal_made_before_the_rule
from sqlalchemy import select
from typer.testing import CliRunner

from wijkzicht.catalogue import load_catalogue
from wijkzicht.cli.main import app
from wijkzicht.programmes import resident_input
from wijkzicht.programmes.accounts import COMMAND_LINE, PUBLIC, credentials, password_matches
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import Programme, ResidentInput
from wijkzicht.programmes.resident_input import InputIn, input_domains

runner = CliRunner()


def test_seed_first_administrator_and_report(warehouse_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'programmes.sqlite'}"
    where = ["--db", str(warehouse_path), "--programmes-db", url]
    seeded = runner.invoke(app, ["programmes", "seed", *where])
    assert seeded.exit_code == 0 and "20 focusgebieden toegevoegd" in seeded.output, seeded.output
    assert "0 focusgebieden toegevoegd" in runner.invoke(app, ["programmes", "seed", *where]).output

    added = runner.invoke(
        app,
        [
            "users",
            "add",
            "beheer",
            "--role",
            "administrator",
            "--name",
            "Beheerder",
            "--password-stdin",
            *where,
        ],
        input="een lang wachtwoord\n",
    )
    assert added.exit_code == 0, added.output
    store = OperationalDatabase.open(url)
    with store.reading() as session:
        stored = credentials(session, "beheer")
    assert password_matches(stored, "een lang wachtwoord")
    assert not password_matches(stored, "fout wachtwoord!")
    store.close()

    refused = runner.invoke(
        app,
        ["users", "add", "x", "--role", "partner", "--name", "X", "--password-stdin", *where],
        input="een lang wachtwoord\n",
    )
    assert refused.exit_code == 1 and "focus_area_id" in refused.output
    short = runner.invoke(
        app,
        ["users", "add", "y", "--role", "analyst", "--name", "Y", "--password-stdin", *where],
        input="kort\n",
    )
    assert short.exit_code == 1 and "wachtwoord: gebruik 12 tot 200 tekens" in short.output
    common = runner.invoke(
        app,
        ["users", "add", "z", "--role", "analyst", "--name", "Z", "--password-stdin", *where],
        input="password1234\n",
    )
    assert common.exit_code == 1 and "te makkelijk te raden" in common.output

    pdf = tmp_path / "zuid.pdf"
    made = runner.invoke(app, ["report", "rotterdam-zuid", "-o", str(pdf), *where])
    assert made.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF"), made.output
    html = runner.invoke(app, ["report", "nederland", "--lang", "en", *where])
    assert html.exit_code == 0 and "Progress and blockages: national overview" in html.output
    unknown = runner.invoke(app, ["report", "atlantis", *where])
    assert unknown.exit_code == 1 and "unknown focus area 'atlantis'" in unknown.output
    wrong_suffix = runner.invoke(app, ["report", "9", "-o", str(tmp_path / "r.docx"), *where])
    assert wrong_suffix.exit_code == 1 and "moet eindigen op .pdf of .html" in wrong_suffix.output


# Runs the command line in a fresh interpreter and prints which of these heavy libraries it loaded.
LOADED_LIBRARIES = """
import runpy, sys
sys.argv = ["wijkzicht", *sys.argv[1:]]
try:
    runpy.run_module("wijkzicht", run_name="__main__")
finally:
    print(sorted(name for name in ("scipy", "fastapi", "pandas") if sys.modules.get(name) is not None))
"""


def test_the_report_command_loads_no_statistics_or_web_server(warehouse_path: Path, tmp_path: Path) -> None:
    """SciPy (about a second to load) serves crime-rate intervals and FastAPI the site: the governance
    report, which shows neither, must not pay for them; nor for pandas, which DuckDB would load for the
    parameters of the report's queries (a third of a second)."""
    url = f"sqlite:///{tmp_path / 'programmes.sqlite'}"
    where = ["--db", str(warehouse_path), "--programmes-db", url]
    assert runner.invoke(app, ["programmes", "seed", *where]).exit_code == 0
    report = tmp_path / "zuid.html"
    finished = subprocess.run(
        [sys.executable, "-c", LOADED_LIBRARIES, "report", "rotterdam-zuid", "-o", str(report), *where],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Rotterdam-Zuid" in report.read_text(encoding="utf-8")
    assert finished.stdout.splitlines()[-1] == "[]", finished.stdout


def test_purge_contacts_empties_contacts_past_retention_and_counts_them(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'programmes.sqlite'}"
    where = ["--db", str(warehouse_path), "--programmes-db", url]
    assert runner.invoke(app, ["programmes", "seed", *where]).exit_code == 0
    store = OperationalDatabase.open(url)
    idea = InputIn(kind="idea", domain=input_domains()[0], text="Meer bankjes op het plein", contact="06-1")
    with store.writing(PUBLIC) as session:
        resident_input.receive(session, "GM0599", None, idea)

    kept = runner.invoke(app, ["programmes", "purge-contacts", *where])
    assert kept.exit_code == 0 and "0 contactgegevens verwijderd" in kept.output, kept.output
    monkeypatch.setenv(resident_input.RETENTION_ENV, "0")  # every input is now past its retention period
    purged = runner.invoke(app, ["programmes", "purge-contacts", *where])
    assert purged.exit_code == 0 and "1 contactgegevens verwijderd" in purged.output, purged.output
    with store.reading() as session:
        [item] = session.scalars(select(ResidentInput))
        assert item.contact is None and item.text == idea.text
    store.close()


def test_goals_add_refuses_every_context_indicator_and_list_flags_an_old_goal(
    warehouse_path: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'programmes.sqlite'}"
    where = ["--db", str(warehouse_path), "--programmes-db", url]
    assert runner.invoke(app, ["programmes", "seed", *where]).exit_code == 0
    store = OperationalDatabase.open(url)
    with store.writing(COMMAND_LINE) as session:
        programme = Programme(
            focus_area_id=9, title="Programma", start_year=2012, end_year=2030, status="running"
        )
        session.add(programme)
        session.flush()
        session.add(goal_made_before_the_rule(programme.id))
        programme_id = programme.id
    store.close()
    goal = ["goals", "add", str(programme_id), "--title", "Doel", "--area", "WK059910", "--target", "25"]
    goal += ["--target-year", "2030", *where]
    forbidden = [indicator.id for indicator in load_catalogue().indicators.values() if not indicator.scored]
    for indicator in forbidden:
        refused = runner.invoke(app, [*goal, "--indicator", indicator])
        assert refused.exit_code == 1, refused.output  # in the run's language, Dutch by default
        assert f"indicator: {indicator} " in refused.output and "probleemindicator" in refused.output
    added = runner.invoke(app, [*goal, "--indicator", "moeite_met_rondkomen", "--subgroup", "18plus"])
    assert added.exit_code == 0 and "basiswaarde 45,1 (2012)" in added.output, added.output

    listed = runner.invoke(app, ["goals", "list", "--forbidden", *where], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "herkomst_marokko" in listed.output and "group characteristic" in listed.output
    assert "moeite_met_rondkomen" not in listed.output
    assert (
        "moeite_met_rondkomen" in runner.invoke(app, ["goals", "list", *where], env={"COLUMNS": "200"}).output
    )


@pytest.mark.parametrize("focus_area", ["nederland", "9"])
def test_a_report_from_an_unseeded_database_names_the_remedy(
    warehouse_path: Path, tmp_path: Path, focus_area: str
) -> None:
    where = ["--db", str(warehouse_path), "--programmes-db", f"sqlite:///{tmp_path / 'leeg.sqlite'}"]
    refused = runner.invoke(app, ["report", focus_area, *where])
    assert refused.exit_code == 1, refused.output
    assert "wijkzicht programmes seed" in refused.output and "<table>" not in refused.output
