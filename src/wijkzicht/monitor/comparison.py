"""Each figure of an area beside its gemeente and the Netherlands, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import duckdb

from wijkzicht import codes
from wijkzicht.monitor import difference
from wijkzicht.monitor.intervals import NOT_PUBLISHED, Counts, Interval, rate_interval
from wijkzicht.monitor.observations import IndicatorFacts, Indicators, read_indicators
from wijkzicht.records import plain
from wijkzicht.warehouse.queries import create_in_parts

NATIONAL_CODE = "NL00"
WORDS = {
    "nl": {
        "higher": "hoger dan",
        "lower": "lager dan",
        "equal": "gelijk aan",
        "national": "het landelijk gemiddelde",
        "gemeente": "het gemiddelde van de gemeente",
        "better": "gunstiger",
        "worse": "ongunstiger",
    },
    "en": {
        "higher": "higher than",
        "lower": "lower than",
        "equal": "equal to",
        "national": "the national average",
        "gemeente": "the average of the gemeente",
        "better": "more favourable",
        "worse": "less favourable",
    },
}


@dataclass(frozen=True)
class Comparison:
    indicator: str
    name: str
    unit: str
    direction: str
    subgroup: str
    boundary_year: int
    period: int
    value: float | None
    gemeente_value: float | None
    national_value: float | None
    versus_gemeente: str | None
    versus_national: str | None
    suppressed_reason: (
        str | None
    )  # why there is no value: suppressed (too few inhabitants, respondents) or missing
    # The one rule of `difference`: 'hoger', 'lager' or 'gelijk', and its basis ('significant'/'tolerance').
    difference_gemeente: str | None
    difference_national: str | None
    difference_basis: str | None
    interval: Interval | None  # exact 95% interval where the counts are published
    interval_note: str | None  # why there is none, for a figure with a value

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def relation(
    value: float | None,
    reference: float | None,
    unit: str,
    interval: Interval | None = None,
    reference_interval: Interval | None = None,
) -> str | None:
    """'higher', 'lower' or 'equal' under the one rule of `difference`; None when either side is missing."""
    found = difference.difference(value, reference, unit, interval, reference_interval)
    return found.relation if found else None


def describe(found: str | None, against: str, direction: str, language: str) -> str | None:
    """E.g. 'hoger dan het landelijk gemiddelde (ongunstiger)' for the relation `found` (see `relation`);
    direction decides the judgement."""
    if found is None:
        return None
    words = WORDS[language]
    text = f"{words[found]} {words[against]}"
    if found == "equal" or direction == "neutral":
        return text
    worse = (found == "higher") == (direction == "higher_is_worse")
    return f"{text} ({words['worse' if worse else 'better']})"


@dataclass(frozen=True)
class FigureSource:
    """Where a compared figure comes from (its indicator's domain, the source table and column) and where it
    stands: its national percentile among the areas of its level (higher = more problems), if ranked."""

    domain: str
    table: str
    column: str
    percentile: float | None


def compare(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    period: int | None = None,
    subgroup: str | None = None,
    boundary_year: int | None = None,
    indicator: str | None = None,
    language: str = "nl",
) -> list[Comparison]:
    """Every figure of the area with the same indicator, period, subgroup and boundary year of its
    gemeente and of the Netherlands. Values of an area below the minimum population are not shown; a figure
    without a value carries the reason."""
    found = compare_with_sources(
        con,
        code,
        period=period,
        subgroup=subgroup,
        boundary_year=boundary_year,
        indicator=indicator,
        language=language,
    )
    return [figure for figure, _ in found]


STORED = "area_comparisons"


def store_comparisons(con: duckdb.DuckDBPyConnection) -> None:
    """`area_comparisons`: every figure of every area beside its gemeente's and the country's, with the
    published counts behind the three rates and the figure's national percentile, sorted by area code. A
    warehouse table, made once by the build from the stored gated values and scores, so that a comparison
    or a profile is one lookup of the area's rows instead of lookups joined per request (each figure's
    words are still made when it is read, in the reader's language)."""
    create_in_parts(
        con,
        f"TABLE {STORED}",
        f"""
        WITH gemeente AS (SELECT * FROM published_values WHERE area_code LIKE 'GM%'),
        nation AS (SELECT * FROM published_values WHERE area_code = '{NATIONAL_CODE}')
        SELECT o.area_code, o.indicator, o.subgroup, o.boundary_year, o.period,
               o.value, g.value AS gemeente_value, n.value AS national_value,
               CASE WHEN o.value IS NULL THEN o.missing_reason END AS suppressed_reason,
               -- the counts behind a rate, only where the gate let its value through
               CASE WHEN o.value IS NOT NULL THEN [oc.count, oc.population] END AS counts,
               CASE WHEN g.value IS NOT NULL THEN [gc.count, gc.population] END AS gemeente_counts,
               CASE WHEN n.value IS NOT NULL THEN [nc.count, nc.population] END AS national_counts,
               o.source_table, o.source_column, s.percentile
        FROM published_values o
        LEFT JOIN (SELECT * FROM standardised WHERE percentile IS NOT NULL) s ON s.area_code = o.area_code
             AND s.indicator = o.indicator AND s.subgroup = o.subgroup AND s.boundary_year = o.boundary_year
             AND s.period = o.period
        LEFT JOIN published_crime_counts oc ON oc.indicator = o.indicator AND oc.subgroup = o.subgroup
             AND oc.area_code = o.area_code AND oc.boundary_year = o.boundary_year AND oc.period = o.period
        LEFT JOIN gemeente g ON g.area_code = {codes.sql_gemeente_of("o.area_code")}
             AND g.indicator = o.indicator AND g.subgroup = o.subgroup AND g.boundary_year = o.boundary_year
             AND g.period = o.period
        LEFT JOIN nation n ON n.indicator = o.indicator
             AND n.subgroup = o.subgroup AND n.boundary_year = o.boundary_year AND n.period = o.period
        LEFT JOIN published_crime_counts gc ON gc.indicator = g.indicator AND gc.subgroup = g.subgroup
             AND gc.area_code = g.area_code AND gc.boundary_year = g.boundary_year AND gc.period = g.period
        LEFT JOIN published_crime_counts nc ON nc.indicator = n.indicator AND nc.subgroup = n.subgroup
             AND nc.area_code = n.area_code AND nc.boundary_year = n.boundary_year AND nc.period = n.period
        WHERE {{part}}
        -- by area: a request reads one area's rows, and the zone maps of a sorted column find them
        ORDER BY o.area_code
        """,
        rows_of="published_values",
        key="o.area_code",
    )


def compare_with_sources(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    period: int | None = None,
    subgroup: str | None = None,
    boundary_year: int | None = None,
    indicator: str | None = None,
    language: str = "nl",
    indicators: Indicators | None = None,
) -> list[tuple[Comparison, FigureSource]]:
    """`compare`, each figure with where it comes from and its percentile: `stored_figures` put in words.
    A server passes the `indicators` it read once."""
    facts = read_indicators(con) if indicators is None else indicators
    found = stored_figures(
        con, code, facts, period=period, subgroup=subgroup, boundary_year=boundary_year, indicator=indicator
    )
    return [with_source(figure, facts[figure.indicator], language) for figure in found]


class StoredFigure(NamedTuple):
    """An area's row of `area_comparisons`, before it is put in words."""

    indicator: str
    subgroup: str
    boundary_year: int
    period: int
    value: float | None
    gemeente_value: float | None
    national_value: float | None
    suppressed_reason: str | None
    counts: Counts
    gemeente_counts: Counts
    national_counts: Counts
    source_table: str
    source_column: str
    percentile: float | None


def stored_figures(
    con: duckdb.DuckDBPyConnection,
    code: str,
    indicators: Indicators,
    *,
    period: int | None = None,
    subgroup: str | None = None,
    boundary_year: int | None = None,
    indicator: str | None = None,
) -> list[StoredFigure]:
    """One lookup of the area's stored rows, in the order of boundary year, period, domain, indicator and
    subgroup (a profile picks the figures it shows from them before putting those in words)."""
    rows = con.execute(
        f"""
        SELECT indicator, subgroup, boundary_year, period, value, gemeente_value, national_value,
               suppressed_reason, counts, gemeente_counts, national_counts, source_table, source_column,
               percentile
        FROM {STORED}
        WHERE area_code = $code AND ($period IS NULL OR period = $period)
          AND ($subgroup IS NULL OR subgroup = $subgroup)
          AND ($boundary_year IS NULL OR boundary_year = $boundary_year)
          AND ($indicator IS NULL OR indicator = $indicator)
        """,
        {
            "code": code,
            "period": period,
            "subgroup": subgroup,
            "boundary_year": boundary_year,
            "indicator": indicator,
        },
    ).fetchall()
    figures = [StoredFigure._make(row) for row in rows]
    figures.sort(
        key=lambda f: (f.boundary_year, f.period, indicators[f.indicator].domain, f.indicator, f.subgroup)
    )
    return figures


def with_source(
    figure: StoredFigure, facts: IndicatorFacts, language: str
) -> tuple[Comparison, FigureSource]:
    """A stored figure as a Comparison in the reader's language, and its source."""
    source = FigureSource(facts.domain, figure.source_table, figure.source_column, figure.percentile)
    return _comparison(figure, facts, language), source


def _comparison(figure: StoredFigure, facts: IndicatorFacts, language: str) -> Comparison:
    # A count is never "higher than the national average": only rates and shares are compared in words.
    unit, direction, value, is_count = facts.unit, facts.direction, figure.value, facts.is_count
    own = rate_interval(figure.counts)
    gemeente, nation = rate_interval(figure.gemeente_counts), rate_interval(figure.national_counts)
    versus_gemeente = difference.difference(value, figure.gemeente_value, unit, own, gemeente)
    versus_national = difference.difference(value, figure.national_value, unit, own, nation)
    shown = [found for found in (versus_national, versus_gemeente) if found is not None]
    return Comparison(
        figure.indicator,
        facts.name(language),
        unit,
        direction,
        figure.subgroup,
        figure.boundary_year,
        figure.period,
        value,
        figure.gemeente_value,
        figure.national_value,
        versus_gemeente=None
        if is_count or versus_gemeente is None
        else describe(versus_gemeente.relation, "gemeente", direction, language),
        versus_national=None
        if is_count or versus_national is None
        else describe(versus_national.relation, "national", direction, language),
        suppressed_reason=figure.suppressed_reason,
        difference_gemeente=None if is_count or versus_gemeente is None else versus_gemeente.word,
        difference_national=None if is_count or versus_national is None else versus_national.word,
        difference_basis=None if is_count or not shown else shown[0].basis,
        interval=own,
        interval_note=NOT_PUBLISHED if value is not None and own is None and not is_count else None,
    )
