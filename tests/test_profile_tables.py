"""What a profile reads from the tables the build stores equals what the publishing gate gives, for real areas.

`comparison.compare` reads every area's figures beside its gemeente's and the country's as the build stored
them from the gated values (`comparison.store_comparisons`); here the same figures, counts and percentiles are
read from the gate's view and the scores by hand. The build stores every area's trends at once
(`trends.store_trends`); here they are computed for one area alone, as they were per request before. The build
stores every area's explanation at once (`index.store_explanations`); here each is explained alone. The build
stores every area's scores on its level's latest boundaries (`score_trends.store_score_points`); here the
points of its series are read from the scores by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import duckdb
import pytest

from wijkzicht import codes
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import comparison, index, score_trends, trends
from wijkzicht.monitor.intervals import rate_interval

OVERVECHT = "WK034403"  # a wijk of Utrecht: its gemeente's crime rates have exact intervals
# Wijk 09 of Heerde: small, so most of its figures are suppressed; its population of 2017 is carried to 2024
# boundaries by address shares (the one count the trends redistribute themselves rather than take from the
# build's harmonisation).
REDISTRIBUTED = "WK074309"
SUPPRESSED_BUURT = "BU00140108"  # a buurt of Groningen with all but one figure suppressed
AMSTERDAM = "GM0363"  # a gemeente: its own crime rates and the country's have exact intervals
AREAS = (
    OVERVECHT,
    REDISTRIBUTED,
    SUPPRESSED_BUURT,
    AMSTERDAM,
    "BU03630000",
    "WK001400",
    comparison.NATIONAL_CODE,
)

Key = tuple[str, str, int, int]  # indicator, subgroup, boundary year, period


@pytest.fixture()
def cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    cursor = con.cursor()
    yield cursor
    cursor.close()


def gated(cursor: duckdb.DuckDBPyConnection, code: str | None) -> dict[Key, tuple[float | None, str | None]]:
    """The area's figures through the gate's view: value and the reason for a missing or suppressed one."""
    rows = cursor.execute(
        """SELECT indicator, subgroup, boundary_year, period, value, missing_reason FROM published_observations
           WHERE area_code = ?""",
        [code],
    ).fetchall()
    return {(row[0], row[1], row[2], row[3]): (row[4], row[5]) for row in rows}


def gated_counts(cursor: duckdb.DuckDBPyConnection, code: str | None) -> dict[Key, list[float | None]]:
    """The counts behind the area's crime rates that the gate's view lets through (a rate with a value)."""
    rows = cursor.execute(
        """SELECT c.indicator, o.subgroup, c.boundary_year, c.period, c.count, c.population
           FROM crime_counts c JOIN published_observations o ON o.indicator = c.indicator
            AND o.subgroup = 'totaal' AND o.area_code = c.area_code AND o.boundary_year = c.boundary_year
            AND o.period = c.period
           WHERE c.area_code = ? AND o.value IS NOT NULL""",
        [code],
    ).fetchall()
    return {(row[0], row[1], row[2], row[3]): [row[4], row[5]] for row in rows}


@pytest.mark.parametrize("code", AREAS)
def test_comparisons_from_the_stored_tables_equal_the_gate_of_area_gemeente_and_country(
    cursor: duckdb.DuckDBPyConnection, code: str
) -> None:
    own, gemeente, country = (
        gated(cursor, code),
        gated(cursor, codes.gemeente_of(code)),
        gated(cursor, comparison.NATIONAL_CODE),
    )
    own_counts = gated_counts(cursor, code)
    compared = comparison.compare(cursor, code)
    assert len(compared) == len(own) > 0
    for figure in compared:
        key = (figure.indicator, figure.subgroup, figure.boundary_year, figure.period)
        value, reason = own[key]
        assert (figure.value, figure.gemeente_value, figure.national_value) == (
            value,
            gemeente.get(key, (None, None))[0],
            country.get(key, (None, None))[0],
        )
        assert figure.suppressed_reason == (reason if value is None else None)
        assert figure.interval == rate_interval(own_counts.get(key))


def test_the_compared_areas_include_suppressed_figures_and_crime_intervals(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    figures = [figure for code in AREAS for figure in comparison.compare(cursor, code)]
    suppressed = [f for f in figures if f.suppressed_reason and f.suppressed_reason.startswith("minder dan")]
    assert len(suppressed) > 100
    assert sum(figure.interval is not None for figure in figures) >= 2
    # a wijk beside its gemeente's rate: both intervals decide 'significant' rather than the tolerance
    wijk = comparison.compare(cursor, OVERVECHT, indicator="misdrijven_totaal")
    assert any(figure.difference_basis == "significant" for figure in wijk) or all(
        figure.value is None for figure in wijk
    )


def test_the_stored_crime_counts_are_those_the_gate_publishes(cursor: duckdb.DuckDBPyConnection) -> None:
    stored = cursor.execute(
        "SELECT indicator, area_code, boundary_year, period, count, population FROM published_crime_counts"
    ).fetchall()
    expected = cursor.execute(
        """SELECT c.indicator, c.area_code, c.boundary_year, c.period, c.count, c.population
           FROM crime_counts c JOIN published_observations o ON o.indicator = c.indicator
            AND o.subgroup = 'totaal' AND o.area_code = c.area_code AND o.boundary_year = c.boundary_year
            AND o.period = c.period
           WHERE o.value IS NOT NULL"""
    ).fetchall()
    assert sorted(stored) == sorted(expected) and stored


@pytest.mark.parametrize("code", AREAS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_stored_trends_equal_the_trends_computed_for_the_area_alone(
    cursor: duckdb.DuckDBPyConnection, code: str, language: str
) -> None:
    stored = trends.area_trends(cursor, code, language=language)
    assert stored, f"{code} has no trends"
    assert stored == trends.computed_trends(cursor, code, language=language, as_published=False)


def test_a_stored_crime_rate_trend_is_judged_on_its_intervals(cursor: duckdb.DuckDBPyConnection) -> None:
    [series] = trends.area_trends(cursor, AMSTERDAM, indicator="misdrijven_totaal", subgroup="totaal")
    overall, points = series.overall, dict(series.points)
    assert overall is not None
    first, last = points[overall.from_period], points[overall.to_period]
    assert first is not None and last is not None
    counts = gated_counts(cursor, AMSTERDAM)
    intervals = tuple(
        rate_interval(counts[("misdrijven_totaal", "totaal", series.boundary_year, period)])
        for period in (overall.from_period, overall.to_period)
    )
    assert intervals[0] is not None and intervals[1] is not None
    expected = trends.judgement(first, last, series.direction, series.unit, (intervals[0], intervals[1]))
    assert overall.judgement == expected


def test_a_count_on_changed_boundaries_is_redistributed_in_the_stored_trends(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    [published] = cursor.execute(
        """SELECT value FROM published_observations WHERE area_code = ? AND indicator = 'inwoners'
           AND subgroup = 'totaal' AND boundary_year = 2017""",
        [REDISTRIBUTED],
    ).fetchall()
    [series] = trends.area_trends(cursor, REDISTRIBUTED, indicator="inwoners", subgroup="totaal")
    assert series.methods == [trends.redistribution_method(2017, 2024)]
    # the figure published on 2017 boundaries is replaced by the count the matrix carries to this code
    carried = trends.harmonise_counts(cursor, "inwoners", "wijk", 2017).values.get(REDISTRIBUTED)
    assert published[0] is not None and carried != published[0]
    assert series.points[0] == (2017, carried)


def test_stored_explanations_equal_explaining_each_area(cursor: duckdb.DuckDBPyConnection) -> None:
    """A profile reads its area's explanation as the build stored it for every area at once; it is what
    explaining that area alone gives, for a sample of every level and for areas without scores. A gemeente's
    explanation in the partition of one of its wijken is read from the stored one only when that is the
    partition explaining it alone would choose."""
    sample = cursor.execute(
        """SELECT code, level FROM area_years WHERE level IN ('gemeente', 'wijk', 'buurt')
           USING SAMPLE 60 ROWS (reservoir, 2024)"""
    ).fetchall()
    levels = dict(cursor.execute("SELECT code, level FROM area_years").fetchall())
    selections = [
        (code, index.Selection(level=level)) for code, level in {*sample, *levels.items() & set(AREAS)}
    ]
    selections += [
        (AMSTERDAM, index.Selection("gemeente", 2024, None, "actueel")),  # the stored partition
        # its latest picture on the boundaries its buurten are scored on (2020): stored too
        (AMSTERDAM, index.Selection("gemeente", 2020, None, "actueel")),
        (AMSTERDAM, index.Selection("gemeente", 2020, 2020, "18plus")),  # another: explained alone
        (AMSTERDAM, index.Selection("gemeente", period=2022)),  # the period's own figures, not the picture
        (AMSTERDAM, index.Selection("gemeente", 2017)),  # a boundary year without scores
    ]
    explained = 0
    for code, selection in selections:
        try:
            alone = index.explain(cursor, code, selection)
        except WijkzichtError as error:
            with pytest.raises(WijkzichtError) as stored_error:
                index.explain_stored(cursor, code, selection)
            assert stored_error.value.key == error.key
            continue
        assert index.explain_stored(cursor, code, selection) == alone
        explained += 1
    assert explained >= 40


def test_a_gemeente_is_explained_from_the_store_on_each_boundary_year_it_is_scored_on(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    """A buurt's profile shows its gemeente's scores on the buurt's boundaries (2020), not the gemeente's
    latest (2024): both are stored, each the partition explaining the gemeente alone in that year chooses."""
    stored = cursor.execute(
        """SELECT boundary_year, any_value(partition_subgroup), bool_and(latest) FROM area_explanations
           WHERE area_code = ? GROUP BY boundary_year ORDER BY boundary_year""",
        [AMSTERDAM],
    ).fetchall()
    assert [year for year, _, _ in stored] == [2020, 2022, 2023, 2024]
    assert [latest for _, _, latest in stored] == [False, False, False, True]
    [buurt_year] = cursor.execute(
        "SELECT DISTINCT boundary_year FROM area_explanations WHERE area_code = 'BU03630000'"
    ).fetchone()
    assert buurt_year == 2020
    on_buurt_boundaries = index.explain_stored(cursor, AMSTERDAM, index.Selection("gemeente", 2020))
    assert (on_buurt_boundaries.boundary_year, on_buurt_boundaries.subgroup) == (2020, stored[0][1])
    assert index.explain_stored(cursor, AMSTERDAM, index.Selection("gemeente")).boundary_year == 2024


@pytest.mark.parametrize("code", AREAS)
def test_stored_percentiles_are_the_standardised_ones(cursor: duckdb.DuckDBPyConnection, code: str) -> None:
    """Each compared figure carries its national percentile as the scores placed it (a profile shows it)."""
    rows = cursor.execute(
        """SELECT indicator, subgroup, boundary_year, period, percentile FROM standardised
           WHERE area_code = ? AND percentile IS NOT NULL""",
        [code],
    ).fetchall()
    placed = {(row[0], row[1], row[2], row[3]): row[4] for row in rows}
    compared = comparison.compare_with_sources(cursor, code)
    assert compared
    carried = {}
    for figure, source in compared:
        key = (figure.indicator, figure.subgroup, figure.boundary_year, figure.period)
        assert source.percentile == placed.get(key)
        if source.percentile is not None:
            carried[key] = source.percentile
    # mostly suppressed areas and the country itself are placed on no compared figure; the others are
    assert code in (REDISTRIBUTED, SUPPRESSED_BUURT, comparison.NATIONAL_CODE) or carried


def test_stored_score_series_are_the_scores_of_the_latest_boundaries(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    """Every point of an area's score series is its stored domain score (or index) on its level's latest
    scored boundary year; an index point names the domains scored for the area in that partition."""
    sample = cursor.execute(
        """SELECT DISTINCT area_code, level FROM area_index WHERE level IN ('gemeente', 'wijk', 'buurt')
           USING SAMPLE 40 ROWS (reservoir, 2024)"""
    ).fetchall()
    latest = dict(
        cursor.execute("SELECT level, max(boundary_year) FROM area_index GROUP BY level").fetchall()
    )
    shown = 0
    for code, level in {*sample, (OVERVECHT, "wijk"), (AMSTERDAM, "gemeente")}:
        for series in score_trends.score_trends(cursor, code, level):
            assert series.boundary_year == latest[level]
            for point in series.points:
                partition = [code, level, series.boundary_year, point.period, series.subgroup]
                domains = [
                    row[0]
                    for row in cursor.execute(
                        """SELECT domain FROM domain_scores WHERE area_code = ? AND level = ? AND boundary_year = ?
                           AND period = ? AND subgroup = ? AND score IS NOT NULL ORDER BY domain""",
                        partition,
                    ).fetchall()
                ]
                table, key = (
                    ("area_index", "TRUE")
                    if series.key == score_trends.INDEX
                    else ("domain_scores", "domain = ?")
                )
                expected = cursor.execute(
                    f"""SELECT score, percentile FROM {table} WHERE area_code = ? AND level = ? AND boundary_year = ?
                        AND period = ? AND subgroup = ? AND {key}""",
                    partition + ([] if series.key == score_trends.INDEX else [series.key]),
                ).fetchall()
                assert [(point.score, point.percentile)] == expected
                assert point.domains == (
                    tuple(domains) if series.key == score_trends.INDEX else (series.key,)
                )
                shown += 1
    assert shown > 100


@pytest.mark.parametrize("code", AREAS)
def test_stored_steps_join_the_consecutive_points_with_a_value(
    cursor: duckdb.DuckDBPyConnection, code: str
) -> None:
    for series in trends.area_trends(cursor, code, language="en"):
        valued = [(period, value) for period, value in series.points if value is not None]
        pairs = list(itertools.pairwise(valued))
        assert [(s.from_period, s.to_period, s.change) for s in series.steps] == [
            (first[0], last[0], last[1] - first[1]) for first, last in pairs
        ]
        overall = series.overall
        assert (overall is None) == (len(valued) < 2)
        if overall is not None:
            assert (overall.from_period, overall.to_period) == (valued[0][0], valued[-1][0])
            assert overall.words == trends.WORDS["en"][overall.judgement]
