"""The online path end to end: recorded CBS/PDOK responses -> `wijkzicht fetch` -> `wijkzicht build` -> profile.

The fake service (tests/online_server.py) answers like CBS OData v3 and PDOK's OGC API, from small recorded
responses derived from the real snapshot (tests/fixtures/online/README.md): paging with `odata.nextLink`,
codes padded with spaces, CBS's '.' marker. Nothing reaches the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from online_server import FakeService
from wijkzicht import warehouse
from wijkzicht.cli.main import app
from wijkzicht.monitor.profile import area_profile
from wijkzicht.warehouse import online
from wijkzicht.web.app import create_app

runner = CliRunner()


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    fake = FakeService()
    monkeypatch.setattr(online, "_new_client", fake.client)
    monkeypatch.setattr(online.time, "sleep", lambda _seconds: None)
    return fake


def fetch_and_build(tmp_path: Path, *targets: str) -> Path:
    cache, empty, database = tmp_path / "cache", tmp_path / "no-snapshot", tmp_path / "wz.duckdb"
    empty.mkdir()
    fetched = runner.invoke(app, ["fetch", *targets, "--cache", str(cache)])
    assert fetched.exit_code == 0, fetched.output
    built = runner.invoke(
        app, ["build", "--snapshot", str(empty), "--cache", str(cache), "--db", str(database)]
    )
    assert built.exit_code == 0, built.output
    return database


def observation(database: Path, code: str, indicator: str) -> tuple[object, ...] | None:
    with warehouse.opened(database) as con:
        return con.execute(
            """SELECT o.value, o.missing_reason, o.period, o.boundary_year, p.source_file
               FROM observations o JOIN provenance p USING (source_id)
               WHERE o.area_code = ? AND o.indicator = ? AND o.subgroup IN ('totaal', '18plus')
               ORDER BY o.period DESC""",
            [code, indicator],
        ).fetchone()


def observation_in(database: Path, code: str, indicator: str, period: int) -> tuple[object, ...] | None:
    with warehouse.opened(database) as con:
        return con.execute(
            """SELECT o.value, o.missing_reason, o.period, o.boundary_year, p.source_file
               FROM observations o JOIN provenance p USING (source_id)
               WHERE o.area_code = ? AND o.indicator = ? AND o.period = ?""",
            [code, indicator, period],
        ).fetchone()


def profile_figure(database: Path, code: str, indicator: str) -> object:
    with warehouse.opened(database) as con:
        figures = {f.indicator: f for f in area_profile(con, code).figures}
    return figures[indicator]


def test_ses_woa_fetched_online_reaches_the_profile(service: FakeService, tmp_path: Path) -> None:
    database = fetch_and_build(tmp_path, "85163NED")

    # Paged: 4 rows at 2 per page, the second page asked through the service's own nextLink.
    assert "https://opendata.cbs.nl/ODataApi/odata/85163NED/UntypedDataSet?$skip=2" in service.requests
    # Values of the StatLine export (cbs_ses/85163NED_..._statline_export.csv): Amsterdam -0.100, Kop Zeedijk 0.045
    assert observation(database, "GM0363", "ses_woa_score") == (
        pytest.approx(-0.1),
        None,
        2019,
        2019,
        "cbs_ses/85163NED_UntypedDataSet.csv.gz",
    )
    assert observation(database, "BU03630000", "opleidingsniveau_hoog")[:3] == (
        pytest.approx(60.6),
        None,
        2019,
    )  # type: ignore[index]
    secret = observation(database, "BU03630100", "ses_woa_score")
    assert secret is not None and secret[0] is None and "'.'" in str(secret[1])
    figure = profile_figure(database, "WK036300", "ses_woa_score")
    assert figure.value == pytest.approx(-0.022)  # type: ignore[attr-defined]
    assert figure.source_table == "85163NED"  # type: ignore[attr-defined]
    with warehouse.opened(database) as con:
        name = con.execute(
            "SELECT name FROM areas WHERE code = 'BU03630000' AND boundary_year = 2019"
        ).fetchone()
    assert name == ("Kop Zeedijk",)


def test_kwb_police_health_and_boundaries_fetched_online_reach_the_profile(
    service: FakeService, tmp_path: Path
) -> None:
    database = fetch_and_build(tmp_path, "83765NED", "85984NED", "47018NED", "50090NED", "pdok:wijken:2024")

    # KWB 2024: Amsterdam 931,298 inhabitants (cbs_kwb/85984NED_kwb2024_gemeente_wijk_subset.json.gz),
    # Kop Zeedijk 1,185 (..._buurt_inwoners.csv.gz); the buurt's housing stock is CBS's '.'.
    assert observation(database, "GM0363", "inwoners") == (
        931298,
        None,
        2024,
        2024,
        "cbs_kwb/85984NED_UntypedDataSet.csv.gz",
    )
    assert observation(database, "BU0363AE01", "inwoners")[:3] == (1185, None, 2024)  # type: ignore[index]
    stock = observation(database, "BU0363AE01", "woningvoorraad")
    assert stock is not None and stock[0] is None and "'.'" in str(stock[1])
    # KWB 2017 on its own boundaries, its inhabitants' column under another key number.
    assert observation_in(database, "GM0363", "inwoners", 2017) == (
        844947,
        None,
        2017,
        2017,
        "cbs_kwb/83765NED_UntypedDataSet.csv.gz",
    )
    inhabitants = profile_figure(database, "WK0363AE", "inwoners")
    assert inhabitants.value == 4740 and inhabitants.source_table == "85984NED"  # type: ignore[attr-defined]

    # Police 2023 (dataderden): 81,783 registered crimes in Amsterdam, as a rate per 1 000 inhabitants.
    crime = observation(database, "GM0363", "misdrijven_totaal")
    assert crime is not None and crime[2:] == (2023, 2024, "politie/47018NED_UntypedDataSet.csv.gz")
    assert crime[0] == pytest.approx(1000 * 81783 / 931298)  # inhabitants on 1 January 2024, 2024 boundaries
    with warehouse.opened(database) as con:
        count = con.execute(
            "SELECT count FROM crime_counts WHERE area_code = 'GM0363' AND indicator = 'misdrijven_totaal'"
        ).fetchone()
    assert count == (81783,)
    assert profile_figure(database, "GM0363", "misdrijven_totaal").source_table == "47018NED"  # type: ignore[attr-defined]
    # Below the gemeente the fetched table reaches wijken and buurten (the snapshot has crime per gemeente
    # only); the recorded wijk row carries CBS's '.' marker, kept as the reason.
    wijk_crime = observation(database, "WK0363AE", "misdrijven_totaal")
    assert wijk_crime is not None and wijk_crime[0] is None and "'.'" in str(wijk_crime[1])
    assert wijk_crime[2:] == (2023, 2024, "politie/47018NED_UntypedDataSet.csv.gz")

    # Health monitor 2020, 18+: Amsterdam 78.2 % good self-rated health, Kop Zeedijk 84.4 %.
    assert observation(database, "GM0363", "ervaren_gezondheid_goed")[:4] == (  # type: ignore[index]
        pytest.approx(78.2),
        None,
        2020,
        2020,
    )
    with warehouse.opened(database) as con:
        name = con.execute(
            "SELECT name FROM areas WHERE code = 'BU03630000' AND boundary_year = 2020"
        ).fetchone()
    assert name == ("Kop Zeedijk",)  # from the fetched region list; the data set names only gemeenten
    health = profile_figure(database, "BU03630000", "ervaren_gezondheid_goed")
    assert health.value == pytest.approx(84.4) and health.source_table == "50090NED"  # type: ignore[attr-defined]

    # PDOK wijk boundaries 2024, paged with rel=next: both wijken stored with their geometry.
    assert any(url.endswith("&cursor=1") for url in service.requests)  # second page through rel=next
    with warehouse.opened(database) as con:
        shapes = con.execute(
            "SELECT code FROM geometries WHERE boundary_year = 2024 AND level = 'wijk' ORDER BY code"
        ).fetchall()
    assert shapes == [("WK0363AE",), ("WK0363AF",)]

    # The web application serves the fetched warehouse: the same figure, with its source, in the API and page.
    # (run as a server runs it: its profile makers stop with it)
    with TestClient(create_app(database, programmes_db=f"sqlite:///{tmp_path / 'programmes.sqlite'}")) as web:
        document = web.get("/api/areas/BU03630000/profile").json()
        page = web.get("/gebied/BU03630000")
    served = next(f for f in document["figures"] if f["indicator"] == "ervaren_gezondheid_goed")
    assert (served["value"], served["source_table"]) == (pytest.approx(84.4), "50090NED")
    assert page.status_code == 200 and "84,4" in page.text and "50090NED" in page.text


def test_an_uncatalogued_ses_table_is_named_not_ignored(service: FakeService, tmp_path: Path) -> None:
    """85900NED lands in cbs_ses/ like 85163NED; until the catalogue names it, the build says so."""
    ses = service.tables["85163NED"][1]
    service.add_table("85900NED", {**ses, "TableInfos": [ses["TableInfos"][0] | {"Identifier": "85900NED"}]})
    cache, empty = tmp_path / "cache", tmp_path / "no-snapshot"
    empty.mkdir()
    assert runner.invoke(app, ["fetch", "85900NED", "--cache", str(cache)]).exit_code == 0
    assert (cache / "cbs_ses" / "85900NED_UntypedDataSet.csv.gz").is_file()

    built = runner.invoke(
        app, ["build", "--snapshot", str(empty), "--cache", str(cache), "--db", str(tmp_path / "w")]
    )

    assert built.exit_code == 1
    assert "85900NED_" in built.output and "not in the catalogue" in built.output, built.output
    assert "remove the 85900NED_* files" in " ".join(built.output.split())
