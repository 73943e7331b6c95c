"""The online path end to end: recorded CBS/PDOK responses -> `wijkzicht fetch` -> `wijkzicht build` -> profile.

The fake service (tests/online_server.py) answers like CBS OData v3 and PDOK's OGC API, from small recorded
responses derived from the real snapshot (tests/fixtures/online/README.md): paging with `odata.nextLink`,
codes padded with spaces, CBS's '.' marker. Nothing reaches the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from online_server import FakeService
from wijkzicht import warehouse
from wijkzicht.cli.main import app
from wijkzicht.monitor.profile import area_profile
from wijkzicht.warehouse import online

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
               WHERE o.area_code = ? AND o.indicator = ? AND o.subgroup IN ('totaal', '18plus')""",
            [code, indicator],
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
