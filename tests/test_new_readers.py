"""The readers of KWB 2022 (tmap's .rda files), crime per gemeente (47013NED) and income per gemeente and wijk.

Every expected value is read here from the raw file with the publisher's format in hand (rdata, csv, openpyxl),
never through the reader under test.
"""

from __future__ import annotations

import csv
import random
import shutil
import warnings
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
import rdata

from small_snapshot import small_snapshot
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import SourceError
from wijkzicht.monitor.profile import area_profile
from wijkzicht.monitor.stored import build_warehouse

WIJKEN_RDA = "cbs_kwb/85318NED_kwb2022_wijken_NLD_dist.rda"
GEMEENTEN_RDA = "cbs_kwb/85318NED_kwb2022_gemeenten_NLD_muni.rda"
CRIME_FILES = (
    "politie/47013NED_misdrijven_gemeente_2022_2023.csv",
    "politie/47013NED_misdrijven_gemeente_2024.csv",
)
INCOME_XLSX = "cbs_inkomen/kvk2020-wb2023.xlsx"
# tmap's column -> indicator (SOURCES.md: the official, unedited columns of 85318NED)
RDA_INDICATORS = {
    "population": "inwoners",
    "dwelling_total": "woningvoorraad",
    "dwelling_value": "woz_waarde",
    "dwelling_ownership": "koopwoningen",
    "employment_rate": "nettoarbeidsparticipatie",
    "income_low": "personen_laagste_40pct_inkomen",
    "income_high": "personen_hoogste_20pct_inkomen",
}
# SOURCES.md: derived by the package author, not CBS figures
DERIVED = (
    "name",
    "province",
    "pop_0_14",
    "pop_15_24",
    "pop_25_44",
    "pop_45_64",
    "pop_65plus",
    "edu_appl_sci",
)
INCOME_INDICATORS = {
    3: "gemiddeld_inkomen_per_inwoner",
    4: "huishoudens_laagste_40pct_inkomen",
    5: "huishoudens_hoogste_20pct_inkomen",
}


def _frame(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objects = rdata.conversion.convert(rdata.parser.parse_file(path))
    (frame,) = objects.values()
    return frame


def _value(con: duckdb.DuckDBPyConnection, indicator: str, code: str, year: int, period: int) -> float | None:
    row = con.execute(
        "SELECT value FROM observations WHERE indicator = ? AND area_code = ? AND boundary_year = ? "
        "AND period = ? AND subgroup = 'totaal'",
        [indicator, code, year, period],
    ).fetchone()
    assert row is not None, f"{indicator} {code} {year}/{period} is not in the warehouse"
    return row[0]


@pytest.mark.parametrize(("file", "sample"), [(WIJKEN_RDA, 10), (GEMEENTEN_RDA, 5)])
def test_kwb_2022_values_equal_the_r_data_files(
    con: duckdb.DuckDBPyConnection, snapshot: Path, file: str, sample: int
) -> None:
    frame = _frame(snapshot / file)
    rows = frame.iloc[random.Random(2022).sample(range(len(frame)), sample)]
    for _, row in rows.iterrows():
        for column, indicator in RDA_INDICATORS.items():
            expected = None if pd.isna(row[column]) else float(row[column])
            assert _value(con, indicator, row["code"], 2022, 2022) == expected, (row["code"], column)


def test_kwb_2022_wijk_area_is_cbs_hectares(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    frame = _frame(snapshot / WIJKEN_RDA)
    overvecht = frame[frame["code"] == "WK034403"].iloc[0]
    assert _value(con, "oppervlakte_totaal", "WK034403", 2022, 2022) == round(overvecht["area"] * 100)


def test_no_derived_column_of_the_r_data_files_is_an_indicator(con: duckdb.DuckDBPyConnection) -> None:
    catalogue = load_catalogue()
    mapped = {source.column for indicator in catalogue.indicators.values() for source in indicator.sources}
    assert not mapped & set(DERIVED)
    used = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT source_column FROM provenance WHERE source_file LIKE 'cbs_kwb/%.rda'"
        ).fetchall()
    }
    official = {
        "AantalInwoners_5",
        "Woningvoorraad_34",
        "GemiddeldeWOZWaardeVanWoningen_35",
        "Koopwoningen_40",
        "Nettoarbeidsparticipatie_67",
        "k_40PersonenMetLaagsteInkomen_73",
        "k_20PersonenMetHoogsteInkomen_74",
        "OppervlakteTotaal_111",
    }
    assert used == official
    # the gemeenten's `area` is a sum of wijken, not CBS's: no area figure for 2022 gemeenten
    assert not con.execute(
        "SELECT count(*) FROM observations WHERE indicator = 'oppervlakte_totaal' AND boundary_year = 2022 "
        "AND level = 'gemeente'"
    ).fetchone()[0]


