"""Harmonised series: figures carried to 2024 boundaries, checked against the VNG matrices read directly.

The expected values are computed here from the `.rda` files themselves (rows: 2024 areas, columns: areas
of the old year, cells: addresses in both), independently of the warehouse's `boundary_changes`,
`address_moves` and `boundary_map`.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import rdata
from typer.testing import CliRunner

from wijkzicht.cli.main import app


def _matrix(snapshot: Path, level: str, from_year: int) -> tuple[list[str], list[str], np.ndarray]:
    path = snapshot / "grenswijzigen" / f"grenswijziging_{level}_van_{from_year}_naar_2024.rda"
    matrix = next(iter(rdata.read_rda(path).values()))
    new_codes, old_codes = (matrix.coords[dim].values for dim in matrix.dims)
    prefix = {"wijk": "WK", "gemeente": "GM"}[level]
    return (
        [prefix + str(c) for c in new_codes],
        [prefix + str(c) for c in old_codes],
        np.asarray(matrix.values),
    )


def _published(con: duckdb.DuckDBPyConnection, indicator: str, subgroup: str, year: int, period: int) -> dict:
    return dict(
        con.execute(
            "SELECT area_code, value FROM observations WHERE indicator = ? AND subgroup = ? "
            "AND boundary_year = ? AND period = ?",
            [indicator, subgroup, year, period],
        ).fetchall()
    )


def _harmonised(con: duckdb.DuckDBPyConnection, indicator: str, subgroup: str, period: int, code: str):
    return con.execute(
        "SELECT value, quality, published_year, from_codes FROM harmonisation WHERE indicator = ? "
        "AND subgroup = ? AND period = ? AND area_code = ?",
        [indicator, subgroup, period, code],
    ).fetchone()


def _expected_count(new_codes, old_codes, values, published: dict, code: str) -> float:
    """Each old area's count times the share of its addresses that lie in the new area, summed."""
    row = values[new_codes.index(code)]
    return sum(published[old_codes[j]] * row[j] / values[:, j].sum() for j in np.nonzero(row)[0])


