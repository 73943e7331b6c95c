"""The warehouse built from the real snapshot holds exactly what the raw files say."""

from __future__ import annotations

import csv
import gzip
import json
import random
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
import rdata

from wijkzicht.warehouse.builder import MISSING_MARKERS
from wijkzicht.warehouse.connection import ROW_GROUP_SIZE, connect

SNAPSHOT_FIGURES = {
    # (level, boundary year) -> count, from SOURCES.md and the CBS region list
    ("buurt", 2024): 14_574,
    ("wijk", 2024): 3_393,
    ("gemeente", 2024): 342,
}


@pytest.mark.parametrize(("level", "year"), SNAPSHOT_FIGURES)
def test_registry_2024_has_every_cbs_area(con: duckdb.DuckDBPyConnection, level: str, year: int) -> None:
    count = con.execute(
        "SELECT count(*) FROM areas WHERE level = ? AND boundary_year = ?", [level, year]
    ).fetchone()
    assert count[0] == SNAPSHOT_FIGURES[(level, year)]


def test_registry_codes_are_trimmed_and_parents_follow_the_code(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*) FROM areas WHERE code <> trim(code)").fetchone()[0] == 0
    row = con.execute(
        "SELECT level, name, gemeente_code, wijk_code FROM areas "
        "WHERE code = 'BU0363AA01' AND boundary_year = 2024"
    ).fetchone()
    assert row == ("buurt", "Planciusbuurt-Noord", "GM0363", "WK0363AA")


def test_registry_knows_the_years_an_area_exists(con: duckdb.DuckDBPyConnection) -> None:
    years = con.execute("SELECT boundary_years FROM area_years WHERE code = 'GM0363'").fetchone()[0]
    assert years == [2017, 2019, 2020, 2022, 2023, 2024]
    # The pseudo-municipality 'Buitenland' and the police's 'onbekend' codes are not areas.
    assert (
        con.execute("SELECT count(*) FROM areas WHERE code IN ('GM0998', 'GM0000', 'BU00000000')").fetchone()[
            0
        ]
        == 0
    )


def test_buurt_inhabitants_2024_sum_to_the_cbs_total(con: duckdb.DuckDBPyConnection) -> None:
    total = con.execute(
        "SELECT sum(value) FROM observations WHERE indicator = 'inwoners' AND level = 'buurt' "
        "AND period = 2024"
    ).fetchone()[0]
    assert total == 17_942_915


def test_gemeente_inhabitants_2024_sum_to_the_population_of_the_netherlands(
    con: duckdb.DuckDBPyConnection,
) -> None:
    total = con.execute(
        "SELECT sum(value) FROM observations WHERE indicator = 'inwoners' AND level = 'gemeente' "
        "AND period = 2024"
    ).fetchone()[0]
    assert total == 17_942_942


