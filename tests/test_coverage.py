"""Honesty about what is missing (issue #15): actual coverage per series, domains not measured here, files no
reader claims, and only sources that are present named as sources."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from small_snapshot import small_snapshot
from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.cli.main import app
from wijkzicht.monitor.ondermijning import area_view
from wijkzicht.monitor.stored import build_warehouse

AMSTERDAM = "GM0363"


def test_the_amsterdam_ses_woa_is_measured_as_local(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """SELECT level, coverage, local_by, gemeenten_with_value, gemeenten_in_country FROM series_coverage
           WHERE indicator = 'ses_woa_score' ORDER BY level"""
    ).fetchall()
    # The catalogue calls 85163NED national; the build finds values in Amsterdam alone.
    assert {row[0] for row in rows} == {"gemeente", "wijk", "buurt"}
    assert all(row[1:3] == ("local", "measured") and row[3] == 1 and row[4] > 300 for row in rows)


def test_a_local_series_gets_no_national_percentile(con: duckdb.DuckDBPyConnection) -> None:
    local = con.execute("SELECT count(*) FROM series_coverage WHERE coverage = 'local'").fetchone()
    assert local is not None and local[0] > 0
    standardised = con.execute(
        """SELECT count(*) FROM standardised s JOIN series_coverage c
           USING (indicator, level, boundary_year, period, subgroup) WHERE c.coverage = 'local'"""
    ).fetchone()
    assert standardised == (0,)
    # Amsterdam alone in its 2019 partition used to get percentile 50 and index 99.99: no more.
    assert con.execute(
        "SELECT count(*) FROM domain_scores WHERE area_code = ? AND boundary_year = 2019", [AMSTERDAM]
    ).fetchone() == (0,)


def test_national_series_stay_national(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """SELECT DISTINCT coverage FROM series_coverage
           WHERE indicator IN ('huishoudens_laag_inkomen', 'eenzaam', 'inwoners')"""
    ).fetchall()
    assert rows == [("national",)]


def test_the_profile_shows_ses_woa_as_local_without_a_percentile(web: TestClient) -> None:
    figures = web.get(f"/api/areas/{AMSTERDAM}/profile").json()["figures"]
    ses = next(f for f in figures if f["indicator"] == "ses_woa_score")
    assert ses["local"] is True and ses["percentile"] is None
    page = web.get(f"/gebied/{AMSTERDAM}").text
    row = page.split('<tr data-indicator="ses_woa_score">', 1)[1].split("</tr>", 1)[0]
    assert "lokaal: geen landelijk percentiel" in row


def test_a_file_no_reader_claims_is_named_by_the_build(snapshot: Path, tmp_path: Path) -> None:
    root = small_snapshot(snapshot, tmp_path / "data")
    (root / "nieuw").mkdir()
    (root / "nieuw" / "tabel_2025.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    (root / "SOURCES.md").write_text("# bronnen\n", encoding="utf-8")  # documentation: never reported
    (root / "cbs_kwb" / ".85984NED_x.csv.gz.part").write_bytes(b"")  # a half-written download: skipped
    report = build_warehouse(tmp_path / "w.duckdb", [root])
    assert [file.path for file in report.unclaimed] == ["nieuw/tabel_2025.csv"]
    assert len(report.read) == report.files == 3
    with warehouse.opened(tmp_path / "w.duckdb") as con:
        stored = con.execute("SELECT path, status FROM build_files ORDER BY path").fetchall()
    assert ("nieuw/tabel_2025.csv", "unclaimed") in stored
    assert {status for _, status in stored} == {"read", "unclaimed"} and len(stored) == 4

    result = CliRunner().invoke(
        app,
        [
            "build",
            "--snapshot",
            str(root),
            "--cache",
            str(tmp_path / "cache"),
            "--db",
            str(tmp_path / "c.db"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Niet gelezen (1)" in result.output
    assert str(root / "nieuw" / "tabel_2025.csv") in result.output.replace("\n", "")


def test_the_snapshot_build_names_what_it_did_not_read(con: duckdb.DuckDBPyConnection) -> None:
    read = con.execute("SELECT count(*) FROM build_files WHERE status = 'read'").fetchone()
    assert read is not None and read[0] > 0
    unclaimed = {
        row[0] for row in con.execute("SELECT path FROM build_files WHERE status = 'unclaimed'").fetchall()
    }
    # Whatever is not read is listed; the documentation (SOURCES.md) is not.
    assert "SOURCES.md" not in unclaimed
    assert con.execute(
        "SELECT count(*) FROM build_files WHERE path = 'cbs_kwb/85984NED_kwb2024_DataProperties.json'"
        " AND status = 'checked'"
    ).fetchone() == (1,)


OVERVECHT = "WK034403"  # Wijk 03 Overvecht, Utrecht


def domain_row(page: str, domain: str) -> str:
    found = re.search(rf'<tr data-domain="{domain}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for {domain}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1)))


def test_the_overvecht_profile_lists_every_domain_measured_or_not(web: TestClient) -> None:
    catalogue = load_catalogue()
    page = web.get(f"/gebied/{OVERVECHT}").text
    rows = {domain: domain_row(page, domain) for domain in catalogue.problem_domains}
    assert len(rows) == 6  # five problem domains and liveability
    # measured: a score with its coverage counted against the catalogue, not against what happened to load
    assert "1 van 3 indicatoren" in rows["liveability"] and "100%" not in rows["liveability"]
    # the latest picture: survey (2020), income (2020) and KWB (2022) figures together
    assert "6 van 9 indicatoren" in rows["work_poverty_inclusion"]
    assert "2020, 2022" in rows["work_poverty_inclusion"]
    assert "2 van 3 indicatoren" in rows["housing"] and "2022" in rows["housing"]
    # crime is counted only per gemeente: the gemeente's score, said to be the gemeente's, with its year
    assert "niet per wijk gemeten; score van de gemeente Utrecht onder de gemeenten" in rows["safety"]
    assert "1 van 10 indicatoren" in rows["safety"] and "2024" in rows["safety"]
    # not measured here, with its reason
    assert "Niet gemeten in deze installatie" in rows["education"]
    assert "1 van de 355 gemeenten" in rows["education"] and "85163NED" in rows["education"]
    english = web.get(f"/gebied/{OVERVECHT}", params={"lang": "en"}).text
    assert "Not measured in this installation" in domain_row(english, "education")


def test_the_profile_api_carries_the_coverage_of_every_domain(web: TestClient) -> None:
    document = web.get(f"/api/areas/{OVERVECHT}/profile").json()
    coverage = {c["domain"]: c for c in document["domain_coverage"]}
    assert list(coverage) == load_catalogue().problem_domains
    # safety: total crime per gemeente (47013NED) of the catalogue's ten indicators
    assert coverage["safety"] == {**coverage["safety"], "indicators": 10, "measured": 1, "reason": None}
    assert coverage["education"]["reason"] == "local_only" and coverage["education"]["measured"] == 0
    assert coverage["liveability"] == {
        **coverage["liveability"],
        "indicators": 3,
        "measured": 1,
        "reason": None,
    }


def test_source_lists_name_only_what_the_warehouse_holds(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    profile = web.get(f"/gebied/{OVERVECHT}").text
    footer = profile[profile.index("<footer") :]
    sources = set(con.execute("SELECT DISTINCT publisher FROM tables").fetchall())
    assert "RIVM" in footer and "PDOK" in footer
    assert ("Politie via CBS",) in sources and "olitie" in footer  # crime per gemeente (47013NED)
    resident = web.get(f"/wijk/{OVERVECHT}").text
    intro = re.search(r"<p>Op deze pagina leest u wat we weten over .*?</p>", resident, re.S)
    # the residents' page names the sources of this wijk's figures: crime is counted per gemeente only
    assert intro and "CBS" in intro.group(0) and "olitie" not in intro.group(0)


def test_the_residents_page_says_what_is_not_known(web: TestClient) -> None:
    page = web.get(f"/wijk/{OVERVECHT}").text
    section = page[page.index('id="not-measured"') :].split("</section>", 1)[0]
    assert 'data-domain="education"' in section and 'data-domain="safety"' not in section
    assert "Dat betekent niet dat het er goed gaat" in section
    assert 'data-domain="health"' not in section


def test_public_pages_show_no_command_lines(web: TestClient) -> None:
    for url in (
        f"/gebied/{OVERVECHT}",
        f"/wijk/{OVERVECHT}",
        f"/ondermijning/{OVERVECHT}",
        "/ranglijst",
        "/",
    ):
        page = web.get(url).text
        assert "wijkzicht fetch" not in page and "wijkzicht build" not in page, url


def test_rankings_count_coverage_against_the_catalogue_and_name_what_is_not_measured(web: TestClient) -> None:
    page = web.get("/ranglijst", params={"domain": "liveability", "level": "wijk"}).text
    cells = re.findall(r'<td class="number coverage">([^<]+)</td>', page)
    assert cells and set(cells) == {"1 van 3 indicatoren"}
    missing = page[page.index('id="not-measured"') :].split("</section>", 1)[0]
    assert set(re.findall(r'data-domain="[a-z_]+"', missing)) == {'data-domain="education"'}
    education = web.get("/ranglijst", params={"domain": "education"}).text
    assert '<p class="not-measured"><strong>Niet gemeten in deze installatie</strong>' in education


def test_the_home_page_promises_only_what_is_measured(web: TestClient) -> None:
    page = web.get("/").text
    listed = page[page.index('id="domains"') :].split("</ul>", 1)[0]
    assert len(re.findall(r"<li data-domain=", listed)) == 6
    education = re.search(r'<li data-domain="education">(.*?)</li>', listed, re.S)
    assert education and "niet gemeten in deze installatie" in education.group(1)
    safety = re.search(r'<li data-domain="safety">(.*?)</li>', listed, re.S)
    assert safety and "gemeten met 1 van de 10 indicatoren" in safety.group(1)
    health = re.search(r'<li data-domain="health">(.*?)</li>', listed, re.S)
    assert health and "gemeten met" in health.group(1)


def test_zicht_op_ondermijning_calls_a_local_source_local_and_hints_only_administrators(
    con: duckdb.DuckDBPyConnection, warehouse_path: Path
) -> None:
    view = area_view(con, OVERVECHT)
    items = {i.id: i for theme in view.themes for i in theme.indicators}
    education = items["opleidingsniveau_laag"]  # SES-WOA: loaded, Amsterdam only
    assert education.loaded and education.percentile is None
    assert "alleen cijfers voor een deel van Nederland" in (education.reason or "")
    crime = next(theme for theme in view.themes if theme.id == "geregistreerde_criminaliteit")
    # total crime is loaded per gemeente, so the theme is measured here, but has no position for a wijk
    assert not crime.not_measured and crime.mean_percentile is None
    # the terminal (administrators) may show the command; the public page may not (see above)
    result = CliRunner().invoke(app, ["ondermijning", OVERVECHT, "--db", str(warehouse_path)])
    assert result.exit_code == 0, result.output
    assert "wijkzicht fetch 47018NED" in result.output.replace("\n", " ")