def test_split_wijk_count_follows_address_shares(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    new_codes, old_codes, values = _matrix(snapshot, "wijk", 2017)
    column = values[:, old_codes.index("WK021600")]
    parts = [new_codes[i] for i in np.nonzero(column)[0]]
    assert sorted(parts) == ["WK021600", "WK021601"]  # Culemborg's wijk 00 was split in two
    published = _published(con, "inwoners", "totaal", 2017, 2017)
    for code in parts:
        value, quality, year, from_codes = _harmonised(con, "inwoners", "totaal", 2017, code)
        assert value == pytest.approx(_expected_count(new_codes, old_codes, values, published, code))
        assert (quality, year, from_codes) == ("changed", 2017, ["WK021600"])
    # the parts add up to the old wijk again
    together = sum(_harmonised(con, "inwoners", "totaal", 2017, code)[0] for code in parts)
    assert together == pytest.approx(published["WK021600"])


def test_merged_wijk_count_is_the_sum_of_its_parts(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    new_codes, old_codes, values = _matrix(snapshot, "wijk", 2017)
    row = values[new_codes.index("WK008020")]
    sources = sorted(old_codes[j] for j in np.nonzero(row)[0])
    assert sources == ["WK008030", "WK008031", "WK008032"]  # three Leeuwarden wijken became one
    published = _published(con, "inwoners", "totaal", 2017, 2017)
    value, quality, _, from_codes = _harmonised(con, "inwoners", "totaal", 2017, "WK008020")
    assert value == pytest.approx(_expected_count(new_codes, old_codes, values, published, "WK008020"))
    assert value == pytest.approx(sum(published[code] for code in sources))
    assert (quality, from_codes) == ("changed", sources)


def test_unchanged_wijk_keeps_its_figure(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    new_codes, old_codes, _ = _matrix(snapshot, "wijk", 2017)
    assert "WK059901" not in new_codes and "WK059901" not in old_codes  # untouched by the matrix
    published = _published(con, "inwoners", "totaal", 2017, 2017)
    value, quality, _, from_codes = _harmonised(con, "inwoners", "totaal", 2017, "WK059901")
    assert (value, quality, from_codes) == (published["WK059901"], "unchanged", ["WK059901"])


def test_a_gemeente_total_is_the_same_before_and_after(
    con: duckdb.DuckDBPyConnection, snapshot: Path
) -> None:
    new_codes, old_codes, _ = _matrix(snapshot, "gemeente", 2017)
    assert "GM0344" not in new_codes and "GM0344" not in old_codes  # Utrecht's outline did not change
    before, after = con.execute(
        """
        SELECT (SELECT sum(value) FROM observations WHERE indicator = 'inwoners' AND subgroup = 'totaal'
                AND level = 'wijk' AND boundary_year = 2017 AND period = 2017 AND area_code LIKE 'WK0344%'),
               (SELECT sum(value) FROM harmonisation WHERE indicator = 'inwoners' AND subgroup = 'totaal'
                AND level = 'wijk' AND period = 2017 AND area_code LIKE 'WK0344%')
        """
    ).fetchone()
    assert before > 300_000
    assert after == pytest.approx(before, rel=1e-12)


def test_a_percentage_is_weighted_by_redistributed_inhabitants(
    con: duckdb.DuckDBPyConnection, snapshot: Path
) -> None:
    """The health monitor publishes only percentages: recomputed with all inhabitants as the weight."""
    new_codes, old_codes, values = _matrix(snapshot, "wijk", 2020)
    row = values[new_codes.index("WK0363TJ")]
    sources = [j for j in np.nonzero(row)[0]]
    assert sorted(old_codes[j] for j in sources) == ["WK036393", "WK036396"]
    published = _published(con, "eenzaam", "18plus", 2020, 2020)
    population = dict(
        con.execute("SELECT area_code, population FROM area_population WHERE boundary_year = 2020").fetchall()
    )
    weights = {old_codes[j]: population[old_codes[j]] * row[j] / values[:, j].sum() for j in sources}
    expected = sum(published[code] * weight for code, weight in weights.items()) / sum(weights.values())
    value, quality, _, _ = _harmonised(con, "eenzaam", "18plus", 2020, "WK0363TJ")
    assert value == pytest.approx(expected)
    assert quality in ("slightly_changed", "changed")


def test_published_figures_stay_and_buurten_are_not_carried(con: duckdb.DuckDBPyConnection) -> None:
    on_2020, on_2024, buurten = con.execute(
        """
        SELECT (SELECT count(*) FROM observations WHERE level = 'wijk' AND indicator = 'eenzaam'
                AND boundary_year = 2020 AND period = 2020),
               (SELECT count(*) FROM harmonised_observations WHERE level = 'wijk' AND indicator = 'eenzaam'
                AND boundary_year = 2024 AND period = 2020),
               (SELECT count(*) FROM harmonisation WHERE level = 'buurt')
        """
    ).fetchone()
    assert on_2020 > 0 and on_2024 > 0 and buurten == 0
    # every carried figure names where it came from, how, and how good it is
    assert con.execute(
        "SELECT count(*) FROM harmonisation WHERE quality IS NULL OR method IS NULL OR len(from_codes) = 0 "
        "OR source_id IS NULL"
    ).fetchone() == (0,)


def test_wijk_ranking_defaults_to_2024_boundaries_with_amsterdam_zuidoost(warehouse_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["rank", "--level", "wijk", "--limit", "5000", "--format", "json", "--db", str(warehouse_path)]
    )
    assert result.exit_code == 0, result.output
    ranked = json.loads(result.output)
    # the latest picture on 2024 boundaries: its wijk window ends with KWB 2022
    assert {(r["boundary_year"], r["period"], r["subgroup"]) for r in ranked} == {(2024, 2022, "actueel")}
    zuidoost = {r["code"] for r in ranked if r["code"].startswith("WK0363T")}
    assert len(zuidoost) >= 10  # Amsterdam Zuidoost's wijken (letter codes of 2022) have an index
    published = CliRunner().invoke(
        app,
        [
            "rank",
            "--level",
            "wijk",
            "--boundary-year",
            "2020",
            "--format",
            "json",
            "--db",
            str(warehouse_path),
        ],
    )
    assert {r["boundary_year"] for r in json.loads(published.output)} == {2020}  # as published stays


def test_the_index_has_a_series_over_time_on_2024_boundaries(con: duckdb.DuckDBPyConnection) -> None:
    periods = con.execute(
        "SELECT list(DISTINCT period ORDER BY period) FROM area_index WHERE area_code = 'WK0363TE' "
        "AND boundary_year = 2024 AND subgroup = '18plus'"
    ).fetchone()[0]
    assert periods == [2012, 2016, 2020]


def test_a_recomputed_figure_has_no_float_noise_that_could_differ_between_builds(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Sums of doubles add up in a varying order when DuckDB runs in parallel; the carried figure is rounded
    to 9 decimals, so a tie (1.7 against 1.6999999999999995) cannot flip from one build to the next."""
    recomputed, noisy = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE value <> round(value, 9)) FROM harmonisation "
        "WHERE value IS NOT NULL AND method NOT LIKE 'zelfde gebied%'"
    ).fetchone()
    assert recomputed > 100_000 and noisy == 0
