"""A municipality's own resident survey as a source: imported, built, shown beside the facts, never scored.

The survey files are hand-made with invented figures (fixtures/resident_survey/README.md), and so are the
police counts they stand beside (fixtures/politie/README.md). Both are built into a throw-away warehouse
from a small part of the real snapshot (the 2024 region list and populations), never into a real one.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from police_fixture import PoliceService
from small_snapshot import small_snapshot
from wijkzicht import warehouse
from wijkzicht.cli.main import app
from wijkzicht.errors import SourceError
from wijkzicht.monitor import index
from wijkzicht.monitor.perception import side_by_side
from wijkzicht.monitor.profile import area_profile
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online
from wijkzicht.web.app import create_app

FILES = Path(__file__).parent / "fixtures" / "resident_survey"
SURVEY = FILES / "utrecht_2023.csv"
OVERVECHT, UTRECHT = "WK034403", "GM0344"
SURVEY_INDICATORS = ("veilig_voelen", "oordeel_buurt", "sociale_cohesie", "overlast_buurt")
runner = CliRunner()


def with_survey(cache: Path, *files: Path) -> Path:
    (cache / "bewoners").mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copyfile(file, cache / "bewoners" / file.name)
    return cache


@pytest.fixture(scope="module")
def survey_root(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away warehouse: small snapshot, hand-made police counts and the hand-made Utrecht survey."""
    root = tmp_path_factory.mktemp("survey")
    cache = root / "cache"
    with PoliceService(snapshot).client() as client:
        online.fetch("47018NED", cache, client=client, backoff_seconds=0)
    with_survey(cache, SURVEY)
    # The hand-made police counts cover Utrecht alone: the national share is lowered so that they are scored
    # as real national police figures would be, and the survey's exclusion is tested against that.
    build_warehouse(
        root / "wz.duckdb", [small_snapshot(snapshot, root / "snapshot"), cache], national_share=0.0
    )
    return root