def test_health_monitor_has_every_buurt_for_every_age_group_and_period(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute("""
        SELECT subgroup, period, count(DISTINCT area_code) FROM observations
        WHERE indicator = 'ervaren_gezondheid_goed' AND level = 'buurt' AND boundary_year = 2020
        GROUP BY ALL ORDER BY ALL""").fetchall()
    # The 2020 18-65 file is not in the snapshot (SOURCES.md): seven of the nine combinations.
    assert rows == [
        ("18plus", 2012, 13_808),
        ("18plus", 2016, 13_808),
        ("18plus", 2020, 13_808),
        ("18tot65", 2012, 13_808),
        ("18tot65", 2016, 13_808),
        ("65plus", 2012, 13_808),
        ("65plus", 2016, 13_808),
        ("65plus", 2020, 13_808),
    ]


def test_self_rated_health_of_the_netherlands_2020(con: duckdb.DuckDBPyConnection) -> None:
    value = con.execute(
        "SELECT value FROM observations WHERE indicator = 'ervaren_gezondheid_goed' "
        "AND area_code = 'NL00' AND period = 2020 AND subgroup = '18plus'"
    ).fetchone()[0]
    assert value == 78.4


def test_columns_never_measured_in_a_period_are_noted_not_stored(con: duckdb.DuckDBPyConnection) -> None:
    noted = con.execute(
        "SELECT count(*) FROM series_notes WHERE indicator = 'geluidhinder_buren' AND period IN (2012, 2016)"
    ).fetchone()[0]
    stored = con.execute(
        "SELECT count(*) FROM observations WHERE indicator = 'geluidhinder_buren' AND period IN (2012, 2016)"
    ).fetchone()[0]
    assert (noted, stored) == (6, 0)  # 2012 and 2016, three age-group files each


def test_every_missing_value_is_null_with_a_reason(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        con.execute(
            "SELECT count(*) FROM observations WHERE (value IS NULL) <> (missing_reason IS NOT NULL)"
        ).fetchone()[0]
        == 0
    )
    reasons = dict(con.execute("SELECT missing_reason, count(*) FROM observations GROUP BY ALL").fetchall())
    assert reasons[MISSING_MARKERS["-99999999"]] > 0 and reasons[MISSING_MARKERS["."]] > 0
    assert reasons[MISSING_MARKERS["null"]] == 40  # 37 densities + 3 housing stocks in the KWB subset


def test_no_missing_marker_became_zero(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    """Every '.', empty or -99999999 cell of a raw file is NULL in the warehouse, cell by cell."""
    health = snapshot / "rivm_gezondheid" / "50090NED_gezondheid_wijk_buurt_2016_65plus.csv.gz"
    raw_missing = {
        (row["WijkenEnBuurten"].replace("NL01", "NL00"), column)
        for row in _rows(health)
        for column in ("Ondergewicht_7", "ZwareDrinker_14", "MoeiteMetRondkomen_38")
        if row[column] in (".", "")
    }
    stored = {
        (code, column): value
        for code, column, value in con.execute(
            """
            SELECT o.area_code, p.source_column, o.value FROM observations o JOIN provenance p USING (source_id)
            WHERE p.source_file = ? AND p.source_column IN ('Ondergewicht_7', 'ZwareDrinker_14', 'MoeiteMetRondkomen_38')
        """,
            [health.relative_to(snapshot).as_posix()],
        ).fetchall()
    }
    assert len(raw_missing) > 1_000
    assert all(stored[cell] is None for cell in raw_missing)
    wbk_secret = con.execute(
        """
        SELECT count(*), count(value) FROM observations o JOIN provenance p USING (source_id)
        WHERE p.source_table = 'wbk2017' AND o.missing_reason = ?""",
        [MISSING_MARKERS["-99999999"]],
    ).fetchone()
    assert wbk_secret[0] > 0 and wbk_secret[1] == 0


def test_a_random_sample_of_cells_equals_the_raw_files(
    con: duckdb.DuckDBPyConnection, snapshot: Path
) -> None:
    files = [
        row[0] for row in con.execute("SELECT DISTINCT source_file FROM provenance ORDER BY 1").fetchall()
    ]
    rng = random.Random(20241)
    checked = 0
    for source_file in files:
        sample = con.execute(
            """
            SELECT o.area_code, coalesce(c.count, o.value), coalesce(c.count_missing_reason, o.missing_reason),
                   o.source_line, p.source_column, o.period
            FROM observations o JOIN provenance p USING (source_id)
            LEFT JOIN crime_counts c USING (indicator, area_code, boundary_year, period)  -- the count, not the rate
            WHERE p.source_file = ?
            ORDER BY hash(o.area_code, o.indicator, o.subgroup, o.period, ?) LIMIT 25
        """,
            [source_file, rng.random()],
        ).fetchall()
        for code, value, reason, line, column, period in sample:
            raw = _raw_cell(snapshot / source_file, code, line, column, period)
            if raw.strip() in MISSING_MARKERS or raw.strip() == "":
                assert value is None and reason is not None, (source_file, line, column, raw)
            else:
                assert value == float(raw), (source_file, line, column, raw, value)
            checked += 1
    assert checked >= 200 and len(files) >= 17


def test_boundary_change_matrices_keep_every_address(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    total = con.execute(
        "SELECT sum(addresses) FROM boundary_changes WHERE level = 'wijk' AND variant = 'adres' "
        "AND from_year = 2020"
    ).fetchone()[0]
    assert total == 1_632_531  # the sum of the 839 x 626 matrix in grenswijziging_wijk_van_2020_naar_2024.rda


def test_boundary_changes_run_from_the_old_year_to_2024(con: duckdb.DuckDBPyConnection) -> None:
    shares = con.execute("""
        SELECT avg((f.code IS NOT NULL)::INT), avg((t.code IS NOT NULL)::INT)
        FROM boundary_changes b
        LEFT JOIN areas f ON f.code = b.from_code AND f.boundary_year = b.from_year
        LEFT JOIN areas t ON t.code = b.to_code AND t.boundary_year = 2024
        WHERE b.from_year = 2017
    """).fetchone()
    assert shares == (1.0, 1.0)  # every from_code is a 2017 area, every to_code a 2024 area


def test_focus_areas_and_boundaries_are_loaded(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*), count(DISTINCT gemeente_code) FROM focus_areas").fetchone() == (
        20,
        19,
    )
    counts = dict(
        con.execute("SELECT (level, boundary_year), count(*) FROM geometries GROUP BY ALL").fetchall()
    )
    assert counts == {
        ("gemeente", 2019): 355,
        ("gemeente", 2022): 345,
        ("gemeente", 2023): 342,
        ("gemeente", 2024): 342,
        ("wijk", 2022): 3340,  # every wijk of KWB 2022 (85318NED via tmap's R data file)
        ("wijk", 2024): 3393,  # every wijk of KWB 2024; PDOK's 82 water and abroad pseudo-wijken left out
    }
    area = con.execute(
        "SELECT ST_Area_Spheroid(ST_FlipCoordinates(geom)) / 1e6 FROM geometries "
        "WHERE code = 'GM0363' AND boundary_year = 2024"
    ).fetchone()[0]
    assert 200 < area < 260  # Amsterdam: 219 km², 243.65 km² with water (OppervlakteTotaal 24,365 ha)


def test_pdok_pseudo_areas_are_not_areas(con: duckdb.DuckDBPyConnection) -> None:
    """PDOK's "Groot water" wijken and the pseudo-municipality Buitenland are neither areas nor polygons."""
    kwb_wijken = {
        row[0]
        for row in con.execute(
            "SELECT code FROM areas WHERE level = 'wijk' AND boundary_year = 2024 AND code NOT LIKE 'WK0998%'"
        ).fetchall()
    }
    drawn = {
        row[0]
        for row in con.execute(
            "SELECT code FROM geometries WHERE level = 'wijk' AND boundary_year = 2024"
        ).fetchall()
    }
    assert drawn == kwb_wijken and "WK099899" not in drawn
    assert con.execute(
        "SELECT count(*) FROM areas WHERE name = 'Groot water' OR code LIKE '__0998%'"
    ).fetchone() == (0,)


def test_police_metadata_is_loaded(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*) FROM crime_types").fetchone()[0] == 59
    assert con.execute("SELECT min(period), max(period) FROM table_periods").fetchone() == (2012, 2023)


# --- reading raw files independently of the warehouse's readers -------------------------------------


@cache
def _rows_by_line(path: Path) -> tuple[dict[str, str], ...]:
    return tuple(_rows(path))


def _rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as stream:
        delimiter = ";" if path.suffix == ".csv" and "statline" in path.name else ","
        return list(csv.DictReader(stream, delimiter=delimiter))


@cache
def _json_subset(path: Path) -> dict[str, dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return json.load(stream)


@cache
def _rda_frame(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (frame,) = rdata.conversion.convert(rdata.parser.parse_file(path)).values()
    return frame


# tmap's names for the columns of 85318NED it keeps unedited (SOURCES.md)
TMAP_COLUMNS = {
    "AantalInwoners_5": "population",
    "Woningvoorraad_34": "dwelling_total",
    "GemiddeldeWOZWaardeVanWoningen_35": "dwelling_value",
    "Koopwoningen_40": "dwelling_ownership",
    "Nettoarbeidsparticipatie_67": "employment_rate",
    "k_40PersonenMetLaagsteInkomen_73": "income_low",
    "k_20PersonenMetHoogsteInkomen_74": "income_high",
    "OppervlakteTotaal_111": "area",
}


@cache
def _sheet_rows(path: Path) -> tuple[tuple[object, ...], ...]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = tuple(workbook.worksheets[0].iter_rows(max_col=6, values_only=True))
    workbook.close()
    return rows


@cache
def _statline_lines(path: Path) -> tuple[list[str], ...]:
    with path.open(encoding="utf-8", newline="") as stream:
        return tuple(csv.reader(stream, delimiter=";"))


def _raw_cell(path: Path, code: str, line: int, column: str, period: int) -> str:
    if path.suffix == ".rda":
        row = _rda_frame(path).iloc[line - 1]
        assert row["code"] == code
        value = row[TMAP_COLUMNS[column]]
        if value is None or value != value or str(value) == "<NA>":
            return ""
        return str(round(value * 100)) if column.startswith("OppervlakteTotaal") else str(value)
    if path.suffix == ".xlsx":
        rows = _sheet_rows(path)
        header = {" ".join(str(r[i]).strip() for r in rows[:9] if r[i] is not None): i for i in (3, 4, 5)}
        row = rows[line - 1]
        assert code in (row[0], row[1]) or (code == "NL00" and row[0] == "Nederland")
        return str(row[header[column]])
    if path.name.startswith("47013NED_"):
        lines = _statline_lines(path)
        row = lines[line - 1]
        return lines[line - 1][1 + lines[4][1:].index(str(period))]  # line 5: the periods
    if path.name.endswith(".json.gz"):
        document = _json_subset(path)
        value = document[code][column]
        assert list(document)[line - 1] == code
        return "null" if value is None else str(value)
    row = _rows_by_line(path)[line - 2]  # line 1 is the header
    if column == "AantalInwoners_5":  # the buurt extract stores 85984NED's AantalInwoners_5 as 'population'
        column = "population"
    return row[column]


@pytest.mark.parametrize("table", ["published_values", "standardised_values", "area_comparisons"])
def test_large_tables_are_stored_in_small_row_groups(con: duckdb.DuckDBPyConnection, table: str) -> None:
    # One area's rows are found by scanning the row groups whose range of codes holds it: small groups
    # make that a few thousand rows, not DuckDB's default of 122,880.
    groups = con.execute(
        f"""SELECT count(*), max(rows) FROM (
                SELECT row_group_id, sum(count) AS rows FROM pragma_storage_info('{table}')
                WHERE column_path = '[0]' GROUP BY row_group_id)"""
    ).fetchone()
    assert groups is not None
    count, largest = groups
    assert largest == ROW_GROUP_SIZE < 122_880
    assert count > 1_000_000 // ROW_GROUP_SIZE


def test_a_build_spills_beside_its_own_file(tmp_path: Path) -> None:
    # Not into `.tmp` of the working directory, which two builds at once (test workers) would share.
    building = tmp_path / "wh.duckdb.building"
    con = connect(building, read_only=False)
    try:
        assert con.execute("SELECT current_setting('temp_directory')").fetchone() == (f"{building}.tmp",)
    finally:
        con.close()
