"""Registered crime (47018NED): fetched from CBS's third-party catalogue, read, and turned into rates.

The counts are the hand-made pages in fixtures/politie (invented numbers; see the README there). Per the
README, the count of area n for crime type t is n x t (x 10 for the total, x 20 for the gemeente).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
import yaml

from police_fixture import PoliceService
from small_snapshot import small_snapshot
from wijkzicht import warehouse
from wijkzicht.catalogue import parse_catalogue
from wijkzicht.errors import CatalogueError, SourceError
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online


def fetch_police(snapshot: Path, cache: Path, service: PoliceService | None = None) -> PoliceService:
    service = service or PoliceService(snapshot)
    with service.client() as client:
        online.fetch("47018NED", cache, client=client, backoff_seconds=0)
    return service


def write_gzip(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write(text)


@pytest.fixture(scope="module")
def crime_warehouse(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("crime")
    cache = root / "cache"
    fetch_police(snapshot, cache)
    # A population of WK034403 on the 2023 boundaries, for 1 January 2023 (hand-made, like a fetched KWB
    # 2023 table): the 2022 crimes must NOT be divided by it, because the counts are on 2024 boundaries.
    write_gzip(
        cache / "cbs_kwb/85618NED_WijkenEnBuurten.csv.gz", 'Key,Title,Description\n"WK034403  ",Overvecht,\n'
    )
    write_gzip(
        cache / "cbs_kwb/85618NED_UntypedDataSet.csv.gz",
        'ID,WijkenEnBuurten,AantalInwoners_5\n0,"WK034403  ","     12345"\n',
    )
    database = root / "wz.duckdb"
    # The hand-made counts cover Utrecht alone: without lowering the national share they would be a local
    # series (tests/test_coverage.py), and this module tests the national path of the crime rates.
    build_warehouse(database, [small_snapshot(snapshot, root / "snapshot"), cache], national_share=0.0)
    connection = warehouse.connect(database)
    yield connection
    connection.close()


def observation(con: duckdb.DuckDBPyConnection, indicator: str, code: str, period: int) -> tuple:
    return con.execute(
        "SELECT value, missing_reason FROM observations WHERE indicator = ? AND area_code = ? AND period = ?",
        [indicator, code, period],
    ).fetchone()


def test_the_download_comes_from_the_dataderden_catalogue_and_follows_the_next_link(
    snapshot: Path, tmp_path: Path
) -> None:
    service = fetch_police(snapshot, tmp_path)
    assert all(url.startswith("https://dataderden.cbs.nl/") for url in service.requested)
    assert sum("UntypedDataSet" in url for url in service.requested) == 2  # both pages
    with gzip.open(tmp_path / "politie/47018NED_UntypedDataSet.csv.gz", "rt") as stream:
        lines = stream.read().splitlines()
    assert lines[0] == "ID,SoortMisdrijf,WijkenEnBuurten,Perioden,GeregistreerdeMisdrijven_1"
    assert len(lines) == 1 + 210  # 15 codes x 7 crime types x 2 years, from two pages


def test_a_count_becomes_a_rate_on_the_population_of_the_same_boundary_year(
    crime_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    con = crime_warehouse
    population_2024 = con.execute(
        "SELECT value FROM observations WHERE indicator = 'inwoners' AND area_code = 'WK034403' AND period = 2024"
    ).fetchone()[0]
    # WK034403 is area 4: its total is 4 x 1 x 10 = 40 crimes in 2023, divided by the inhabitants on
    # 1 January 2024 (the end of 2023) on the same 2024 boundaries.
    value, reason = observation(con, "misdrijven_totaal", "WK034403", 2023)
    assert value == pytest.approx(40 * 1000 / population_2024) and reason is None
    count, population, population_period = con.execute(
        "SELECT count, population, population_period FROM crime_counts "
        "WHERE indicator = 'misdrijven_totaal' AND area_code = 'WK034403' AND period = 2023"
    ).fetchone()
    assert (count, population, population_period) == (40, population_2024, 2024)
    # 2022 needs inhabitants of 2022 or 2023 on the 2024 boundaries; the 2023-boundary figure is not used.
    assert con.execute(
        "SELECT value FROM observations WHERE indicator = 'inwoners' AND area_code = 'WK034403' "
        "AND boundary_year = 2023"
    ).fetchone() == (12345,)
    value, reason = observation(con, "misdrijven_totaal", "WK034403", 2022)
    assert value is None
    assert reason == "niet berekend: geen inwonertal op 1 januari 2022 of 2023 in grensindeling 2024"


def test_crime_types_are_added_up_per_indicator(crime_warehouse: duckdb.DuckDBPyConnection) -> None:
    # drugsdelicten = 2.1.1 (t = 4) + 3.1.1 (t = 6); the gemeente GM0344 is area 1, times 20.
    count = crime_warehouse.execute(
        "SELECT count FROM crime_counts WHERE indicator = 'drugsdelicten' AND area_code = 'GM0344' AND period = 2023"
    ).fetchone()[0]
    assert count == (1 * 4 + 1 * 6) * 20


def test_suppression_markers_become_missing_values_with_a_reason_never_zero(
    crime_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # BU03440312 has '.' for drug trafficking (3.1.1) and a number for drug nuisance (2.1.1): the sum is secret.
    value, reason = observation(crime_warehouse, "drugsdelicten", "BU03440312", 2023)
    assert value is None and reason == "onbekend of geheim (CBS '.')"
    assert observation(crime_warehouse, "wapendelicten", "BU03440312", 2023)[0] is not None
    # a blank means "cannot occur": missing with a reason, never 0
    value, reason = observation(crime_warehouse, "brand_ontploffing", "WK034407", 2023)
    assert value is None and reason == "niet geleverd (leeg veld)"


def test_indicators_with_crime_types_missing_from_the_download_are_left_out(
    crime_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    loaded = {
        row[0] for row in crime_warehouse.execute("SELECT DISTINCT indicator FROM crime_counts").fetchall()
    }
    assert loaded == {
        "misdrijven_totaal",
        "woninginbraak",
        "brand_ontploffing",
        "drugsdelicten",
        "vernielingen",
        "wapendelicten",
    }


def test_crimes_that_could_not_be_located_are_not_an_area(crime_warehouse: duckdb.DuckDBPyConnection) -> None:
    assert crime_warehouse.execute(
        "SELECT count(*) FROM observations WHERE area_code IN ('GM0000', 'WK000000', 'BU00000000')"
    ).fetchone() == (0,)


def test_the_safety_domain_is_scored_from_the_rates(crime_warehouse: duckdb.DuckDBPyConnection) -> None:
    # 10 Utrecht wijken with crimes in 2023; WK034410 (area 11) has the most of every kind per area.
    rows = crime_warehouse.execute(
        "SELECT area_code, indicators_used FROM domain_scores WHERE domain = 'safety' AND level = 'wijk' "
        "AND period = 2023 AND subgroup = 'totaal' ORDER BY area_code"
    ).fetchall()
    assert [code for code, _ in rows] == [f"WK0344{n:02d}" for n in range(1, 11)]
    assert dict(rows)["WK034403"] == 6


def broken_cache(snapshot: Path, tmp_path: Path, change: dict[str, str], line: int) -> Path:
    service = PoliceService(snapshot)
    service.pages[0]["value"][line - 2] = {**service.pages[0]["value"][line - 2], **change}
    cache = tmp_path / "cache"
    fetch_police(snapshot, cache, service)
    return cache


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ({"SoortMisdrijf": "9.9.9 "}, 5, "row 5, column 'SoortMisdrijf': unknown crime type '9.9.9'"),
        (
            {"GeregistreerdeMisdrijven_1": "  12,5"},
            7,
            "row 7, column 'GeregistreerdeMisdrijven_1': not a count",
        ),
        ({"Perioden": "2023MM01"}, 9, "row 9, column 'Perioden': not a yearly period"),
        (
            {"WijkenEnBuurten": "WK034402  "},
            2,
            "duplicate row for crime type 0.0.0, WK034402, 2022JJ00 (lines 2, 4)",
        ),
    ],
)
def test_bad_police_rows_stop_the_build_naming_file_row_and_column(
    snapshot: Path, tmp_path: Path, change: dict[str, str], line: int, message: str
) -> None:
    cache = broken_cache(snapshot, tmp_path, change, line)
    with pytest.raises(SourceError, match=r"47018NED_UntypedDataSet\.csv\.gz") as error:
        build_warehouse(tmp_path / "wz.duckdb", [small_snapshot(snapshot, tmp_path / "snapshot"), cache])
    assert message in str(error.value)
    assert not (tmp_path / "wz.duckdb").exists()


CATALOGUE = Path(__file__).resolve().parents[1] / "src" / "wijkzicht" / "catalogue" / "indicators.yaml"


def catalogue_document() -> dict:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def crime_entry(document: dict, indicator_id: str) -> dict:
    return next(entry for entry in document["indicators"] if entry["id"] == indicator_id)


def test_a_catalogue_naming_a_crime_type_the_table_lacks_stops_the_build(
    snapshot: Path, tmp_path: Path
) -> None:
    document = catalogue_document()
    crime_entry(document, "woninginbraak")["sources"][0]["crime_types"] = ["1.1.1", "9.9.9"]
    cache = tmp_path / "cache"
    fetch_police(snapshot, cache)
    with pytest.raises(
        SourceError, match=r"'woninginbraak' counts crime types the table does not have: 9\.9\.9"
    ):
        build_warehouse(
            tmp_path / "wz.duckdb",
            [small_snapshot(snapshot, tmp_path / "snapshot"), cache],
            catalogue=parse_catalogue(document),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"crime_types": ["1.1"]}, "crime_types must be a list of police codes"),
        ({"crime_types": ["1.1.1", "1.1.1"]}, "a crime type is listed twice"),
        ({"unit": "aantal"}, "its unit must be 'per 1 000 inwoners'"),
    ],
)
def test_crime_indicators_in_the_catalogue_are_checked(change: dict, message: str) -> None:
    document = catalogue_document()
    entry = crime_entry(document, "woninginbraak")
    if "unit" in change:
        entry.update(change)
    else:
        entry["sources"][0].update(change)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(document)