@pytest.fixture(scope="module")
def survey_con(survey_root: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = warehouse.connect(survey_root / "wz.duckdb")
    yield connection
    connection.close()


def test_survey_values_land_in_the_observations_with_file_and_row(
    survey_con: duckdb.DuckDBPyConnection,
) -> None:
    rows = survey_con.execute(
        """SELECT o.area_code, o.period, o.indicator, o.value, o.missing_reason, o.boundary_year,
                  p.source_table, p.source_file, o.source_line
           FROM observations o JOIN provenance p USING (source_id)
           WHERE p.source_table = 'bewonersenquete' ORDER BY o.source_line"""
    ).fetchall()
    assert len(rows) == 7  # every row of the file, the suppressed one included
    assert rows[3] == (
        OVERVECHT,
        2023,
        "veilig_voelen",
        62.5,
        None,
        2024,
        "bewonersenquete",
        "bewoners/utrecht_2023.csv",
        5,
    )
    thin = next(row for row in rows if row[0] == OVERVECHT and row[2] == "overlast_buurt")
    assert thin[3] is None and thin[4] == "te weinig respondenten (28, minimaal 50)"


def test_survey_figures_stand_beside_the_registered_facts_of_their_theme_with_the_gemeente(
    survey_con: duckdb.DuckDBPyConnection,
) -> None:
    themes = {theme.domain: theme for theme in side_by_side(area_profile(survey_con, OVERVECHT))}
    safety = themes["safety"]
    [felt] = [f for f in safety.perceived if f.indicator == "veilig_voelen"]
    assert (felt.value, felt.period, felt.gemeente_value, felt.national_value) == (62.5, 2023, 80.0, None)
    assert felt.source_table == "bewonersenquete"
    assert {"misdrijven_totaal", "woninginbraak"} <= {f.indicator for f in safety.registered}
    [nuisance] = [f for f in themes["liveability"].perceived if f.indicator == "overlast_buurt"]
    assert nuisance.value is None and nuisance.suppressed_reason == "te weinig respondenten (28, minimaal 50)"
    assert nuisance.gemeente_value == 20.0


def test_the_profile_page_and_api_show_the_survey_figure_with_the_gemeente_and_a_suppressed_one_by_its_reason(
    survey_root: Path,
) -> None:
    with TestClient(create_app(survey_root / "wz.duckdb", f"sqlite:///{survey_root / 'p.sqlite'}")) as client:
        page = client.get(f"/gebied/{OVERVECHT}").text
        api = client.get(f"/api/areas/{OVERVECHT}/profile").json()["perception"]
    safety = next(theme for theme in api["themes"] if theme["domain"] == "safety")
    [felt] = [f for f in safety["perceived"] if f["indicator"] == "veilig_voelen"]
    assert (felt["value"], felt["gemeente_value"], felt["national_value"], felt["judgement"]) == (
        62.5,
        80,
        None,
        None,
    )
    table = page[
        page.index('id="perception-table"') : page.index("</table>", page.index('id="perception-table"'))
    ]
    felt = re.search(r'<li data-indicator="veilig_voelen"[^>]*>(.*?)</li>', table, re.DOTALL).group(1)
    assert "bewonersenquête van de gemeente, 2023" in felt
    assert "62,5%" in felt and "gemeente 80" in felt and "Nederland" not in felt
    nuisance = re.search(r'<li data-indicator="overlast_buurt"[^>]*>(.*?)</li>', table, re.DOTALL).group(1)
    assert "te weinig respondenten (28, minimaal 50)" in nuisance and "35" not in nuisance
    registered = table[table.index('data-domain="safety"') :]
    assert 'data-indicator="misdrijven_totaal"' in registered.split("</tr>")[0]


def test_no_survey_figure_enters_the_standardisation_domain_scores_or_stacking(
    survey_con: duckdb.DuckDBPyConnection,
) -> None:
    standardised = survey_con.execute(
        f"SELECT count(*) FROM standardised WHERE indicator IN {SURVEY_INDICATORS}"
    ).fetchone()[0]
    assert standardised == 0
    safety_indicators = survey_con.execute(
        "SELECT DISTINCT indicator FROM standardised WHERE domain = 'safety' AND status = 'ranked'"
    ).fetchall()
    assert safety_indicators and not {row[0] for row in safety_indicators} & set(SURVEY_INDICATORS)
    explained = index.explain(survey_con, OVERVECHT, index.Selection(level="wijk", period=2023))
    used = {c.indicator for domain in explained.domains for c in domain.indicators}
    assert used and not used & set(SURVEY_INDICATORS)


def test_the_real_snapshot_warehouse_holds_no_survey_figures(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute(
        "SELECT count(*) FROM provenance WHERE source_table = 'bewonersenquete'"
    ).fetchone() == (0,)


def test_a_broken_survey_file_stops_the_build_naming_the_file_and_rows(
    snapshot: Path, tmp_path: Path
) -> None:
    cache = with_survey(tmp_path / "cache", FILES / "bad.csv")
    database = tmp_path / "wz.duckdb"
    with pytest.raises(SourceError) as refused:
        build_warehouse(database, [small_snapshot(snapshot, tmp_path / "snapshot"), cache])
    message = str(refused.value)
    assert str(cache / "bewoners" / "bad.csv") in message
    assert "row 2: unknown area code 'WK999999'" in message and "row 4: value 112" in message
    assert not database.exists()


def test_the_same_figure_in_two_survey_files_stops_the_build_naming_both(
    snapshot: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "utrecht_again.csv"
    shutil.copyfile(SURVEY, copy)
    cache = with_survey(tmp_path / "cache", SURVEY, copy)
    with pytest.raises(
        SourceError,
        match=r"utrecht_2023\.csv and .*utrecht_again\.csv, column '\w+': duplicate row for (GM|WK)0344",
    ):
        build_warehouse(tmp_path / "wz.duckdb", [small_snapshot(snapshot, tmp_path / "snapshot"), cache])


def test_survey_check_reports_the_rows_and_refuses_a_broken_file(survey_root: Path) -> None:
    db = ["--db", str(survey_root / "wz.duckdb")]
    good = runner.invoke(app, ["survey", "check", str(SURVEY), *db])
    assert good.exit_code == 0, good.output
    said = " ".join(good.stdout.split())  # however the terminal wraps it
    assert "7 rijen" in said and "1 onderdrukt" in said
    english = runner.invoke(app, ["--lang", "en", "survey", "check", str(SURVEY), *db])
    assert "Valid" in english.stdout and "7 rows" in " ".join(english.stdout.split())
    bad = runner.invoke(app, ["survey", "check", str(FILES / "bad.csv"), *db])
    assert bad.exit_code == 1 and "row 3: unknown indicator 'geluk'" in bad.stderr
    missing = runner.invoke(app, ["survey", "check", str(SURVEY), "--db", str(survey_root / "none.duckdb")])
    assert missing.exit_code == 1 and "voer eerst `wijkzicht build` uit" in missing.stderr


def test_survey_import_places_the_file_in_the_cache_and_never_overwrites_another(
    survey_root: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    where = ["--db", str(survey_root / "wz.duckdb"), "--cache", str(cache)]
    placed = runner.invoke(app, ["survey", "import", str(SURVEY), *where])
    assert placed.exit_code == 0, placed.output
    assert (cache / "bewoners" / SURVEY.name).read_bytes() == SURVEY.read_bytes()
    assert "wijkzicht build" in placed.stdout
    again = runner.invoke(app, ["survey", "import", str(SURVEY), *where])
    assert again.exit_code == 0 and "Al aanwezig, ongewijzigd" in " ".join(again.stdout.split())
    other = tmp_path / SURVEY.name
    other.write_text(SURVEY.read_text(encoding="utf-8").replace("62.5", "63"), encoding="utf-8")
    refused = runner.invoke(app, ["survey", "import", str(other), *where])
    assert refused.exit_code == 1 and "--replace" in refused.stderr
    assert (cache / "bewoners" / SURVEY.name).read_bytes() == SURVEY.read_bytes()
    replaced = runner.invoke(app, ["survey", "import", str(other), "--replace", *where])
    assert replaced.exit_code == 0 and "63" in (cache / "bewoners" / SURVEY.name).read_text(encoding="utf-8")
    broken = runner.invoke(app, ["survey", "import", str(FILES / "bad.csv"), *where])
    assert broken.exit_code == 1 and not (cache / "bewoners" / "bad.csv").exists()
    assert [p.name for p in (cache / "bewoners").iterdir()] == [SURVEY.name]  # no partial file left


def test_survey_import_with_build_loads_the_figures(snapshot: Path, tmp_path: Path) -> None:
    small, cache, database = (
        small_snapshot(snapshot, tmp_path / "snapshot"),
        tmp_path / "cache",
        tmp_path / "wz.duckdb",
    )
    build_warehouse(database, [small])
    where = ["--db", str(database), "--cache", str(cache), "--snapshot", str(small)]
    answer = runner.invoke(app, ["survey", "import", str(SURVEY), "--build", *where])
    assert answer.exit_code == 0, answer.output
    with warehouse.opened(database) as built:
        values = built.execute(
            "SELECT count(*) FROM observations WHERE indicator = 'veilig_voelen' AND value IS NOT NULL"
        ).fetchone()[0]
    assert values == 4  # the gemeente and three wijk-years; the suppressed row has no value
