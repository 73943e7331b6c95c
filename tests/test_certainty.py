"""How sure a figure is: exact intervals from counts, and the one rule for calling a difference a difference."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient

from wijkzicht.monitor import comparison, trends
from wijkzicht.monitor.difference import difference
from wijkzicht.monitor.intervals import NOT_PUBLISHED, poisson_rate

CHARLOIS = "WK059915"


def test_poisson_intervals_cover_the_true_rate_at_about_the_nominal_level() -> None:
    # 2,000 areas with a known true rate per 1 000 inhabitants; each registers a Poisson count of events
    generator = np.random.default_rng(20)
    populations = generator.integers(300, 20_000, size=2_000)
    true_rates = generator.uniform(2, 120, size=2_000)
    counts = generator.poisson(true_rates * populations / 1000)
    covered = [
        (interval := poisson_rate(count, population, 1000)).low <= rate <= interval.high
        for count, population, rate in zip(counts, populations, true_rates, strict=True)
    ]
    assert 0.93 <= np.mean(covered) <= 0.97


def test_a_count_of_zero_has_a_lower_bound_of_zero_and_a_positive_upper_bound() -> None:
    interval = poisson_rate(0, 1000, 1000)
    assert interval.low == 0 and 3.6 < interval.high < 3.8  # the exact upper bound of 0 events is 3.689


def test_intervals_decide_where_both_sides_have_one() -> None:
    apart, overlapping = poisson_rate(100, 1000, 1000), poisson_rate(130, 1000, 1000)
    far = poisson_rate(200, 1000, 1000)
    # 100 against 130 per 1 000 differs by 30%, far beyond the tolerance, but the intervals overlap
    assert difference(100, 130, "per 1 000 inwoners", apart, overlapping).relation == "equal"
    assert difference(100, 200, "per 1 000 inwoners", apart, far).relation == "lower"
    assert difference(100, 130, "per 1 000 inwoners").relation == "lower"  # without intervals: tolerance


def _figure(con: duckdb.DuckDBPyConnection, code: str, indicator: str) -> comparison.Comparison:
    (found,) = comparison.compare(con, code, indicator=indicator, period=2020, subgroup="18plus")
    return found


def test_overweight_51_against_the_national_50_8_is_equal_and_uncoloured(
    con: duckdb.DuckDBPyConnection,
) -> None:
    figure = _figure(con, "BU00141203", "overgewicht")
    assert (figure.value, figure.national_value) == (51.0, 50.8)
    assert (figure.difference_national, figure.difference_basis) == ("gelijk", "tolerance")
    assert figure.versus_national == "gelijk aan het landelijk gemiddelde"  # no "(ongunstiger)"
    assert figure.interval is None and figure.interval_note == NOT_PUBLISHED  # a model estimate


def test_a_large_gap_is_less_favourable(con: duckdb.DuckDBPyConnection) -> None:
    figure = _figure(con, CHARLOIS, "moeite_met_rondkomen")
    assert (figure.value, figure.national_value) == (28.4, 13.9)
    assert figure.difference_national == "hoger"
    assert figure.versus_national == "hoger dan het landelijk gemiddelde (ongunstiger)"


def test_a_gemeente_crime_rate_carries_its_exact_interval(con: duckdb.DuckDBPyConnection) -> None:
    figures = comparison.compare(con, "GM0599", indicator="misdrijven_totaal", period=2023)
    (figure,) = [f for f in figures if f.boundary_year == 2024]
    count, population = con.execute(
        """SELECT count, population FROM published_crime_counts WHERE indicator = 'misdrijven_totaal'
           AND area_code = 'GM0599' AND boundary_year = 2024 AND period = 2023"""
    ).fetchone()
    assert figure.value is not None and figure.interval == poisson_rate(count, population, 1000)
    assert figure.interval.low < figure.value < figure.interval.high


def test_a_crime_rate_change_within_overlapping_intervals_is_equal(con: duckdb.DuckDBPyConnection) -> None:
    # Schiermonnikoog registered 39 crimes in 2023 and 20 in 2024 among 972 inhabitants: the rate halves,
    # far beyond the 5% tolerance, yet the two exact intervals overlap, so the change is "gelijk"
    (trend,) = trends.area_trends(con.cursor(), "GM0088", indicator="misdrijven_totaal")
    (step,) = trend.steps
    assert (step.from_period, step.to_period) == (2023, 2024)
    assert step.change < -19 and step.judgement == "equal"
    # without the counts the tolerance would have called it better
    assert trends.judgement(trend.points[1][1], trend.points[2][1], trend.direction, trend.unit) == "better"


def test_the_profile_shows_the_interval_of_a_rate_from_counts(web: TestClient) -> None:
    page = web.get("/gebied/GM0599")
    assert page.status_code == 200
    row = page.text.split('data-indicator="misdrijven_totaal"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"95%\N{NON-BREAKING HYPHEN}marge \d+,\d tot \d+,\d", row)  # kept on one line


def test_the_national_crime_rate_rests_on_the_sum_of_all_gemeenten(con: duckdb.DuckDBPyConnection) -> None:
    count, population, rate = con.execute(
        """SELECT count, population, rate FROM crime_counts
           WHERE indicator = 'misdrijven_totaal' AND area_code = 'NL00' AND period = 2024"""
    ).fetchone()
    # 805,559 crimes registered in 2024; 17,942,942 inhabitants on 1 January 2024, CBS's national total
    assert (count, population) == (805_559, 17_942_942)
    assert rate == pytest.approx(44.896, abs=0.001)
    # so Schiermonnikoog's 20.6 per 1 000 is significantly below the country's, interval against interval
    figures = comparison.compare(con, "GM0088", indicator="misdrijven_totaal", period=2024)
    (figure,) = [f for f in figures if f.boundary_year == 2024]
    assert (figure.difference_national, figure.difference_basis) == ("lager", "significant")