def test_kwb_2022_brings_wijk_boundaries_of_2022(con: duckdb.DuckDBPyConnection) -> None:
    count, lon, lat = con.execute(
        "SELECT count(*), any_value(ST_X(ST_Centroid(geom)) ORDER BY code), any_value(ST_Y(ST_Centroid(geom)) "
        "ORDER BY code) FROM geometries WHERE boundary_year = 2022 AND level = 'wijk' AND code = 'WK059915'"
    ).fetchone()
    assert count == 1
    assert 4.4 < lon < 4.6 and 51.8 < lat < 51.95  # Charlois, Rotterdam-Zuid, in WGS84
    assert (
        con.execute(
            "SELECT count(*) FROM geometries WHERE boundary_year = 2022 AND level = 'wijk'"
        ).fetchone()[0]
        == 3340
    )


def _crime_rows(path: Path) -> dict[str, dict[int, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    periods = [int(p) for p in rows[4][1:]]
    return {row[0]: dict(zip(periods, row[1:], strict=True)) for row in rows[6:] if len(row) > 1}


def test_crime_counts_per_gemeente_equal_the_statline_downloads(
    con: duckdb.DuckDBPyConnection, snapshot: Path
) -> None:
    names = {
        name: code
        for name, code in con.execute(
            "SELECT name, code FROM areas WHERE boundary_year = 2024 AND level = 'gemeente'"
        ).fetchall()
    }
    for file in CRIME_FILES:
        rows = _crime_rows(snapshot / file)
        sample = random.Random(47013).sample(
            sorted(n for n in rows if n.removesuffix(" (gemeente)") in names), 5
        )
        for name in [*sample, "Utrecht (gemeente)"]:
            code = names[name.removesuffix(" (gemeente)")]
            for period, raw in rows[name].items():
                count, population, rate = con.execute(
                    "SELECT count, population, rate FROM crime_counts WHERE indicator = 'misdrijven_totaal' "
                    "AND area_code = ? AND boundary_year = 2024 AND period = ?",
                    [code, period],
                ).fetchone()
                assert count == float(raw), (file, name, period)
                if population is not None:
                    assert rate == pytest.approx(1000 * float(raw) / population)


def test_every_gemeente_of_2024_has_its_crime_count(con: duckdb.DuckDBPyConnection) -> None:
    counts = con.execute(
        "SELECT period, count(count) FROM crime_counts WHERE indicator = 'misdrijven_totaal' AND level = 'gemeente' "
        "AND boundary_year = 2024 GROUP BY period ORDER BY period"
    ).fetchall()
    assert counts == [(2022, 342), (2023, 342), (2024, 342)]


def test_crime_rates_2022_are_not_computed_without_a_population_on_2024_boundaries(
    con: duckdb.DuckDBPyConnection,
) -> None:
    reasons = con.execute(
        "SELECT DISTINCT missing_reason FROM observations WHERE indicator = 'misdrijven_totaal' "
        "AND boundary_year = 2024 AND period = 2022"
    ).fetchall()
    assert reasons == [("niet berekend: geen inwonertal op 1 januari 2022 of 2023 in grensindeling 2024",)]


def test_an_unknown_gemeente_name_stops_the_build_naming_file_and_line(
    snapshot: Path, tmp_path: Path
) -> None:
    root = small_snapshot(snapshot, tmp_path / "data")
    target = root / CRIME_FILES[1]
    target.parent.mkdir(parents=True)
    lines = (snapshot / CRIME_FILES[1]).read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith('"Zwolle"'))
    lines[line - 1] = lines[line - 1].replace('"Zwolle"', '"Zwolle-Noord"')
    target.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        SourceError, match=rf"47013NED_misdrijven_gemeente_2024\.csv, row {line}.*'Zwolle-Noord'"
    ):
        build_warehouse(tmp_path / "w.duckdb", [root])


def test_a_crime_download_of_one_crime_type_is_refused(snapshot: Path, tmp_path: Path) -> None:
    root = small_snapshot(snapshot, tmp_path / "data")
    target = root / CRIME_FILES[1]
    target.parent.mkdir(parents=True)
    text = (snapshot / CRIME_FILES[1]).read_text(encoding="utf-8")
    target.write_text(text.replace("Totaal misdrijven", "Diefstal/inbraak woning"), encoding="utf-8")
    with pytest.raises(SourceError, match=r"row 2.*only a download of all crime together"):
        build_warehouse(tmp_path / "w.duckdb", [root])


