"""Trends: series across periods on one set of boundaries, judged against each indicator's direction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from wijkzicht import warehouse
from wijkzicht.cli.main import app
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor.trends import area_trends, harmonise_counts, judgement

OVERVECHT = "WK034403"


@pytest.fixture(scope="module")
def trend_con(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = warehouse.connect(warehouse_path)
    yield con
    con.close()


def warehouse_series(con: duckdb.DuckDBPyConnection, code: str, indicator: str) -> list[tuple[int, float]]:
    return con.execute(
        """SELECT period, value FROM observations WHERE area_code = ? AND indicator = ?
           AND subgroup = '18plus' AND boundary_year = 2020 ORDER BY period""",
        [code, indicator],
    ).fetchall()


def test_overvecht_loneliness_series_equals_the_warehouse_and_worsens(
    trend_con: duckdb.DuckDBPyConnection,
) -> None:
    [found] = area_trends(trend_con, OVERVECHT, indicator="eenzaam", subgroup="18plus")
    expected = warehouse_series(trend_con, OVERVECHT, "eenzaam")
    assert [period for period, _ in expected] == [2012, 2016, 2020]
    # Overvecht did not change: the series on 2024 boundaries has the figures as published on 2020 ones
    assert found.points == expected and found.boundary_year == 2024 and not found.methods
    [published] = area_trends(trend_con, OVERVECHT, indicator="eenzaam", subgroup="18plus", as_published=True)
    assert published.points == expected and published.boundary_year == 2020
    assert [(s.from_period, s.to_period) for s in found.steps] == [(2012, 2016), (2016, 2020)]
    for step, (before, after) in zip(found.steps, pairwise(expected), strict=True):
        assert step.change == pytest.approx(after[1] - before[1])
        # eenzaam is higher_is_worse: more loneliness is a worsening, beyond 2 percentage points
        rise = after[1] - before[1]
        assert step.judgement == ("worse" if rise >= 2 else "better" if rise <= -2 else "equal")
    assert found.overall is not None and (found.overall.from_period, found.overall.to_period) == (2012, 2020)
    rise = expected[-1][1] - expected[0][1]
    assert found.overall.words == ("verslechterd" if rise >= 2 else "verbeterd" if rise <= -2 else "gelijk")


def test_a_higher_is_better_indicator_improves_when_it_rises(trend_con: duckdb.DuckDBPyConnection) -> None:
    [found] = area_trends(trend_con, OVERVECHT, indicator="ervaren_gezondheid_goed", subgroup="18plus")
    first, last = found.points[0][1], found.points[-1][1]
    assert found.overall is not None
    assert found.overall.judgement == ("better" if last > first else "worse")


def test_a_change_within_the_stated_tolerance_is_equal() -> None:
    # shares: 2 percentage points (catalogue/differences.yaml); other units: 5% of the first value
    assert judgement(20.0, 21.9, "higher_is_worse", "%") == "equal"
    assert judgement(20.0, 22.0, "higher_is_worse", "%") == "worse"
    assert judgement(20.0, 17.5, "neutral", "%") == "down"
    assert judgement(300.0, 312.0, "higher_is_better", "x 1 000 euro") == "equal"
    assert judgement(300.0, 316.0, "higher_is_better", "x 1 000 euro") == "better"


percentages = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(first=percentages, last=percentages)
def test_reversing_the_direction_flips_better_and_worse(first: float, last: float) -> None:
    worse_when_higher = judgement(first, last, "higher_is_worse", "%")
    better_when_higher = judgement(first, last, "higher_is_better", "%")
    flipped = {"better": "worse", "worse": "better", "equal": "equal"}
    assert better_when_higher == flipped[worse_when_higher]


def test_harmonised_inhabitants_2017_keep_the_national_total(trend_con: duckdb.DuckDBPyConnection) -> None:
    harmonised = harmonise_counts(trend_con, "inwoners", "wijk", 2017)
    old = dict(
        trend_con.execute(
            """SELECT area_code, value FROM published_observations WHERE indicator = 'inwoners'
               AND level = 'wijk' AND boundary_year = 2017 AND value IS NOT NULL"""
        ).fetchall()
    )
    covered_total = sum(value for code, value in old.items() if code not in harmonised.uncovered_codes)
    assert harmonised.carried_codes + len(harmonised.uncovered_codes) == len(old)
    assert len(harmonised.uncovered_codes) <= 0.01 * len(old)
    assert sum(harmonised.values.values()) == pytest.approx(covered_total, abs=1)
    new_codes = {
        c
        for (c,) in trend_con.execute(
            "SELECT code FROM areas WHERE level = 'wijk' AND boundary_year = 2024"
        ).fetchall()
    }
    assert set(harmonised.values) <= new_codes


def test_an_unchanged_wijk_keeps_its_count(trend_con: duckdb.DuckDBPyConnection) -> None:
    harmonised = harmonise_counts(trend_con, "inwoners", "wijk", 2017)
    [(own,)] = trend_con.execute(
        """SELECT value FROM observations
           WHERE indicator = 'inwoners' AND area_code = ? AND boundary_year = 2017""",
        [OVERVECHT],
    ).fetchall()
    assert harmonised.values[OVERVECHT] == own


def test_a_rate_is_never_split(trend_con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(WijkzichtError, match="never split"):
        harmonise_counts(trend_con, "eenzaam", "wijk", 2020)


def changed_wijk(con: duckdb.DuckDBPyConnection) -> str:
    """A 2024 wijk whose 2017 namesake lost addresses to another wijk."""
    [(code,)] = con.execute(
        """SELECT old_code FROM address_moves
           WHERE level = 'wijk' AND variant = 'adres' AND from_year = 2017
             AND old_code IN (SELECT code FROM areas WHERE level = 'wijk' AND boundary_year = 2024)
           GROUP BY old_code HAVING count(*) > 1 ORDER BY old_code LIMIT 1"""
    ).fetchall()
    return code


def test_counts_on_changed_boundaries_are_redistributed_and_rates_are_not_compared(
    trend_con: duckdb.DuckDBPyConnection,
) -> None:
    code = changed_wijk(trend_con)
    found = {t.indicator: t for t in area_trends(trend_con, code)}
    inhabitants = found["inwoners"]
    assert inhabitants.points[0] == (
        2017,
        pytest.approx(harmonise_counts(trend_con, "inwoners", "wijk", 2017).values[code]),
    )
    assert inhabitants.methods and "aandeel adressen" in inhabitants.methods[0]
    density = found["bevolkingsdichtheid"]
    assert density.points[0] == (2017, None) and not density.steps
    assert "niet verdeeld" in density.not_comparable[0]


def test_trend_command_prints_json(warehouse_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "trend",
            OVERVECHT,
            "--indicator",
            "eenzaam",
            "--subgroup",
            "18plus",
            "--format",
            "json",
            "--db",
            str(warehouse_path),
        ],
    )
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)["trends"]
    assert found["overall"]["words"] in ("verbeterd", "verslechterd", "gelijk")
