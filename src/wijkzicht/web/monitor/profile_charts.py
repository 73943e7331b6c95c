"""The charts of an area's profile: each indicator's trend, and the domain scores and index over time.

Each chart comes with what its table alternative shows (the same figures per year) and its title; the profile
page and the factsheet both draw from here, so the two never tell a series differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from wijkzicht.catalogue import TOTAL_SUBGROUP
from wijkzicht.i18n import Translator, format_number
from wijkzicht.monitor.profile import Profile, ProfileFigure
from wijkzicht.monitor.score_trends import INDEX, ScoreSeries
from wijkzicht.web.charts import line_chart
from wijkzicht.web.render import catalogue_names

SCORE_RANGE = (0.0, 100.0)


@dataclass(frozen=True)
class TrendChart:
    id: str
    title: str
    svg: Markup | None  # None: the series is shown as a table only (see `note`)
    columns: tuple[str, ...]  # the table alternative's column headings after the year
    rows: list[tuple[int, tuple[str, ...]]]  # per year its formatted figures
    note: str = ""  # how the series was made comparable, or why it is not drawn


@dataclass(frozen=True)
class ProfileCharts:
    scores: list[TrendChart]
    index_missing: str  # why the index has no series over time ("" when it has one)
    per_domain: dict[str, list[TrendChart]]  # indicator trends per domain, in the profile's order


def profile_charts(profile: Profile, language: str) -> ProfileCharts:
    t = Translator(language)
    names = catalogue_names(language)["domain_names"]
    scores = [_score_chart(series, t, names, language) for series in profile.score_series]
    per_domain: dict[str, list[TrendChart]] = {}
    for figure in profile.figures:
        if _drawable(figure):
            per_domain.setdefault(figure.domain, []).append(_indicator_chart(figure, t, language))
    has_index = any(series.key == INDEX for series in profile.score_series)
    return ProfileCharts(scores, "" if has_index else t("chart.index_one_period"), per_domain)


def _drawable(figure: ProfileFigure) -> bool:
    """A trend with at least two values to draw a line between."""
    return figure.trend is not None and sum(value is not None for _, value in figure.trend.points) >= 2


def _indicator_chart(figure: ProfileFigure, t: Translator, language: str) -> TrendChart:
    trend = figure.trend
    assert trend is not None  # _drawable checked it
    suffix = "%" if trend.unit == "%" else ""
    known = [(period, value) for period, value in trend.points if value is not None]
    (first, first_value), (last, last_value) = known[0], known[-1]
    subgroup = catalogue_names(language)["subgroup_names"].get(trend.subgroup, trend.subgroup)
    # the whole population goes without saying; an age group is named
    detail = trend.unit if trend.subgroup == TOTAL_SUBGROUP else f"{trend.unit}, {subgroup}"
    title = t("chart.indicator_title", name=trend.name, detail=detail)
    words = f" ({trend.overall.words})" if trend.overall else ""
    description = t(
        "chart.indicator_description",
        first=first,
        first_value=format_number(first_value, language) + suffix,
        last=last,
        last_value=format_number(last_value, language) + suffix,
        words=words,
        boundary_year=trend.boundary_year,
    )
    # the section says the lines are on the latest boundaries; a chart says how older figures got there
    notes = [*trend.methods, *trend.not_comparable]
    chart_id = f"trend-{trend.indicator}-{trend.subgroup}"
    return TrendChart(
        chart_id,
        title,
        line_chart(
            trend.points,
            chart_id=chart_id,
            title=title,
            description=description,
            language=language,
            suffix=suffix,
        ),
        (t("profile.value"),),
        [
            (period, (format_number(value, language) + (suffix if value is not None else ""),))
            for period, value in trend.points
        ],
        "; ".join(notes),
    )


def _score_chart(series: ScoreSeries, t: Translator, names: Mapping[str, str], language: str) -> TrendChart:
    is_index = series.key == INDEX
    name = t("chart.index") if is_index else names.get(series.key, series.key)
    subgroup = catalogue_names(language)["subgroup_names"].get(series.subgroup, series.subgroup)
    title = t("chart.score_title", name=name, subgroup=subgroup, boundary_year=series.boundary_year)
    points = [(point.period, point.score) for point in series.points]
    description = t(
        "chart.score_description",
        name=name,
        values=", ".join(f"{period}: {format_number(score, language)}" for period, score in points),
    )
    rows = [
        (
            point.period,
            (
                format_number(point.score, language),
                format_number(point.percentile, language, 0),
                *((", ".join(names.get(d, d) for d in point.domains),) if is_index else ()),
            ),
        )
        for point in series.points
    ]
    columns = (t("profile.score"), t("profile.percentile"), *((t("chart.domains"),) if is_index else ()))
    drawn = series.comparable
    chart_id = f"trend-{series.key}"
    return TrendChart(
        chart_id,
        title,
        line_chart(
            points,
            chart_id=chart_id,
            title=title,
            description=description,
            language=language,
            fixed=SCORE_RANGE,
        )
        if drawn
        else None,
        columns,
        rows,
        "" if drawn else t("chart.index_not_comparable"),
    )