def _income_rows(path: Path) -> dict[str, tuple[object, ...]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = {}
    for row in workbook.worksheets[0].iter_rows(max_col=6, values_only=True):
        code = row[0] if row[1] == "Totaal" else row[1]
        if isinstance(code, str) and code[:2] in ("GM", "WK"):
            rows[code] = row
    workbook.close()
    return rows


def test_income_values_equal_the_spreadsheet(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    rows = _income_rows(snapshot / INCOME_XLSX)
    chooser = random.Random(2020)
    wijken = chooser.sample(sorted(c for c in rows if c.startswith("WK")), 10)
    gemeenten = chooser.sample(sorted(c for c in rows if c.startswith("GM")), 5)
    for code in [*wijken, *gemeenten, "WK034403", "WK059915"]:
        for position, indicator in INCOME_INDICATORS.items():
            raw = rows[code][position]
            expected = None if raw == "." else float(raw)
            assert _value(con, indicator, code, 2023, 2020) == expected, (code, indicator)


def test_income_file_declares_every_gemeente_and_wijk_of_2023(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        con.execute(
            "SELECT level, count(DISTINCT area_code) FROM observations "
            "WHERE indicator = 'huishoudens_laagste_40pct_inkomen' AND boundary_year = 2023 GROUP BY level"
        ).fetchall()
    )
    assert counts == {"land": 1, "gemeente": 342, "wijk": 3352}


def test_a_damaged_income_row_stops_the_build(snapshot: Path, tmp_path: Path) -> None:
    root = small_snapshot(snapshot, tmp_path / "data")
    target = root / INCOME_XLSX
    target.parent.mkdir(parents=True)
    shutil.copyfile(snapshot / INCOME_XLSX, target)
    workbook = openpyxl.load_workbook(target)
    workbook.worksheets[0]["B20"] = "WK 001404"
    workbook.save(target)
    with pytest.raises(SourceError, match=r"row 20.*neither the country, a gemeente nor a wijk"):
        build_warehouse(tmp_path / "w.duckdb", [root])


def test_new_domains_have_scores_and_overvecht_and_charlois_show_the_new_figures(
    con: duckdb.DuckDBPyConnection,
) -> None:
    scored = dict(
        con.execute(
            "SELECT domain || ' ' || level || ' ' || boundary_year || '/' || period, count(*) FROM domain_scores "
            "WHERE score IS NOT NULL AND domain IN ('housing', 'work_poverty_inclusion', 'safety') "
            "AND boundary_year >= 2022 AND subgroup <> 'actueel' GROUP BY ALL"
        ).fetchall()
    )
    assert scored["housing wijk 2022/2022"] > 3000
    assert scored["housing gemeente 2022/2022"] == 345
    assert scored["work_poverty_inclusion wijk 2023/2020"] > 3000
    assert scored["work_poverty_inclusion gemeente 2023/2020"] == 342
    assert scored["safety gemeente 2024/2024"] == 342
    for code in ("WK034403", "WK059915"):  # Overvecht (Utrecht), Charlois (Rotterdam)
        figures = {
            (f.indicator, f.source_table) for f in area_profile(con, code).figures if f.value is not None
        }
        assert {
            ("woz_waarde", "85318NED"),
            ("koopwoningen", "85318NED"),
            ("nettoarbeidsparticipatie", "85318NED"),
            ("personen_laagste_40pct_inkomen", "85318NED"),
            ("gemiddeld_inkomen_per_inwoner", "kvk2020-wb2023"),
            ("huishoudens_laagste_40pct_inkomen", "kvk2020-wb2023"),
        } <= figures, code


def test_the_latest_picture_stacks_every_measured_domain_with_the_year_of_each_figure(
    con: duckdb.DuckDBPyConnection,
) -> None:
    for code, gemeente in (("WK034403", "GM0344"), ("WK059915", "GM0599")):  # Overvecht, Charlois
        profile = area_profile(con, code)
        scores = profile.scores
        assert scores is not None
        assert (scores.boundary_year, scores.subgroup) == (2024, "actueel")
        years = {d.domain: {p.period for p in d.indicators} for d in scores.domains if d.score is not None}
        assert years == {
            "health": {2020},  # health monitor 2020
            "work_poverty_inclusion": {2020, 2022},  # survey and income 2020, KWB 2022
            "housing": {2022},  # KWB 2022
            "liveability": {2020},
        }
        # safety is counted per gemeente only: the gemeente's score in its own latest picture
        assert profile.gemeente_scores is not None and profile.gemeente_scores.code == gemeente
        safety = next(d for d in profile.gemeente_scores.domains if d.domain == "safety")
        assert safety.score is not None and {p.period for p in safety.indicators} == {2024}
    stacked = con.execute(
        "SELECT count(*) FILTER (WHERE domains_scored >= 4), count(*) FROM area_index "
        "WHERE level = 'wijk' AND boundary_year = 2024 AND subgroup = 'actueel'"
    ).fetchone()
    assert stacked[0] > 3000 and stacked[1] > stacked[0]
