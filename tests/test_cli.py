"""The command line as a user meets it: build, area, areas search, indicators, fetch, and its errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkzicht.cli.main import app
from wijkzicht.errors import OnlineError
from wijkzicht.warehouse import online

runner = CliRunner()


def test_area_prints_every_value_with_unit_period_and_source(warehouse_path: Path) -> None:
    result = runner.invoke(
        app, ["area", "GM0363", "--period", "2024", "--format", "json", "--db", str(warehouse_path)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["area"]["name"] == "Amsterdam"
    inwoners = next(f for f in document["figures"] if f["indicator"] == "inwoners")
    assert (inwoners["value"], inwoners["unit"], inwoners["period"]) == (931_298, "aantal", 2024)
    assert (inwoners["source_table"], inwoners["source_column"]) == ("85984NED", "AantalInwoners_5")


def test_area_table_shows_missing_values_with_their_reason(warehouse_path: Path) -> None:
    result = runner.invoke(
        app, ["area", "WK082419", "--period", "2024", "--db", str(warehouse_path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    # its population density is null in CBS's table (a wijk of fewer than 10 inhabitants would show that
    # reason for every figure instead: suppression goes first)
    assert "niet beschikbaar of geheim (CBS null)" in result.stdout


def test_area_period_filter_and_english_names(warehouse_path: Path) -> None:
    result = runner.invoke(
        app,
        ["area", "NL00", "--period", "2020", "--lang", "en", "--format", "json", "--db", str(warehouse_path)],
    )
    figures = json.loads(result.stdout)["figures"]
    health = next(
        f for f in figures if f["indicator"] == "ervaren_gezondheid_goed" and f["subgroup"] == "18plus"
    )
    assert health["name"] == "Self-rated health good or very good" and health["value"] == 78.4
    assert {f["period"] for f in figures} == {2020}


def test_unknown_area_code_is_a_clear_error_with_suggestions(warehouse_path: Path) -> None:
    result = runner.invoke(app, ["area", "GM036", "--db", str(warehouse_path)])
    assert result.exit_code == 1
    assert "onbekende gebiedscode 'GM036'" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("query", ["overvecht", "OVERVECHT", "Óvervècht"])
def test_search_by_name_ignores_case_and_accents(warehouse_path: Path, query: str) -> None:
    result = runner.invoke(app, ["areas", "search", query, "--format", "json", "--db", str(warehouse_path)])
    found = [(a["code"], a["level"]) for a in json.loads(result.stdout)]
    # the focus area Utrecht Overvecht first, then the CBS wijk of that name
    assert found[:2] == [("15", "focusgebied"), ("WK034403", "wijk")]


def test_search_ignores_accents_and_finds_codes(warehouse_path: Path) -> None:
    for query in ("sudwest", "Súdwest-Fryslân", "GM1900"):
        result = runner.invoke(
            app, ["areas", "search", query, "--format", "json", "--db", str(warehouse_path)]
        )
        assert json.loads(result.stdout)[0]["code"] == "GM1900", query


def test_search_filters_by_level(warehouse_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "areas",
            "search",
            "amsterdam",
            "--level",
            "gemeente",
            "--format",
            "json",
            "--db",
            str(warehouse_path),
        ],
    )
    assert [a["code"] for a in json.loads(result.stdout)] == ["GM0363"]
    bad = runner.invoke(
        app, ["areas", "search", "amsterdam", "--level", "provincie", "--db", str(warehouse_path)]
    )
    assert bad.exit_code == 1 and "onbekend niveau 'provincie'" in bad.stderr


def test_indicators_lists_the_catalogue() -> None:
    result = runner.invoke(app, ["indicators", "--domain", "health", "--format", "json"])
    rows = json.loads(result.stdout)
    assert {r["domain"] for r in rows} == {"health"} and any(r["id"] == "eenzaam" for r in rows)
    assert runner.invoke(app, ["indicators", "--domain", "welzijn"]).exit_code == 1


def test_reading_commands_without_a_warehouse_say_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["area", "GM0363", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "wijkzicht build" in result.stderr


def test_build_without_snapshot_or_internet_explains_how_to_get_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(target: str, cache_dir: Path, **_: object) -> list[Path]:
        raise OnlineError(f"{target}: there seems to be no internet connection; point --snapshot ...")

    monkeypatch.setattr(online, "fetch", offline)
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here
    monkeypatch.delenv("WIJKZICHT_SNAPSHOT", raising=False)
    result = runner.invoke(
        app, ["build", "--cache", str(tmp_path / "cache"), "--db", str(tmp_path / "wz.duckdb")]
    )
    assert result.exit_code == 1
    assert "geen snapshotmap en het downloaden mislukte" in result.stderr and "--snapshot" in result.stderr
    assert not (tmp_path / "wz.duckdb").exists()


def test_build_with_the_snapshot(snapshot: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "build",
            "--snapshot",
            str(snapshot),
            "--cache",
            str(tmp_path / "c"),
            "--db",
            str(tmp_path / "wz.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "waarnemingen" in result.stdout and (tmp_path / "wz.duckdb").exists()
    # Not a terminal (as in `wijkzicht build > log.txt`): one line per stage, numbered, with the time so far.
    stages = re.findall(r"^\[(\d+)/(\d+)\] \d+,\d s  (.+)$", result.stderr, re.MULTILINE)
    assert len(stages) > 10 and [int(number) for number, _, _ in stages] == sorted(
        int(number) for number, _, _ in stages
    )
    assert {label for _, _, label in stages} >= {"waarnemingen", "afronden"}
