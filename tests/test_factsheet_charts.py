"""Trend charts on the profile, on the real snapshot (issue #19)."""

from __future__ import annotations

import re

import duckdb
from fastapi.testclient import TestClient

from wijkzicht.monitor.score_trends import INDEX, score_trends
from wijkzicht.web.charts import line_chart, nice_scale

OVERVECHT = "WK034403"


def _warehouse_series(con: duckdb.DuckDBPyConnection, indicator: str) -> list[tuple[int, float]]:
    rows = con.execute(
        """SELECT period, value FROM published_harmonised WHERE area_code = ? AND indicator = ?
           AND subgroup = '18plus' AND boundary_year = 2024 ORDER BY period""",
        [OVERVECHT, indicator],
    ).fetchall()
    return [(period, value) for period, value in rows]


def test_the_profile_charts_an_indicator_with_its_real_values_and_a_table(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    series = _warehouse_series(con, "eenzaam")
    assert [period for period, _ in series] == [2012, 2016, 2020]
    page = web.get(f"/gebied/{OVERVECHT}").text
    figure = page.split('id="trend-eenzaam-18plus-figure"')[1].split("</figure>")[0]
    svg = figure.split("<svg")[1].split("</svg>")[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    for period, value in series:
        shown = f"{value:.1f}".replace(".", ",")
        assert f">{shown}%</text>" in svg and f">{period}</text>" in svg
        # the table alternative holds the same figures
        assert re.search(rf"<th scope=\"row\">{period}</th><td>{shown}%</td>", figure)
    assert figure.count("<circle") == 3


def test_domain_scores_over_time_are_the_stored_ones_and_the_index_says_why_it_has_no_line(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    stored = con.execute(
        """SELECT period, score FROM domain_scores WHERE area_code = ? AND boundary_year = 2024
           AND subgroup = '18plus' AND domain = 'health' ORDER BY period""",
        [OVERVECHT],
    ).fetchall()
    series = {s.key: s for s in score_trends(con, OVERVECHT, "wijk")}
    assert [(p.period, p.score) for p in series["health"].points] == stored
    # the index stacks liveability only in 2020: not comparable, so a table and the reason, no line
    assert not series[INDEX].comparable
    page = web.get(f"/gebied/{OVERVECHT}").text
    index_figure = page.split(f'id="trend-{INDEX}-figure"')[1].split("</figure>")[0]
    assert "<svg" not in index_figure and "Geen lijn" in index_figure and "Leefbaarheid" in index_figure
    assert '<svg class="chart" id="trend-health"' in page


def test_a_chart_axis_reaches_zero_and_a_missing_value_breaks_the_line() -> None:
    assert nice_scale([48.5, 51.0]).low == 0
    svg = line_chart(
        [(2012, 10.0), (2016, None), (2020, 12.0), (2022, 13.0)],
        chart_id="c",
        title="t",
        description="d",
        language="nl",
    )
    assert svg.count("<polyline") == 1  # only 2020-2022 join; 2012 stands alone
    assert svg.count("<circle") == 3
