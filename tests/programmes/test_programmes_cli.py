"""The programme steering commands: seed, the first administrator, the report, and their errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wijkzicht.cli.main import app
from wijkzicht.programmes.accounts import Actor, authenticate
from wijkzicht.programmes.database import OperationalDatabase

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
    with store.writing(Actor(None, "test", "analyst")) as session:  # a password rehash would be a write
        assert authenticate(session, "beheer", "een lang wachtwoord").role == "administrator"
        assert authenticate(session, "beheer", "fout wachtwoord!") is None
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
    assert short.exit_code == 1 and "password" in short.output

    pdf = tmp_path / "zuid.pdf"
    made = runner.invoke(app, ["report", "rotterdam-zuid", "-o", str(pdf), *where])
    assert made.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF"), made.output
    html = runner.invoke(app, ["report", "nederland", "--lang", "en", *where])
    assert html.exit_code == 0 and "Progress and blockages: national overview" in html.output
    unknown = runner.invoke(app, ["report", "atlantis", *where])
    assert unknown.exit_code == 1 and "unknown focus area 'atlantis'" in unknown.output
    wrong_suffix = runner.invoke(app, ["report", "9", "-o", str(tmp_path / "r.docx"), *where])
    assert wrong_suffix.exit_code == 1 and "must end in .pdf or .html" in wrong_suffix.output
