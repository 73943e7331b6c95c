"""`wijkzicht fetch --all`: every table and boundary file the catalogue needs, only what changed, resumable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from online_server import FakeService
from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.cli.main import app
from wijkzicht.monitor.profile import area_profile
from wijkzicht.warehouse import online

runner = CliRunner()


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    fake = FakeService(page_size=1000)
    catalogue = load_catalogue()
    fake.serve_whole_catalogue(
        [t for t in catalogue.tables if re.fullmatch(r"\d{5}NED", t)],
        sorted({t.boundary_year for t in catalogue.tables.values()}),
    )
    monkeypatch.setattr(online, "_new_client", fake.client)
    monkeypatch.setattr(online.time, "sleep", lambda _seconds: None)
    return fake


def fetch_all(cache: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["fetch", "--all", "--cache", str(cache)])
    return result.exit_code, result.output


def data_requests(service: FakeService) -> list[str]:
    """Requests that download something, i.e. everything but a table's TableInfos."""
    return [url for url in service.requests if not url.endswith("/TableInfos")]


def test_targets_are_every_catalogued_table_and_boundaries_of_every_level_and_year() -> None:
    targets = online.catalogue_targets()
    catalogue = load_catalogue()
    assert set(catalogue.table_ids("kwb")) <= set(targets)
    assert {"47018NED", "50090NED", "85163NED"} <= set(targets)
    assert "bewonersenquete" not in targets and "wbk2017" not in targets  # imported or file-only, not fetched
    years = {t.boundary_year for t in catalogue.tables.values()}
    for year in years:
        assert {f"pdok:{level}:{year}" for level in ("gemeenten", "wijken", "buurten")} <= set(targets)


def test_a_second_run_downloads_nothing_and_a_changed_table_is_fetched_again(
    service: FakeService, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    targets = online.catalogue_targets()

    code, output = fetch_all(cache)
    assert code == 0, output
    assert f"[1/{len(targets)}] {targets[0]}: gedownload (" in output  # one progress line per target
    assert f"{len(targets)} gedownload, 0 ongewijzigd, 0 mislukt" in output
    assert "    85163NED UntypedDataSet: 4 van 4 rijen" in output  # rows, at least at a table's end
    assert (cache / "cbs_ses" / "85163NED_UntypedDataSet.csv.gz").is_file()
    assert (cache / "politie" / "47018NED_UntypedDataSet.csv.gz").is_file()
    assert (cache / "geo" / "pdok_buurten_2025_wgs84.geojson.gz").is_file()

    service.requests.clear()
    code, output = fetch_all(cache)
    assert code == 0, output
    assert f"0 gedownload, {len(targets)} ongewijzigd, 0 mislukt" in output
    assert "85984NED: ongewijzigd sinds 2025-03-27T02:00:00, overgeslagen" in output
    assert data_requests(service) == []  # only each table's small TableInfos was asked

    service.set_modified("85984NED", "2025-09-30T02:00:00")  # CBS publishes a correction
    service.requests.clear()
    code, output = fetch_all(cache)
    assert code == 0, output
    assert f"1 gedownload, {len(targets) - 1} ongewijzigd" in output
    assert {url.split("/")[5] for url in data_requests(service)} == {"85984NED"}


@pytest.mark.parametrize("failure", ["connection", "interrupt"])
def test_an_interrupted_run_resumes_where_it_stopped(
    service: FakeService, tmp_path: Path, failure: str
) -> None:
    cache = tmp_path / "cache"
    targets = online.catalogue_targets()
    broken = "85984NED/UntypedDataSet"
    service.fail_on = broken
    if failure == "interrupt":
        service.failure = KeyboardInterrupt()  # Ctrl-C in the middle of a table

    code, output = fetch_all(cache)
    assert code != 0
    if failure == "connection":
        assert "85984NED: mislukt" in output and "1 van" in output and "fetch --all" in output
    folder = cache / "cbs_kwb"
    assert not (folder / "85984NED_UntypedDataSet.csv.gz").exists()
    assert not (folder / "85984NED_TableInfos.json").exists()  # so the next run knows it is incomplete
    assert [p for p in cache.rglob("*") if p.name.endswith(".part")] == []
    before = {p for p in cache.rglob("*_UntypedDataSet.csv.gz")}

    service.fail_on = None
    service.requests.clear()
    code, output = fetch_all(cache)
    assert code == 0, output
    assert (folder / "85984NED_UntypedDataSet.csv.gz").is_file()
    downloaded = {url.split("/")[5] for url in data_requests(service) if "odata" in url}
    assert "85984NED" in downloaded
    assert not downloaded & {p.name.split("_")[0] for p in before}  # complete downloads were not repeated
    if failure == "connection":
        assert f"1 gedownload, {len(targets) - 1} ongewijzigd, 0 mislukt" in output


def test_fetch_all_then_build_fills_an_installation(service: FakeService, tmp_path: Path) -> None:
    cache, empty, database = tmp_path / "cache", tmp_path / "no-snapshot", tmp_path / "wz.duckdb"
    empty.mkdir()
    code, output = fetch_all(cache)
    assert code == 0, output
    built = runner.invoke(
        app, ["build", "--snapshot", str(empty), "--cache", str(cache), "--db", str(database)]
    )
    assert built.exit_code == 0, built.output

    with warehouse.opened(database) as con:
        figures = {(f.indicator, f.period): f for f in area_profile(con, "GM0363").figures}
        inhabitants = con.execute(
            """SELECT o.period, o.value, o.missing_reason IS NOT NULL, p.source_file
               FROM observations o JOIN provenance p USING (source_id)
               WHERE o.area_code = 'GM0363' AND o.indicator = 'inwoners' ORDER BY o.period"""
        ).fetchall()
    by_period = {row[0]: row for row in inhabitants}
    assert set(by_period) == set(range(2017, 2026))  # one KWB table per year 2017..2025
    assert by_period[2017][1] == 844947 and by_period[2024][1] == 931298
    assert by_period[2025][1] is None and by_period[2025][2]  # '.' stays missing with its reason
    with warehouse.opened(database) as con:
        reasons = dict(
            con.execute(
                "SELECT period, missing_reason FROM observations WHERE area_code = 'GM0363' AND indicator = 'inwoners'"
            ).fetchall()
        )
    assert "'.'" in reasons[2025] and "'x'" in reasons[2018]
    assert by_period[2024][3] == "cbs_kwb/85984NED_UntypedDataSet.csv.gz"
    assert figures["ses_woa_score", 2019].value == pytest.approx(-0.1)
    assert figures["ervaren_gezondheid_goed", 2020].value == pytest.approx(78.2)
    assert figures["misdrijven_totaal", 2023].source_table == "47018NED"
