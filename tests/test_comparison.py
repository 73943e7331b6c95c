"""Figures beside their gemeente and the Netherlands, in plain Dutch and English words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from wijkzicht import warehouse
from wijkzicht.monitor.comparison import compare, describe, relation


@pytest.fixture(scope="module")
def analysis_con(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = warehouse.connect(warehouse_path)
    yield con
    con.close()


@pytest.mark.parametrize(
    ("value", "reference", "expected"),
    [
        (12.0, 10.0, "higher"),
        (8.0, 10.0, "lower"),
        (11.9, 10.0, "equal"),  # a share within 2 percentage points (catalogue/differences.yaml)
        (51.0, 50.8, "equal"),
        (None, 9.0, None),
    ],
)
def test_relation_of_shares_beyond_the_stated_tolerance(
    value: float | None, reference: float, expected: str | None
) -> None:
    assert relation(value, reference, "%") == expected


def test_relation_of_other_units_beyond_five_percent() -> None:
    assert relation(104.9, 100.0, "x 1 000 euro") == "equal"
    assert relation(105.0, 100.0, "x 1 000 euro") == "higher"


def test_words_follow_the_direction_in_both_languages() -> None:
    assert (
        describe("higher", "national", "higher_is_worse", "nl")
        == "hoger dan het landelijk gemiddelde (ongunstiger)"
    )
    assert (
        describe("higher", "national", "higher_is_better", "nl")
        == "hoger dan het landelijk gemiddelde (gunstiger)"
    )
    assert describe("lower", "gemeente", "neutral", "en") == "lower than the average of the gemeente"
    assert describe("equal", "national", "higher_is_worse", "en") == "equal to the national average"


def test_overvecht_money_worries_beside_utrecht_and_the_netherlands(
    analysis_con: duckdb.DuckDBPyConnection,
) -> None:
    [found] = compare(
        analysis_con, "WK034403", period=2020, subgroup="18plus", indicator="moeite_met_rondkomen"
    )
    query = """SELECT area_code, value FROM observations WHERE indicator = 'moeite_met_rondkomen'
               AND period = 2020 AND subgroup = '18plus' AND area_code IN ('WK034403', 'GM0344', 'NL00')"""
    expected = dict(analysis_con.execute(query).fetchall())
    assert (found.value, found.gemeente_value, found.national_value) == (
        expected["WK034403"],
        expected["GM0344"],
        expected["NL00"],
    )
    assert found.value > found.national_value
    assert found.versus_national == "hoger dan het landelijk gemiddelde (ongunstiger)"
    assert found.versus_gemeente == "hoger dan het gemiddelde van de gemeente (ongunstiger)"


def test_counts_get_no_words_about_averages(analysis_con: duckdb.DuckDBPyConnection) -> None:
    found = compare(analysis_con, "GM0363", indicator="inwoners")
    assert found and all(c.value > 800_000 for c in found)
    assert all(c.versus_national is None and c.versus_gemeente is None for c in found)


def test_a_buurt_below_the_minimum_population_shows_no_value(analysis_con: duckdb.DuckDBPyConnection) -> None:
    code = analysis_con.execute(
        """SELECT o.area_code FROM observations o JOIN observations p ON p.area_code = o.area_code
           AND p.indicator = 'inwoners' AND p.boundary_year = 2024 AND p.value < 100
           WHERE o.indicator = 'eenzaam' AND o.period = 2020 AND o.subgroup = '18plus' AND o.value IS NOT NULL
           ORDER BY o.area_code LIMIT 1"""
    ).fetchone()[0]
    [found] = compare(analysis_con, code, period=2020, subgroup="18plus", indicator="eenzaam")
    assert found.value is None and found.versus_national is None
    assert found.suppressed_reason == "minder dan 100 inwoners"
